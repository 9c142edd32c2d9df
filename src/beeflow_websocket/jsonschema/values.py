"""JSON values as JSON Schema sees them: types, equality, uniqueness, multiples."""

from __future__ import annotations

import decimal
import math
from collections.abc import Iterable
from typing import Any

__all__ = ["is_number", "json_equal", "json_type", "multiple_of", "unique"]


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def json_equal(left: Any, right: Any) -> bool:
    """JSON equality: ``1`` equals ``1.0``, ``false`` is not ``0``, objects ignore member order."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left is right
    if is_number(left) and is_number(right):
        return bool(left == right)
    if isinstance(left, str) or isinstance(right, str):
        return isinstance(left, str) and isinstance(right, str) and left == right
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(json_equal(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(json_equal(value, right[key]) for key, value in left.items())
    return left is None and right is None


def _canonical(value: Any) -> Any:
    """A hashable key that is equal for JSON-equal values."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return (type(value).__name__, value)
    if isinstance(value, int | float):
        if isinstance(value, float) and value.is_integer():
            return ("number", int(value))
        return ("number", value)
    if isinstance(value, list):
        return ("array", tuple(_canonical(item) for item in value))
    if isinstance(value, dict):
        return ("object", frozenset((key, _canonical(item)) for key, item in value.items()))
    return ("other", repr(value))


def unique(items: Iterable[Any]) -> bool:
    """``uniqueItems``: no two items are JSON-equal."""
    seen: set[Any] = set()
    for item in items:
        key = _canonical(item)
        if key in seen:
            return False
        seen.add(key)
    return True


_DECIMAL = decimal.Context(prec=1000, traps=[decimal.InvalidOperation, decimal.Overflow])


def multiple_of(value: int | float, divisor: int | float) -> bool:
    if isinstance(value, int) and isinstance(divisor, int):
        return value % divisor == 0
    if isinstance(value, float) and not math.isfinite(value):
        return False
    try:
        return _DECIMAL.remainder(decimal.Decimal(repr(value)), decimal.Decimal(repr(divisor))).is_zero()
    except (decimal.InvalidOperation, decimal.Overflow):
        return False


_TYPE_NAMES: dict[type, str] = {
    type(None): "null",
    bool: "boolean",
    int: "integer",
    str: "string",
    list: "array",
    dict: "object",
}


def json_type(value: Any) -> str:
    found = _TYPE_NAMES.get(type(value))
    if found is not None:
        return found
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    for kind, name in _TYPE_NAMES.items():
        if isinstance(value, kind):
            return name
    return type(value).__name__
