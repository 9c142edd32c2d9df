"""JSON Schema dialects: each bundled schema is rewritten into its draft 2020-12 equivalent.

AsyncAPI payloads are draft-07 unless the message's ``schemaFormat`` or the schema's ``$schema``
says otherwise. The models, the runtime checks and the TypeScript types all read draft 2020-12,
so the bundler translates every schema of an older dialect keyword by keyword, keeping its meaning:

- array-form ``items`` (draft-04 to 2019-09) is ``prefixItems``, and ``additionalItems`` beside it
  is ``items``; ``additionalItems`` beside a schema-form ``items`` (or none) does nothing;
- ``dependencies`` (draft-04 to -07) is ``dependentRequired`` (arrays) and ``dependentSchemas``;
- draft-04's boolean ``exclusiveMinimum``/``exclusiveMaximum`` are the numeric forms;
- keywords the dialect does not have are not keywords there, so they are dropped
  (``prefixItems`` or ``unevaluatedProperties`` in a draft-07 schema is ignored, as a draft-07
  validator ignores it);
- up to draft-07 a ``$ref`` overrides its siblings (see :func:`ref_overrides_siblings`).
"""

from __future__ import annotations

import re
from typing import Any

from referencing import Specification
from referencing.jsonschema import DRAFT4, DRAFT6, DRAFT7, DRAFT201909, DRAFT202012

__all__ = [
    "ASYNCAPI_DEFAULT",
    "dialect_name",
    "format_dialect",
    "ignored_keyword",
    "ignored_ref_sibling",
    "is_keyword",
    "normalize",
    "ref_overrides_siblings",
    "specification",
]

_NAMES = {
    "json-schema.org/draft-04/schema": "draft-04",
    "json-schema.org/draft-06/schema": "draft-06",
    "json-schema.org/draft-07/schema": "draft-07",
    "json-schema.org/draft/2019-09/schema": "2019-09",
    "json-schema.org/draft/2020-12/schema": "2020-12",
}
_SPECIFICATIONS: dict[str, Specification[Any]] = {
    "draft-04": DRAFT4,
    "draft-06": DRAFT6,
    "draft-07": DRAFT7,
    "2019-09": DRAFT201909,
    "2020-12": DRAFT202012,
}
#: AsyncAPI's default schema format (the AsyncAPI Schema Object) is a superset of draft-07.
ASYNCAPI_DEFAULT = "http://json-schema.org/draft-07/schema#"
_FORMAT_VERSION = re.compile(r"^application/schema(\+json|\+yaml)?(;\s*version=([\w.-]+))?$", re.IGNORECASE)
_LEGACY = frozenset({"draft-04", "draft-06", "draft-07"})
#: Keywords that appeared after each legacy dialect: not keywords there.
_NEWER = {
    "draft-07": frozenset(
        {
            "prefixItems",
            "dependentRequired",
            "dependentSchemas",
            "unevaluatedItems",
            "unevaluatedProperties",
            "minContains",
            "maxContains",
            "$dynamicRef",
            "$recursiveRef",
            "$anchor",
            "$dynamicAnchor",
        }
    ),
}
_NEWER["draft-06"] = _NEWER["draft-07"] | {"if", "then", "else", "contentMediaType", "contentEncoding"}
_NEWER["draft-04"] = _NEWER["draft-06"] | {"const", "contains", "propertyNames", "examples"}
_NEWER["2019-09"] = frozenset({"prefixItems", "$dynamicRef", "$dynamicAnchor", "dependencies"})
_NEWER["2020-12"] = frozenset({"additionalItems", "dependencies", "$recursiveRef", "$recursiveAnchor"})


def dialect_name(uri: str) -> str | None:
    """``draft-07``, ``2020-12``, ... for a meta-schema URI (``http`` or ``https``, ``#`` or not)."""
    text = uri.strip().rstrip("#")
    for scheme in ("https://", "http://"):
        text = text.removeprefix(scheme)
    return _NAMES.get(text)


def format_dialect(schema_format: str) -> str | None:
    """The dialect URI a JSON Schema ``schemaFormat`` names (``...;version=draft-07``), else ``None``."""
    match = _FORMAT_VERSION.match(schema_format.strip())
    if match is None:
        return None
    version = match[3] or "2020-12"
    return next((f"https://{key}" for key, name in _NAMES.items() if name == version), None)


