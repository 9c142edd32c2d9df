"""ECMA-262 patterns, as JSON Schema's ``pattern`` means them, against an ECMA-262 engine (regress)."""

from __future__ import annotations

import pytest

from beeflow_websocket.jsonschema.regex import ecma_regex, translate
from tests import schema_oracle as oracle

CASES = [
    (r"^\d+$", "123"),
    (r"^\d+$", "١٢٣"),  # Arabic-Indic digits: not \d in ECMA-262
    (r"^\w+$", "abc_1"),
    (r"^\w+$", "zażółć"),  # \w is ASCII in ECMA-262
    (r"^\s$", "\u00a0"),
    (r"^\s$", "\ufeff"),
    (r"^\s$", "\u0085"),  # NEL: white space to Python, not to ECMA-262
    (r"^\S+$", "a\u2028b"),
    (r"\bcat\b", "a cat sat"),
    (r"\bcat\b", "concatenate"),
    (r"^a.c$", "a\nc"),
    (r"^a.c$", "a\u2028c"),
    (r"^a.c$", "abc"),
    (r"^a$", "a\n"),  # Python's $ matches before a final newline; ECMA's does not
    (r"^\cJ$", "\n"),
    (r"^[\d-]+$", "1-2"),
    (r"^\p{L}+$", "Łódź"),
    (r"^\p{Lu}", "ábc"),
    (r"^(?=a)\w+$", "abc"),  # look-ahead: Rust's engine refuses it, Python's re runs it
    (r"^(a)\1$", "aa"),
    (r"colou?r", "the color red"),
    (r"^[^\d]$", "5"),
]


@pytest.mark.parametrize(("pattern", "text"), CASES)
def test_a_pattern_matches_as_an_ecma_262_engine_says(pattern: str, text: str) -> None:
    assert ecma_regex(pattern)(text) is oracle.ecma_search(pattern, text)


def test_the_cases_hold_matches_and_misses() -> None:
    results = [oracle.ecma_search(pattern, text) for pattern, text in CASES]
    assert results.count(True) >= 8
    assert results.count(False) >= 8


def test_class_escapes_become_explicit_ascii_classes() -> None:
    assert translate(r"\d") == "[0-9]"
    assert translate(r"\W") == "[^0-9A-Za-z_]"
    assert translate(r"[\d]") == "[[0-9]]"
