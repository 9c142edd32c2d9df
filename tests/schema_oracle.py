"""The JSON Schemas under ``schema/`` as a test oracle.

- :func:`validator` returns a draft 2020-12 validator whose ``pattern`` keyword follows ECMA-262
  (as JSON Schema requires) instead of Python's ``re`` (where ``$`` also matches before a final
  newline), with every schema file registered under its ``$id`` so the relative ``$ref``s between
  files resolve.
- :func:`accepts_text` parses a frame as strict JSON (:func:`parse_json`) before validating it.
- :func:`inlined` returns a schema with every ``$ref`` replaced by its target, for
  hypothesis-jsonschema, which cannot follow references into other files.
- :func:`frames` and :func:`frames_and_mutants` generate frames from the schemas, and mutants of
  them (members dropped or replaced, near-miss ids, blank action names, non-object payloads).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin

import regress
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from jsonschema import Draft202012Validator, ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import extend
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schema"
BASE_ID = "https://beeflow.co.uk/schemas/websocket/v1/"

FRAME_FILES = {
    "action": "frames/action.json",
    "event": "frames/event.json",
    "problem": "frames/problem.json",
    "completion": "frames/completion.json",
    "session": "frames/session.json",
}


def json_files() -> list[Path]:
    return sorted(SCHEMA_DIR.rglob("*.json"))


@functools.cache
def load(relative: str) -> dict[str, Any]:
    """A schema file by its path relative to ``schema/``."""
    data: dict[str, Any] = json.loads((SCHEMA_DIR / relative).read_text(encoding="utf-8"))
    return data


@functools.cache
def registry() -> Registry[Any]:
    resources = []
    for path in json_files():
        contents = load(path.relative_to(SCHEMA_DIR).as_posix())
        resources.append((contents["$id"], Resource.from_contents(contents, default_specification=DRAFT202012)))
    return Registry().with_resources(resources)


@functools.cache
def ecma_regex(pattern: str) -> regress.Regex:
    return regress.Regex(pattern, "u")


def ecma_search(pattern: str, text: str) -> bool:
    """Whether ``pattern`` matches anywhere in ``text`` under ECMA-262 (unicode mode) semantics."""
    return ecma_regex(pattern).find(text) is not None


def _ecma_pattern(validator: Validator, pattern: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not ecma_search(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


EcmaValidator = extend(Draft202012Validator, {"pattern": _ecma_pattern})


@functools.cache
def validator(relative: str) -> Validator:
    """An ECMA-pattern validator for a schema file (relative to ``schema/``)."""
    schema = load(relative)
    return EcmaValidator(schema, registry=registry())


def accepts(relative: str, instance: Any) -> bool:
    return validator(relative).is_valid(instance)


def parse_json(text: str | bytes) -> Any:
    """Parse a frame as strict JSON (RFC 8259), raising ``ValueError`` for anything else.

    Python's parser also takes ``NaN``, ``Infinity`` and ``-Infinity`` (not JSON), and strings with
    unpaired surrogate escapes such as ``"\\udc00"`` (JSON, but not I-JSON, RFC 7493: no UTF-8 text
    can hold them). Both are refused here.
    """
    value = json.loads(text, parse_constant=_not_json)
    _check_strings(value)
    return value


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def _check_strings(value: Any) -> None:
    if isinstance(value, str):
        value.encode("utf-8")  # UnicodeEncodeError (a ValueError) for unpaired surrogates
    elif isinstance(value, list):
        for item in value:
            _check_strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_strings(key)
            _check_strings(item)


def accepts_text(relative: str, text: str | bytes) -> bool:
    """Whether ``text`` is JSON and its value is valid against the schema."""
    try:
        instance = parse_json(text)
    except ValueError:
        return False
    return accepts(relative, instance)


def inlined(relative: str) -> dict[str, Any]:
    """The schema with every ``$ref`` replaced by its target and the ``$schema``/``$id`` keywords,
    annotations and ``format`` (hypothesis-jsonschema generates from ``pattern``) removed."""
    schema = load(relative)
    result: dict[str, Any] = _inline(schema, schema["$id"], schema)
    return result


_DROP = {"$schema", "$id", "$defs", "title", "description", "examples", "format"}


def _inline(node: Any, base: str, document: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_inline(item, base, document) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        url, fragment = urldefrag(urljoin(base, node["$ref"]))
        target_document = registry().contents(url)
        target: Any = target_document
        for part in filter(None, fragment.split("/")):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        siblings = {key: value for key, value in node.items() if key != "$ref"}
        return {**_inline(target, url, target_document), **_inline(siblings, base, document)}
    inlined: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROP:
            continue
        if key == "properties":  # its keys are member names, not keywords: keep them all
            inlined[key] = {name: _inline(sub, base, document) for name, sub in value.items()}
        else:
            inlined[key] = _inline(value, base, document)
    return inlined


# --- Hypothesis strategies -------------------------------------------------------------------

#: JSON values (no NaN or infinities: they are not JSON).
json_values: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=6,
)
json_objects: st.SearchStrategy[dict[str, Any]] = st.dictionaries(st.text(max_size=8), json_values, max_size=4)


def from_inlined(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Instances of an inlined schema.

    Leaves come from hypothesis-jsonschema's ``from_schema``; objects and arrays are assembled here,
    because its object strategy relies on Hypothesis internals that newer Hypothesis releases
    changed (``cu.many(...).more()``).
    """
    if "anyOf" in schema:
        return st.one_of([from_inlined(branch) for branch in schema["anyOf"]])
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        required = schema.get("required", [])
        fixed = {name: from_inlined(properties.get(name, {})) for name in required}
        optional = {name: from_inlined(sub) for name, sub in properties.items() if name not in required}
        base = st.fixed_dictionaries(fixed, optional=optional)
        if schema.get("additionalProperties", True) is False:
            return base
        extra = st.dictionaries(
            st.text(max_size=8).filter(lambda name: name not in properties), json_values, max_size=2
        )
        return st.builds(lambda known, more: {**more, **known}, base, extra)
    if kind == "array":
        return st.lists(from_inlined(schema.get("items", {})), max_size=3)
    if not schema:
        return json_values
    return from_schema(schema)


