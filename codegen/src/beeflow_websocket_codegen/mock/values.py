"""A small value a JSON Schema accepts, made up from the schema alone (for the mock server's replies).

Annotations come first (``const``, ``enum``, ``examples``, ``default``), then the type with its
bounds. The result is a candidate: the caller validates it with the generated model and says so
when it does not fit (a ``pattern`` no simple string matches, say).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["sample"]

_FORMATS = {
    "date-time": "2024-01-01T12:00:00Z",
    "date": "2024-01-01",
    "time": "12:00:00Z",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "email": "someone@example.com",
    "uri": "https://example.com/",
    "hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "duration": "PT1M",
}
_WORDS = ("example", "a", "abc", "example-1", "1", "A", "x1")


def _string(schema: dict[str, Any]) -> str:
    if isinstance(schema.get("format"), str) and schema["format"] in _FORMATS:
        return _FORMATS[schema["format"]]
    low = int(schema.get("minLength", 0))
    high = schema.get("maxLength")
    pattern = schema.get("pattern")
    for word in _WORDS:
        text = word * max(1, -(-low // len(word)))
        if isinstance(high, int):
            text = text[:high]
        if len(text) >= low and (not isinstance(pattern, str) or re.search(pattern, text)):
            return text
    return "x" * low


def _number(schema: dict[str, Any], integer: bool) -> float | int:
    value: float = 0
    if isinstance(schema.get("minimum"), int | float):
        value = max(value, schema["minimum"])
    if isinstance(schema.get("exclusiveMinimum"), int | float) and not isinstance(schema["exclusiveMinimum"], bool):
        value = max(value, schema["exclusiveMinimum"] + 1)
    if isinstance(schema.get("maximum"), int | float):
        value = min(value, schema["maximum"])
    if isinstance(schema.get("exclusiveMaximum"), int | float) and not isinstance(schema["exclusiveMaximum"], bool):
        value = min(value, schema["exclusiveMaximum"] - 1)
    step = schema.get("multipleOf")
    if isinstance(step, int | float) and step > 0:
        value = -(-value // step) * step
    return int(value) if integer or float(value).is_integer() else value


def sample(schema: Any, definitions: dict[str, Any], depth: int = 0) -> Any:
    """A value for ``schema`` (a bundled schema; ``$ref``\\s point into ``definitions``)."""
    if depth > 12 or schema is True or not isinstance(schema, dict):
        return None if depth > 12 else {}
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return sample(definitions.get(ref.removeprefix("#/$defs/"), {}), definitions, depth + 1)
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    if isinstance(schema.get("examples"), list) and schema["examples"]:
        return schema["examples"][0]
    if "default" in schema:
        return schema["default"]
    for keyword in ("oneOf", "anyOf", "allOf"):
        if isinstance(schema.get(keyword), list) and schema[keyword]:
            return sample(schema[keyword][0], definitions, depth + 1)
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind] if isinstance(kind, str) else []
    kind = next((item for item in kinds if item != "null"), kinds[0] if kinds else None)
    if kind is None:
        kind = "object" if "properties" in schema else "string"
    if kind == "object":
        properties = schema.get("properties") or {}
        return {
            name: sample(properties[name], definitions, depth + 1)
            for name in schema.get("required") or []
            if name in properties
        }
    if kind == "array":
        count = int(schema.get("minItems", 0))
        return [sample(schema.get("items", {}), definitions, depth + 1) for _ in range(count)]
    if kind == "string":
        return _string(schema)
    if kind in ("integer", "number"):
        return _number(schema, kind == "integer")
    if kind == "boolean":
        return False
    return None
