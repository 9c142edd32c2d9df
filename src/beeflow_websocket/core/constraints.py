"""JSON Schema checks that generated payload models need at run time (runtime API 2).

Generated models are pydantic models with strict types. Where a pydantic type says exactly what
the JSON Schema says (strings with lengths and patterns, numbers with bounds, string enums, objects
with properties, arrays of typed items), pydantic checks alone, on its fast path. Where it cannot
(``not``, ``if``/``then``/``else``, ``uniqueItems``, ``multipleOf`` on decimals, numeric ``enum``
with JSON equality, ``patternProperties``, ``unevaluatedProperties``, ...), the generator keeps a
type that accepts at least what the schema accepts and adds a :class:`Check` (on a field) or a
``model_validator`` calling :meth:`JsonSchemas.validate` (on a model): a JSON Schema 2020-12
validator compiled from the schema, in pure Python, that looks at the raw JSON value. The validator
lives in :mod:`beeflow_websocket.jsonschema`; its names are imported here too, as generated code
and runtime API 2 know them.

Also here, what generated models use to bring strict pydantic types in line with JSON Schema:

- :data:`INTEGRAL`: a JSON integer may be written ``1.0`` (``type: integer`` accepts it);
- :data:`NOT_NULL`: an optional member whose schema refuses ``null``: ``null`` on the wire is
  refused, ``None`` from Python means "absent" (the default), and a ``None`` member is left out
  when the model is serialized, so absent stays absent in both directions;
- :class:`WireEnum`: the base of generated string enums, which take their plain values from
  Python as from JSON;
- :func:`json_default`: a default given as JSON for a member whose Python type a JSON literal
  does not fit (a model, a UUID, a datetime).

Checks run on JSON input (``validate_json``, the runtime's path). Models built in Python by your
own code (``Model(field=...)``) are checked too, after converting the values to JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any, cast

from pydantic import Field, GetCoreSchemaHandler, TypeAdapter
from pydantic_core import PydanticCustomError, core_schema

from beeflow_websocket.jsonschema.keywords import ANNOTATIONS as ANNOTATION_KEYWORDS
from beeflow_websocket.jsonschema.keywords import is_annotation
from beeflow_websocket.jsonschema.regex import ecma_regex
from beeflow_websocket.jsonschema.validator import Check, JsonSchemas
from beeflow_websocket.jsonschema.values import json_equal, unique

__all__ = [
    "ANNOTATION_KEYWORDS",
    "INTEGRAL",
    "NOT_NULL",
    "Check",
    "JsonSchemas",
    "WireEnum",
    "ecma_regex",
    "is_annotation",
    "json_default",
    "json_equal",
    "unique",
]


def _integral(value: float) -> int:
    if value.is_integer():
        return int(value)
    raise PydanticCustomError("int_from_float", "Input should be a valid integer, got a number with a fractional part")


def _integer_message(schema: dict[str, Any]) -> str:
    words = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}
    limits = [f"{sign} {schema[key]}" for key, sign in words.items() if key in schema]
    if "multiple_of" in schema:
        limits.append(f"a multiple of {schema['multiple_of']}")
    return "Input should be a valid integer" + (" " + ", ".join(limits) if limits else "")


def _widen(schema: core_schema.CoreSchema) -> core_schema.CoreSchema:
    kind = schema["type"]
    if kind in ("model", "definitions", "definition-ref", "dataclass"):
        return schema
    if kind == "int":
        strict_int: Any = dict(schema)
        return core_schema.union_schema(
            [
                strict_int,
                core_schema.chain_schema(
                    [
                        core_schema.float_schema(strict=True),
                        core_schema.no_info_plain_validator_function(_integral),
                        strict_int,
                    ]
                ),
            ],
            mode="left_to_right",
            custom_error_type="json_integer",
            custom_error_message=_integer_message(strict_int),
        )
    widened: Any = dict(schema)
    for key in ("schema", "items_schema", "values_schema"):
        if isinstance(widened.get(key), dict):
            widened[key] = _widen(widened[key])
    if kind == "union":
        widened["choices"] = [_widen(choice) if isinstance(choice, dict) else choice for choice in widened["choices"]]
    if kind == "tuple":
        widened["items_schema"] = [_widen(item) for item in widened["items_schema"]]
    return widened  # type: ignore[no-any-return]


class _Integral:
    __slots__ = ()

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return _widen(handler(source))

    def __repr__(self) -> str:
        return "INTEGRAL"


class _NotNullOnTheWire:
    """JSON ``null`` is refused; Python ``None`` is accepted (it means absent, like the default)."""

    __slots__ = ()

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        schema = _non_null(handler(source))
        # Both branches run in pydantic-core: no Python call per value.
        return core_schema.json_or_python_schema(
            json_schema=schema,
            python_schema=core_schema.nullable_schema(schema),
        )


def _non_null(schema: core_schema.CoreSchema) -> core_schema.CoreSchema:
    """``schema`` without the ``None`` that ``X | None`` adds (below the checks wrapping it)."""
    if schema["type"] == "nullable":
        inner: core_schema.CoreSchema = schema["schema"]
        return inner
    if schema["type"] in ("function-before", "function-after", "function-wrap"):
        stripped: Any = {**schema, "schema": _non_null(schema["schema"])}
        return cast(core_schema.CoreSchema, stripped)
    return schema


def _is_none(value: object) -> bool:
    return value is None


def _not_null() -> Any:
    # A FieldInfo, so that one marker also leaves the member out of the serialized model when it
    # is None (absent): pydantic merges it with the field's other Annotated metadata.
    info = Field(exclude_if=_is_none)
    info.metadata.append(_NotNullOnTheWire())
    return info


#: Last in an ``Annotated`` holding ``StrictInt``: integers may also be written ``1.0`` or ``1e3``.
INTEGRAL: Any = _Integral()
#: In the ``Annotated`` of an optional member whose schema refuses ``null``: ``None`` means absent
#: (``null`` on the wire is refused, a ``None`` member is not serialized).
NOT_NULL: Any = _not_null()


class WireEnum(StrEnum):
    """Base of generated string enums: a member or its plain value, from JSON and from Python alike.

    In a strict model pydantic takes only members from Python (``Mood.HAPPY``), while JSON gives
    the value (``"happy"``). Generated enums take both, so ``Model(mood="happy")`` works at run
    time as the frame ``{"mood": "happy"}`` does; mypy still asks for the member.
    """

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        schema: Any = {**handler(source), "strict": False}  # a lax enum: members, or values by lookup
        return cast(core_schema.CoreSchema, schema)


def json_default(kind: Callable[[], Any], value: str) -> Any:
    """The default of a member that a JSON literal does not fit as is (a model, a UUID, a datetime).

    ``kind`` returns the member's type (late: a model may be defined further down the module);
    ``value`` is the default as JSON, validated as a frame member is each time it is used.
    """
    adapter: TypeAdapter[Any] | None = None

    def factory() -> Any:
        nonlocal adapter
        if adapter is None:
            adapter = TypeAdapter(kind())
        return adapter.validate_json(value)

    return Field(default_factory=factory)