@functools.cache
def frames(kind: str) -> st.SearchStrategy[dict[str, Any]]:
    """Frames of ``kind`` (action, event, problem, completion, session) generated from their schema."""
    return from_inlined(inlined(FRAME_FILES[kind]))


#: Characters that are white space in some sense: ASCII (blank for the protocol) and Unicode (not).
WHITESPACE = "\t\n\v\f\r \x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2003\u200b\u2028\u2029\u202f\u205f\u3000\ufeff"


@st.composite
def _near_miss_uuids(draw: st.DrawFn) -> str:
    good = str(draw(st.uuids()))
    edit = draw(
        st.sampled_from(
            [
                lambda u: u.upper(),
                lambda u: u + "\n",
                lambda u: u + "\r\n",
                lambda u: "\n" + u,
                lambda u: u + " ",
                lambda u: u.replace("-", ""),
                lambda u: "{" + u + "}",
                lambda u: "urn:uuid:" + u,
                lambda u: u[:-1],
                lambda u: u + "0",
                lambda u: u.replace("-", "_", 1),
                lambda u: u[:8] + u[9:13] + "-" + u[8] + u[13:],
                lambda u: u[:-1] + "g",
                lambda u: u[:-1] + "\u0661",  # ARABIC-INDIC DIGIT ONE: a digit, but not [0-9]
                lambda u: u[:-1] + "\uff41",  # FULLWIDTH LATIN SMALL LETTER A
                lambda u: u + "\u2028",
            ]
        )
    )
    return str(edit(good))


#: Valid ids, near misses and arbitrary strings.
uuid_like: st.SearchStrategy[str] = st.one_of(
    st.uuids().map(str),
    st.uuids().map(lambda u: str(u).upper()),
    _near_miss_uuids(),
    st.from_regex(r"[0-9a-fA-F\-\n{}]{30,40}", fullmatch=True),
    st.text(max_size=40),
)

#: Blank names, Unicode white space names, names with one real character, arbitrary names.
action_names: st.SearchStrategy[str] = st.one_of(
    st.just("health"),
    st.text(alphabet=WHITESPACE, max_size=4),
    st.builds(
        lambda before, char, after: before + char + after,
        st.text(alphabet=WHITESPACE, max_size=3),
        st.characters(exclude_categories=["Cs"]),
        st.text(alphabet=WHITESPACE, max_size=3),
    ),
    st.text(max_size=12),
)

#: Values for members the schemas type as integers: what lax parsers confuse with integers.
integer_like: st.SearchStrategy[Any] = st.one_of(
    st.integers(),
    st.integers(min_value=-5, max_value=700),
    st.integers(min_value=-5, max_value=700).map(float),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.integers(min_value=-5, max_value=700).map(str),
    st.none(),
)

_UUID_MEMBERS = {"msg_id", "req_id"}
_INTEGER_MEMBERS = {"seq", "status", "events"}
_NAME_MEMBERS = {"action", "completed", "event"}


@st.composite
def mutants(draw: st.DrawFn, kind: str) -> Any:
    """A valid frame with one or two edits: a member dropped or replaced, or the frame replaced."""
    frame = draw(frames(kind))
    result = dict(frame)
    for _ in range(draw(st.integers(min_value=1, max_value=2))):
        operations = ["replace", "add", "whole"] + (["drop"] if result else [])
        operation = draw(st.sampled_from(operations))
        if operation == "drop":
            del result[draw(st.sampled_from(sorted(result)))]
        elif operation == "add":
            result[draw(st.text(max_size=8))] = draw(json_values)
        elif operation == "whole":
            return draw(st.one_of(json_values, st.lists(st.just(frame), max_size=1)))
        else:
            key = draw(st.sampled_from(sorted(set(result) | set(frame)) or ["payload"]))
            if key in _UUID_MEMBERS:
                value = draw(st.one_of(uuid_like, st.none(), json_values))
            elif key in _INTEGER_MEMBERS:
                value = draw(integer_like)
            elif key in _NAME_MEMBERS:
                value = draw(st.one_of(action_names, json_values))
            elif key == "payload":
                value = draw(st.one_of(json_objects, st.lists(json_values, max_size=2), st.text(), st.none()))
            else:
                value = draw(json_values)
            result[key] = value
    return result


@functools.cache
def frames_and_mutants(kind: str) -> st.SearchStrategy[Any]:
    """Valid frames of ``kind`` (a quarter) and mutants of them (the rest)."""
    mutant = mutants(kind)
    return st.one_of(frames(kind), mutant, mutant, mutant)


def encode(draw: st.DrawFn, value: Any) -> str:
    """``value`` as JSON text, with non-ASCII characters escaped or not."""
    return json.dumps(value, ensure_ascii=draw(st.booleans()))
