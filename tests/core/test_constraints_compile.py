"""A JSON Schema check that cannot be compiled fails every time, at import when it can, never half-built."""

from __future__ import annotations

import pytest

from beeflow_websocket.core.constraints import JsonSchemas

#: Array-form ``items`` is draft-07; the runtime reads draft 2020-12 (the generator translates it).
BROKEN = {"Broken": {"type": "object", "properties": {"p": {"items": [{"type": "integer"}]}}}}


def test_a_model_validator_that_cannot_compile_fails_at_construction() -> None:
    with pytest.raises(AttributeError):
        JsonSchemas(BROKEN, models=("Broken",))


def test_a_field_check_that_cannot_compile_fails_when_declared() -> None:
    with pytest.raises(AttributeError):
        JsonSchemas(BROKEN).check("Broken/properties/p")


def test_a_failed_compilation_is_not_cached_half_built() -> None:
    schemas = JsonSchemas(BROKEN)
    for _ in range(2):
        with pytest.raises(AttributeError):
            schemas.validator("Broken")


def test_recursive_references_still_compile_eagerly() -> None:
    schemas = JsonSchemas(
        {"Tree": {"type": "object", "properties": {"kids": {"type": "array", "items": {"$ref": "#/$defs/Tree"}}}}},
        models=("Tree",),
    )
    check = schemas.validator("Tree")
    assert check({"kids": [{"kids": []}]}) is None
    assert check({"kids": [{"kids": 1}]}) is not None
