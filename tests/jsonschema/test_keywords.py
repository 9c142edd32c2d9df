"""The keyword table against JSON Schema's own vocabularies and against the validator that uses it."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema_specifications import REGISTRY

from beeflow_websocket.jsonschema import JsonSchemas, keywords

#: Keywords that are checks of their own and none of the table's kinds.
OTHER_CHECKS = {"$ref", "type", "enum", "const", "$dynamicRef", "$recursiveRef"}

#: A restrictive value of each typed keyword: it refuses some value of its type.
SAMPLES: dict[str, Any] = {
    "minLength": 100,
    "maxLength": 0,
    "pattern": "^z$",
    "minimum": 100,
    "maximum": -100,
    "exclusiveMinimum": 100,
    "exclusiveMaximum": -100,
    "multipleOf": 7,
    "items": False,
    "prefixItems": [False],
    "additionalItems": False,
    "contains": False,
    "minContains": 5,
    "maxContains": 0,
    "minItems": 5,
    "maxItems": 0,
    "uniqueItems": True,
    "unevaluatedItems": False,
    "properties": {"a": False},
    "required": ["b"],
    "additionalProperties": False,
    "patternProperties": {"": False},
    "propertyNames": False,
    "minProperties": 5,
    "maxProperties": 0,
    "dependentRequired": {"a": ["b"]},
    "dependentSchemas": {"a": False},
    "dependencies": {"a": ["b"]},
    "unevaluatedProperties": False,
}
VALUES: dict[str, Any] = {"string": "x", "integer": 3, "number": 2.5, "array": [1, 1], "object": {"a": 1}}
#: Draft-07 keywords: the generator rewrites them into 2020-12 ones before the runtime sees a schema.
DRAFT_07 = {"additionalItems", "dependencies"}


def _vocabulary_keywords() -> set[str]:
    found: set[str] = set()
    for uri in REGISTRY:
        if "/draft/2020-12/" in uri:
            found |= set(REGISTRY.contents(uri).get("properties", {}))
    return found


def test_every_keyword_of_json_schema_2020_12_has_its_kind_in_the_table() -> None:
    known = (
        keywords.ANNOTATIONS
        | keywords.IDENTIFIERS
        | keywords.DEFINITIONS
        | keywords.SCHEMA_VALUED
        | keywords.SCHEMA_LISTS
        | keywords.SCHEMA_MAPS
        | set().union(*keywords.BY_TYPE.values())
        | OTHER_CHECKS
    )
    vocabulary = _vocabulary_keywords()
    assert len(vocabulary) > 50
    assert vocabulary - known == set()


def test_the_vocabularies_meta_data_keywords_are_annotations() -> None:
    meta_data = set(REGISTRY.contents("https://json-schema.org/draft/2020-12/meta/meta-data")["properties"])
    assert {keyword for keyword in meta_data if not keywords.is_annotation(keyword)} == set()
    assert keywords.is_annotation("x-anything")
    assert not keywords.is_annotation("minLength")


@pytest.mark.parametrize("keyword", sorted(set(SAMPLES) - DRAFT_07))
def test_a_typed_keyword_refuses_some_value_of_its_type_and_passes_every_other_type(keyword: str) -> None:
    kinds = [kind for kind, typed in keywords.BY_TYPE.items() if keyword in typed]
    assert kinds, f"{keyword} has no type in the table"
    schema = {keyword: SAMPLES[keyword]}
    if keyword in ("minContains", "maxContains"):
        schema["contains"] = True
    schemas = JsonSchemas({"S": schema})
    own = [VALUES[kind] for kind in kinds]
    assert any(not schemas.is_valid(schema, value) for value in own)
    for kind, value in VALUES.items():
        if kind not in kinds:
            assert schemas.is_valid(schema, value), (keyword, value)
    for value in ("x", None, True):
        if not any(isinstance(value, str) and kind == "string" for kind in kinds):
            assert schemas.is_valid(schema, value), (keyword, value)


def test_typed_keywords_belong_to_one_type_but_integer_and_number_share() -> None:
    assert keywords.BY_TYPE["integer"] is keywords.BY_TYPE["number"]
    kinds = [keywords.STRING, keywords.NUMBER, keywords.ARRAY, keywords.OBJECT]
    for index, typed in enumerate(kinds):
        for other in kinds[index + 1 :]:
            assert typed & other == set()
