"""JSON Schema in the runtime: the keyword table, ECMA-262 patterns and a validator.

Generated payload models check with it what their pydantic types cannot say (see
:mod:`beeflow_websocket.core.constraints`), and the generator plans with the same
:mod:`~beeflow_websocket.jsonschema.keywords` table. It imports nothing else of the runtime, and
nothing here imports ``jsonschema``.

The names below load on first use: the generator's commands that only read the keyword table
(``validate``, ``check``) then import no pydantic.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .keywords import is_annotation
    from .regex import ecma_regex
    from .validator import Check, JsonSchemas
    from .values import json_equal, unique

__all__ = ["Check", "JsonSchemas", "ecma_regex", "is_annotation", "json_equal", "unique"]

_HOMES = {
    "Check": "validator",
    "JsonSchemas": "validator",
    "ecma_regex": "regex",
    "is_annotation": "keywords",
    "json_equal": "values",
    "unique": "values",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
