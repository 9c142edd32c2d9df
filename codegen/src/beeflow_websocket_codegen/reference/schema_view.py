"""A JSON Schema said in a few words: the type of a member and its constraints, for the reference page."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

__all__ = ["Member", "constraints", "members", "type_text"]

_CONSTRAINTS = (
    ("minLength", "length ≥ {}"),
    ("maxLength", "length ≤ {}"),
    ("pattern", "matches {}"),
    ("format", "format {}"),
    ("minimum", "≥ {}"),
    ("exclusiveMinimum", "> {}"),
    ("maximum", "≤ {}"),
    ("exclusiveMaximum", "< {}"),
    ("multipleOf", "multiple of {}"),
    ("minItems", "at least {} items"),
    ("maxItems", "at most {} items"),
    ("uniqueItems", "unique items"),
    ("minProperties", "at least {} members"),
    ("maxProperties", "at most {} members"),
    ("default", "default {}"),
)


@dataclass(frozen=True)
class Member:
    """One property of an object payload."""

    name: str
    type: str
    #: the ``$defs`` name this member refers to, for a link
    ref: str | None
    required: bool
    constraints: list[str]
    description: str | None


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _ref_name(schema: Any) -> str | None:
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    return ref.removeprefix("#/$defs/") if isinstance(ref, str) and ref.startswith("#/$defs/") else None


def type_text(schema: Any, depth: int = 0) -> str:
    """``string``, ``integer | null``, ``array of RoomName``, ``"a" | "b"``, ``any``."""
    if schema is True or schema == {}:
        return "any"
    if schema is False:
        return "nothing"
    if not isinstance(schema, dict) or depth > 4:
        return "any"
    name = _ref_name(schema)
    if name is not None:
        return name
    if "const" in schema:
        return _show(schema["const"])
    if isinstance(schema.get("enum"), list):
        return " | ".join(_show(value) for value in schema["enum"])
    for keyword in ("anyOf", "oneOf"):
        if isinstance(schema.get(keyword), list):
            return " | ".join(type_text(item, depth + 1) for item in schema[keyword])
    if isinstance(schema.get("allOf"), list):
        return " & ".join(type_text(item, depth + 1) for item in schema["allOf"])
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind] if isinstance(kind, str) else []
    words = []
    for item in kinds:
        if item == "array" and isinstance(schema.get("items"), dict | bool):
            words.append(f"array of {type_text(schema['items'], depth + 1)}")
        elif item == "object" and isinstance(schema.get("additionalProperties"), dict) and not schema.get("properties"):
            words.append(f"map of {type_text(schema['additionalProperties'], depth + 1)}")
        else:
            words.append(str(item))
    return " | ".join(words) or "any"


def constraints(schema: Any) -> list[str]:
    if not isinstance(schema, dict):
        return []
    found = [
        text.format(_show(schema[key]) if key != "format" else schema[key])
        for key, text in _CONSTRAINTS
        if key in schema
    ]
    if isinstance(schema.get("items"), dict):
        found += [f"items: {item}" for item in constraints(schema["items"]) if not item.startswith("default")]
    if isinstance(schema.get("examples"), list) and schema["examples"]:
        found.append("e.g. " + ", ".join(_show(value) for value in schema["examples"][:3]))
    elif "example" in schema:
        found.append(f"e.g. {_show(schema['example'])}")
    if schema.get("deprecated") is True:
        found.append("deprecated")
    return found


def members(schema: Any, definitions: dict[str, Any]) -> list[Member]:
    """The properties of an object schema (following a ``$ref`` at its root), required ones first."""
    for _ in range(8):
        name = _ref_name(schema)
        if name is None:
            break
        schema = definitions.get(name, {})
    if not isinstance(schema, dict):
        return []
    properties: dict[str, Any] = schema["properties"] if isinstance(schema.get("properties"), dict) else {}
    required = set(schema.get("required") or [])
    found = []
    for key, value in properties.items():
        ref = _ref_name(value) or (_ref_name(value.get("items")) if isinstance(value, dict) else None)
        kind, said = type_text(value), constraints(value)
        description = value.get("description") if isinstance(value, dict) else None
        target = definitions.get(ref) if ref is not None and _ref_name(value) else None
        if isinstance(target, dict) and not target.get("properties"):
            # A named scalar (RoomName: a string with a pattern): say what it is here too.
            kind = f"{kind} ({type_text(target)})"
            said = said + constraints(target)
            description = description or target.get("description")
        found.append(Member(key, kind, ref, key in required, said, description))
    return sorted(found, key=lambda member: not member.required)
