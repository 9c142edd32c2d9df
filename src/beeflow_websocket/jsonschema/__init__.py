"""JSON Schema in the runtime: the keyword table, ECMA-262 patterns and a validator.

Generated payload models check with it what their pydantic types cannot say (see
:mod:`beeflow_websocket.core.constraints`), and the generator plans with the same
:mod:`~beeflow_websocket.jsonschema.keywords` table. It imports nothing else of the runtime, and
nothing here imports ``jsonschema``.
"""

from .keywords import is_annotation
from .regex import ecma_regex
from .validator import Check, JsonSchemas
from .values import json_equal, unique

__all__ = ["Check", "JsonSchemas", "ecma_regex", "is_annotation", "json_equal", "unique"]
