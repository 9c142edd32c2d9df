"""The runtime's JSON Schema validator against the ``jsonschema`` package (with ECMA-262 patterns)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from beeflow_websocket.jsonschema import JsonSchemas, json_equal, unique
from tests import schema_oracle as oracle

POINT = {"type": "object", "properties": {"x": {"type": "integer"}, "y": {"type": "integer"}}, "required": ["x"]}
DEFINITIONS: dict[str, Any] = {
    "Point": POINT,
    "Tree": {"type": "object", "properties": {"children": {"type": "array", "items": {"$ref": "#/$defs/Tree"}}}},
}

CASES: list[tuple[dict[str, Any], list[Any]]] = [
    ({"type": "integer"}, [1, 1.0, 1.5, "1", True, None]),
    ({"type": ["string", "null"]}, ["a", None, 0]),
    ({"enum": [1, "a", [1], {"k": False}]}, [1.0, "a", [1.0], {"k": False}, {"k": 0}, True]),
    ({"const": {"a": [1, 2]}}, [{"a": [1.0, 2]}, {"a": [2, 1]}]),
    ({"minimum": 1, "exclusiveMaximum": 3}, [1, 2.9, 3, 0.5, "2"]),
    ({"multipleOf": 3}, [9, 10, 9.0, "9"]),
    ({"minLength": 2, "maxLength": 3, "pattern": "^[a-z]+$"}, ["ab", "a", "abcd", "aB", "ząb", 5]),
    ({"uniqueItems": True}, [[1, 2], [1, 1.0], [{"a": 1, "b": 2}, {"b": 2, "a": 1}], [True, 1]]),
    ({"prefixItems": [{"type": "string"}], "items": {"type": "integer"}}, [["a", 1, 2], ["a", "b"], [1], []]),
    ({"contains": {"type": "string"}, "minContains": 2, "maxContains": 3}, [["a", "b"], ["a", 1], ["a"] * 4]),
    ({"minItems": 1, "maxItems": 2}, [[], [1], [1, 2, 3]]),
    (
        {
            "properties": {"a": {"type": "integer"}},
            "patternProperties": {"^x-": {"type": "string"}},
            "additionalProperties": False,
        },
        [{"a": 1, "x-b": "c"}, {"x-b": 1}, {"b": 1}, {}],
    ),
    ({"propertyNames": {"pattern": "^[a-z]+$"}, "minProperties": 1, "maxProperties": 2}, [{"ab": 1}, {"A": 1}, {}]),
    (
        {"dependentRequired": {"a": ["b"]}, "dependentSchemas": {"c": {"required": ["d"]}}},
        [{"a": 1}, {"a": 1, "b": 2}, {"c": 1}],
    ),
    ({"allOf": [{"minimum": 1}, {"maximum": 3}]}, [2, 0, 4]),
    ({"anyOf": [{"type": "string"}, {"minimum": 5}]}, ["a", 6, 4]),
    ({"oneOf": [{"type": "integer"}, {"minimum": 2}]}, [1, 3, 2.5, "a"]),
    ({"not": {"type": "null"}}, [None, 0]),
    ({"if": {"minimum": 10}, "then": {"multipleOf": 2}, "else": {"maximum": 5}}, [12, 13, 4, 7]),
    (
        {"properties": {"a": {}}, "allOf": [{"properties": {"b": {}}}], "unevaluatedProperties": False},
        [{"a": 1, "b": 2}, {"a": 1, "c": 3}],
    ),
    ({"prefixItems": [{}], "unevaluatedItems": {"type": "string"}}, [[1, "a"], [1, 2]]),
    ({"$ref": "#/$defs/Point"}, [{"x": 1}, {"y": 1}, {"x": 1, "y": "2"}]),
    ({"$ref": "#/$defs/Tree"}, [{"children": [{"children": []}]}, {"children": [{"children": [1]}]}]),
    (True, [1, None]),
    (False, [1, None]),
]


def _oracle_accepts(schema: Any, value: Any) -> bool:
    validator = oracle.EcmaValidator({"$defs": DEFINITIONS, **schema} if isinstance(schema, dict) else schema)
    return bool(validator.is_valid(value))


@pytest.mark.parametrize(("schema", "values"), CASES)
def test_it_accepts_what_jsonschema_accepts(schema: Any, values: list[Any]) -> None:
    schemas = JsonSchemas(DEFINITIONS)
    verdicts = [schemas.is_valid(schema, value) for value in values]
    assert verdicts == [_oracle_accepts(schema, value) for value in values]


def test_the_cases_accept_and_refuse() -> None:
    verdicts = [_oracle_accepts(schema, value) for schema, values in CASES for value in values]
    assert verdicts.count(True) > 30
    assert verdicts.count(False) > 30


def test_a_multiple_of_a_decimal_fraction_is_exact() -> None:
    # jsonschema divides floats (0.3 / 0.1 is 2.9999999999999996); JSON Schema means the decimals.
    schema = {"multipleOf": 0.1}
    schemas = JsonSchemas({})
    assert schemas.is_valid(schema, 0.3)
    assert not schemas.is_valid(schema, 0.35)


def test_an_error_names_the_failing_value() -> None:
    schemas = JsonSchemas(DEFINITIONS)
    with pytest.raises(ValidationError) as caught:
        schemas.raise_for("Point", {"x": 1, "y": "2"})
    (error,) = caught.value.errors()
    assert error["loc"] == ("y",)
    assert error["msg"] == "expected integer, found string"


def test_json_equality_and_uniqueness() -> None:
    assert json_equal(1, 1.0)
    assert not json_equal(True, 1)
    assert json_equal({"a": [1, {"b": None}]}, {"a": [1.0, {"b": None}]})
    assert not json_equal([1, 2], [2, 1])
    assert unique([1, True, "1", None, [1], {"a": 1}])
    assert not unique([{"a": 1, "b": 2}, {"b": 2, "a": 1.0}])
