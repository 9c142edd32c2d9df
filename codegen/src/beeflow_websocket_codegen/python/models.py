"""Payload models: pydantic v2 classes for the bundled ``$defs``, strict and exact.

The models are written by :mod:`.pydantic_source` from the *relaxed* schemas of a fidelity plan
(:mod:`.fidelity`): every model is strict (``ConfigDict(strict=True)``): the runtime validates
raw JSON frames, and JSON Schema never turns ``"1"`` into ``1``; JSON strings still validate as
enums, UUIDs and datetimes, as strict JSON mode allows. Each field or model whose pydantic type
is not exact gets a check of its original schema from ``beeflow_websocket.core.constraints``
(``INTEGRAL``, ``NOT_NULL``, ``_SCHEMAS.check(...)``, a ``model_validator``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from beeflow_websocket_codegen.errors import Diagnostic, SpecError

from .fidelity import Plan, plan
from .pydantic_source import object_check, write_models

__all__ = ["GeneratedModels", "generate_models", "verify_checks"]


@dataclass(frozen=True)
class GeneratedModels:
    """The models module (unformatted) and the class name of each bundled definition."""

    source: str
    class_names: dict[str, str]


def generate_models(
    definitions: dict[str, Any], *, roots: frozenset[str] = frozenset(), format_assertion: bool = False
) -> GeneratedModels:
    """Models for ``definitions`` (a ``$defs`` mapping whose keys are the wanted class names).

    ``roots`` are the payload definitions (always objects on the wire); with ``format_assertion``,
    ``format`` is checked where a pydantic type exists for it (else it is an annotation).
    """
    if not definitions:
        return GeneratedModels("", {})
    fidelity = plan(definitions, roots=roots, format_assertion=format_assertion)
    verify_checks(definitions, fidelity)
    written = write_models(definitions, fidelity, roots)
    return GeneratedModels(written.source, written.class_names)


def verify_checks(definitions: dict[str, Any], fidelity: Plan) -> None:
    """Compile every check the models will run, as their import will: a schema the runtime cannot
    check is refused here, not on the first frame."""
    from beeflow_websocket.jsonschema import JsonSchemas

    schemas = JsonSchemas(definitions)
    pointers = [pointer for checks in fidelity.member_checks.values() for pointer in checks.values()]
    for pointer in [*pointers, *sorted(object_check(fidelity, pointer) for pointer in fidelity.object_checks)]:
        try:
            schemas.validator(pointer)
        except (RecursionError, MemoryError):
            raise
        except Exception as error:
            where = pointer.partition("#")[0]
            raise SpecError(
                Diagnostic(
                    f"the schema at #/$defs/{where} cannot be checked at run time ({type(error).__name__}: {error})"
                )
            ) from None
