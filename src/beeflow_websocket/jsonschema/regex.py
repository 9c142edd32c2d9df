"""ECMA-262 regular expressions (what JSON Schema's ``pattern`` means) on pydantic-core's engine."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

from pydantic_core import SchemaError, SchemaValidator, core_schema

__all__ = ["ecma_regex", "translate"]

_ECMA_CLASSES = {
    "d": "0-9",
    "w": "0-9A-Za-z_",
    "s": "\\t\\n\\x0B\\f\\r \\xA0\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}",
}


def translate(pattern: str) -> str:
    """ECMA-262 (``u`` flag) to the syntax of Rust's regex crate (pydantic-core's engine).

    ``\\d``, ``\\w`` and ``\\s`` keep their ECMA meaning (ASCII digits and word characters, ECMA
    white space), ``\\b`` is the ASCII word boundary; ``\\p{...}`` is understood by both.
    """
    out: list[str] = []
    index, in_class = 0, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            escaped = pattern[index + 1]
            lower = escaped.lower()
            if lower in _ECMA_CLASSES:
                body = _ECMA_CLASSES[lower]
                negated = escaped.isupper()
                out.append(f"[{'^' if negated else ''}{body}]")
            elif escaped in "bB" and not in_class:
                out.append(f"(?-u:\\{escaped})")
            elif escaped == "c" and index + 2 < len(pattern) and pattern[index + 2].isalpha():
                out.append(f"\\x{ord(pattern[index + 2]) % 32:02X}")
                index += 1
            else:
                out.append(pattern[index : index + 2])
            index += 2
            continue
        if char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        elif char == "." and not in_class:
            char = "[^\\n\\r\\x{2028}\\x{2029}]"
        out.append(char)
        index += 1
    return "".join(out)


@cache
def ecma_regex(pattern: str) -> Callable[[str], bool]:
    """A search (not anchored) with the ECMA-262 pattern ``pattern``.

    Rust's regex engine (through pydantic-core) runs what it can, ``\\p{L}`` included; patterns it
    refuses (look-around, back-references) fall back to Python's ``re``.
    """
    try:
        validator = SchemaValidator(core_schema.str_schema(pattern=translate(pattern)))
    except SchemaError:
        compiled = re.compile(pattern)
        return lambda text: compiled.search(text) is not None
    return validator.isinstance_python
