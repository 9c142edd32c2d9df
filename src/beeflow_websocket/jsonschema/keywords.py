"""The JSON Schema keywords, by what they are: one table for the runtime's validator and the generator.

JSON Schema 2020-12, with draft-07's ``additionalItems`` and ``dependencies`` (AsyncAPI documents
use draft-07), and the annotations of OpenAPI's and AsyncAPI's Schema Objects.
"""

from __future__ import annotations

__all__ = [
    "ANNOTATIONS",
    "ARRAY",
    "BY_TYPE",
    "DEFINITIONS",
    "IDENTIFIERS",
    "NUMBER",
    "OBJECT",
    "SCHEMA_LISTS",
    "SCHEMA_MAPS",
    "SCHEMA_VALUED",
    "STRING",
    "UNEVALUATED",
    "is_annotation",
]

#: Keywords that never reject a value (``format`` unless asserted).
ANNOTATIONS = frozenset(
    {
        "title",
        "description",
        "default",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
        "$comment",
        "format",
        "contentMediaType",
        "contentEncoding",
        "contentSchema",
        # OpenAPI and AsyncAPI Schema Object annotations
        "example",
        "externalDocs",
    }
)


def is_annotation(keyword: str) -> bool:
    """Whether ``keyword`` never rejects a value: an annotation or an ``x-`` extension."""
    return keyword in ANNOTATIONS or keyword.startswith("x-")


#: Name a schema or the document's dialect; check nothing.
IDENTIFIERS = frozenset({"$id", "$schema", "$anchor", "$dynamicAnchor", "$recursiveAnchor", "$comment", "$vocabulary"})
#: Containers of schemas, not checks: a ``$ref`` reaches into them by pointer.
DEFINITIONS = frozenset({"$defs", "definitions"})

#: Keywords whose value is one schema (``items`` too: in draft-07 it may be a list, see below).
SCHEMA_VALUED = frozenset(
    {
        "additionalProperties",
        "items",
        "contains",
        "not",
        "if",
        "then",
        "else",
        "propertyNames",
        "unevaluatedItems",
        "unevaluatedProperties",
        "additionalItems",
        "contentSchema",
    }
)
#: Keywords whose value is a list of schemas.
SCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems", "items"})
#: Keywords whose value maps names (or patterns) to schemas.
SCHEMA_MAPS = frozenset({"properties", "patternProperties", "dependentSchemas"})

# Keywords that apply to values of one type only: a value of another type passes them.
STRING = frozenset({"minLength", "maxLength", "pattern"})
NUMBER = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"})
ARRAY = frozenset(
    {
        "items",
        "prefixItems",
        "additionalItems",
        "contains",
        "minContains",
        "maxContains",
        "minItems",
        "maxItems",
        "uniqueItems",
        "unevaluatedItems",
    }
)
OBJECT = frozenset(
    {
        "properties",
        "required",
        "additionalProperties",
        "patternProperties",
        "propertyNames",
        "minProperties",
        "maxProperties",
        "dependentRequired",
        "dependentSchemas",
        "dependencies",
        "unevaluatedProperties",
    }
)
BY_TYPE = {"string": STRING, "integer": NUMBER, "number": NUMBER, "array": ARRAY, "object": OBJECT}
#: Keywords that depend on what the other keywords of the schema (and its subschemas) evaluated.
UNEVALUATED = frozenset({"unevaluatedItems", "unevaluatedProperties"})