def specification(dialect: str) -> Specification[Any]:
    """The ``referencing`` specification of a dialect URI (how ``$id``\\s and anchors are found)."""
    return _SPECIFICATIONS.get(dialect_name(dialect) or "", DRAFT202012)


def ref_overrides_siblings(dialect: str) -> bool:
    """Whether a ``$ref`` makes the other keywords of its schema (``$id`` too) be ignored."""
    return dialect_name(dialect) in _LEGACY


def id_of(schema: Any, dialect: str) -> str | None:
    """The base-changing identifier of ``schema`` (``$id``; ``id`` in draft-04), not a plain-name fragment."""
    if not isinstance(schema, dict):
        return None
    found = schema.get("id" if dialect_name(dialect) == "draft-04" and "$id" not in schema else "$id")
    return found if isinstance(found, str) and not found.startswith("#") else None


def is_keyword(key: str, dialect: str) -> bool:
    """Whether ``key`` means something in ``dialect`` (else it is ignored, as an unknown keyword is)."""
    return key not in _NEWER.get(dialect_name(dialect) or "2020-12", frozenset())


#: What an older keyword is called in the dialects that dropped it.
_RENAMED = {
    "additionalItems": "items (beside prefixItems)",
    "dependencies": "dependentRequired or dependentSchemas",
    "$recursiveRef": "$ref",
    "$recursiveAnchor": "$anchor",
    "prefixItems": "items",
    "$dynamicRef": "$ref",
    "$dynamicAnchor": "$anchor",
}


def ignored_keyword(key: str, dialect: str) -> str:
    """The warning for ``key``, a keyword of another dialect that ``dialect`` ignores."""
    name = dialect_name(dialect) or "2020-12"
    message = f"{key!r} is not a keyword of JSON Schema {name} (the dialect of this schema), so it is ignored"
    if name in _LEGACY or key not in _RENAMED:
        return (
            f"{message}; to use it, declare draft 2020-12: add "
            "`$schema: https://json-schema.org/draft/2020-12/schema` to the schema, or write the payload as "
            "`{schemaFormat: application/schema+json;version=2020-12, schema: ...}`"
        )
    return f"{message}; in {name} write {_RENAMED[key]}, or declare the dialect that has {key!r} in `$schema`"


def ignored_ref_sibling(key: str, dialect: str) -> str:
    """The warning for ``key`` beside a ``$ref`` in a dialect whose ``$ref`` overrides its siblings."""
    name = dialect_name(dialect) or "draft-07"
    return (
        f"{key!r} beside '$ref' is ignored in JSON Schema {name} (the dialect of this schema: a $ref overrides "
        f"its siblings); to apply it, write `allOf: [{{$ref: ...}}, {{{key}: ...}}]`, or declare draft 2020-12 "
        "(`$schema: https://json-schema.org/draft/2020-12/schema` on the schema or "
        "`schemaFormat: application/schema+json;version=2020-12` on the payload)"
    )


def normalize(schema: dict[str, Any], dialect: str) -> dict[str, Any]:
    """``schema`` (its subschemas already normalized) in the words of draft 2020-12."""
    name = dialect_name(dialect) or "2020-12"
    dropped = _NEWER.get(name, frozenset())
    result = {key: value for key, value in schema.items() if key not in dropped}
    if name == "2020-12":
        return result
    if isinstance(schema.get("items"), list):
        result["prefixItems"] = schema["items"]
        del result["items"]
        if "additionalItems" in schema:
            result["items"] = schema["additionalItems"]
    result.pop("additionalItems", None)
    dependencies = schema.get("dependencies")
    if name in _LEGACY and isinstance(dependencies, dict):
        names = {key: value for key, value in dependencies.items() if isinstance(value, list)}
        schemas = {key: value for key, value in dependencies.items() if not isinstance(value, list)}
        if names:
            result["dependentRequired"] = names
        if schemas:
            result["dependentSchemas"] = schemas
        result.pop("dependencies", None)
    if name == "draft-04":
        for exclusive, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
            flag = schema.get(exclusive)
            if isinstance(flag, bool):
                del result[exclusive]
                if flag and bound in schema:
                    result[exclusive] = result.pop(bound)
    return result
