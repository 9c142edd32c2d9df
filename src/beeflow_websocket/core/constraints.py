"""JSON Schema checks that generated payload models need at run time (runtime API 2).

Generated models are pydantic models with strict types. Where a pydantic type says exactly what
the JSON Schema says (strings with lengths and patterns, numbers with bounds, string enums, objects
with properties, arrays of typed items), pydantic checks alone, on its fast path. Where it cannot
(``not``, ``if``/``then``/``else``, ``uniqueItems``, ``multipleOf`` on decimals, numeric ``enum``
with JSON equality, ``patternProperties``, ``unevaluatedProperties``, ...), the generator keeps a
type that accepts at least what the schema accepts and adds a :class:`Check` (on a field) or a
``model_validator`` calling :meth:`JsonSchemas.validate` (on a model): a JSON Schema 2020-12
validator compiled from the schema, in pure Python, that looks at the raw JSON value.

Also here, what generated models use to bring strict pydantic types in line with JSON Schema:

- :data:`INTEGRAL`: a JSON integer may be written ``1.0`` (``type: integer`` accepts it);
- :data:`NOT_NULL`: an optional member whose schema refuses ``null``: ``null`` on the wire is
  refused, ``None`` from Python means "absent" (the default), and a ``None`` member is left out
  when the model is serialized, so absent stays absent in both directions;
- :class:`WireEnum`: the base of generated string enums, which take their plain values from
  Python as from JSON;
- :func:`json_default`: a default given as JSON for a member whose Python type a JSON literal
  does not fit (a model, a UUID, a datetime).

Checks run on JSON input (``validate_json``, the runtime's path). Models built in Python by your
own code (``Model(field=...)``) are checked too, after converting the values to JSON.

Nothing here imports ``jsonschema``.
"""

from __future__ import annotations

import decimal
import json
import math
import re
from collections.abc import Callable, Iterable
from enum import StrEnum
from functools import cache
from typing import Any, cast

from pydantic import Field, GetCoreSchemaHandler, TypeAdapter, ValidationInfo
from pydantic_core import (
    InitErrorDetails,
    PydanticCustomError,
    SchemaError,
    SchemaValidator,
    ValidationError,
    core_schema,
    to_jsonable_python,
)

__all__ = [
    "ANNOTATION_KEYWORDS",
    "INTEGRAL",
    "NOT_NULL",
    "Check",
    "JsonSchemas",
    "WireEnum",
    "ecma_regex",
    "is_annotation",
    "json_default",
    "json_equal",
    "unique",
]

#: A compiled check: ``None`` when the value is valid, else ``(location below the value, message)``.
type Location = tuple[str | int, ...]
type Error = tuple[Location, str]
type Validator = Callable[[Any], Error | None]


# -- JSON semantics ----------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def json_equal(left: Any, right: Any) -> bool:
    """JSON equality: ``1`` equals ``1.0``, ``false`` is not ``0``, objects ignore member order."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left is right
    if _is_number(left) and _is_number(right):
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


def _multiple_of(value: int | float, divisor: int | float) -> bool:
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


def _json_type(value: Any) -> str:
    found = _TYPE_NAMES.get(type(value))
    if found is not None:
        return found
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    for kind, name in _TYPE_NAMES.items():
        if isinstance(value, kind):
            return name
    return type(value).__name__


def _has_type(value: Any, name: str) -> bool:
    found = _json_type(value)
    return found == name or (name == "number" and found == "integer")


# -- ECMA-262 regular expressions ---------------------------------------------------------------

_ECMA_CLASSES = {
    "d": "0-9",
    "w": "0-9A-Za-z_",
    "s": "\\t\\n\\x0B\\f\\r \\xA0\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}",
}


def _translate(pattern: str) -> str:
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
        validator = SchemaValidator(core_schema.str_schema(pattern=_translate(pattern)))
    except SchemaError:
        compiled = re.compile(pattern)
        return lambda text: compiled.search(text) is not None
    return validator.isinstance_python


# -- the compiler ------------------------------------------------------------------------------

#: Keywords that never reject a value (``format`` unless asserted); the generator plans with them too.
ANNOTATION_KEYWORDS = frozenset(
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
    return keyword in ANNOTATION_KEYWORDS or keyword.startswith("x-")


_ANNOTATIONS = ANNOTATION_KEYWORDS | frozenset(
    {
        "$id",
        "$schema",
        "$anchor",
        "$defs",
        "definitions",
        "discriminator",
    }
)


def _fail(_where: str, message: str) -> Error:
    return ((), message)


def _child(key: str | int, error: Error) -> Error:
    return ((key, *error[0]), error[1])


class JsonSchemas:
    """The ``$defs`` of the generated module; compiles checks of any schema in it, once."""

    def __init__(self, definitions: dict[str, Any], *, models: Iterable[str] = ()) -> None:
        """``models``: pointers of the model validators, compiled now (field checks compile when
        :meth:`check` is called), so a schema that cannot be compiled fails at import, not on a frame."""
        self.definitions = definitions
        self._by_ref: dict[str, Validator] = {}
        self._by_id: dict[int, Validator] = {}
        self._keep: list[Any] = []  # partial schemas compiled by id: kept alive
        self._null_refused: dict[str, frozenset[str]] = {}
        self._compiling: set[str] = set()
        for pointer in models:
            self.validator(pointer)

    # Public API used by generated code.

    def check(self, pointer: str, *keywords: str) -> Check:
        """A field marker checking the schema at ``pointer`` (``Name/properties/member``).

        With ``keywords``, only those keywords of it: the generator names the ones pydantic's type
        of the field does not enforce (keywords of one schema apply independently).
        """
        full = pointer + ("#" + ",".join(keywords) if keywords else "")
        self.validator(full)
        return Check(self, full)

    def validate(self, pointer: str, data: Any, info: ValidationInfo) -> Any:
        """Body of a generated ``model_validator(mode="before")``: check ``data`` against a definition."""
        if isinstance(data, dict):
            if info.mode == "json":
                self.raise_for(pointer, data)
            else:
                # From Python, None for a member that refuses null means absent (see NOT_NULL).
                refusing = self._refusing_null(pointer)
                value = to_jsonable_python(data, by_alias=True)
                self.raise_for(
                    pointer, {key: item for key, item in value.items() if item is not None or key not in refusing}
                )
        return data

    def _refusing_null(self, pointer: str) -> frozenset[str]:
        found = self._null_refused.get(pointer)
        if found is None:
            properties = self._node(pointer.partition("#")[0]).get("properties")
            members = properties.items() if isinstance(properties, dict) else ()
            found = self._null_refused[pointer] = frozenset(
                name for name, schema in members if self.compile(schema)(None) is not None
            )
        return found

    def raise_for(self, pointer: str, value: Any) -> None:
        """Raise a ``ValidationError`` located at the failing value when ``value`` does not match."""
        error = self.validator(pointer)(value)
        if error is not None:
            where, message = error
            raise ValidationError.from_exception_data(
                "JSON Schema",
                [
                    InitErrorDetails(
                        type=PydanticCustomError("json_schema", "{detail}", {"detail": message}),
                        loc=where,
                        input=value,
                    )
                ],
            )

    def validator(self, pointer: str) -> Validator:
        found = self._by_ref.get(pointer)
        if found is None:
            path, _, keywords = pointer.partition("#")
            node = self._node(path)
            if keywords:
                wanted = set(keywords.split(","))
                node = {key: value for key, value in node.items() if key in wanted}
                self._keep.append(node)
            self._compiling.add(pointer)
            try:
                found = self._by_ref[pointer] = self.compile(node)
            finally:
                self._compiling.discard(pointer)
        return found

    def _node(self, path: str) -> Any:
        node: Any = self.definitions
        for part in path.split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            node = node[int(part)] if isinstance(node, list) else node[part]
        return node

    def is_valid(self, schema: Any, value: Any) -> bool:
        return self.compile(schema)(value) is None

    # Compilation.

    def compile(self, schema: Any) -> Validator:
        if schema is True or schema == {}:
            return _always
        if schema is False:
            return _never
        key = id(schema)
        found = self._by_id.get(key)
        if found is not None:
            return found
        checks: list[Validator] = []

        def run(value: Any) -> Error | None:
            for check in checks:
                error = check(value)
                if error is not None:
                    return error
            return None

        self._by_id[key] = run  # before the keywords, so recursive $refs find it
        try:
            checks.extend(self._keywords(schema))
        except Exception:
            # Nothing half-built stays cached: every later use fails the same way, none passes unchecked.
            self._by_id.clear()
            self._by_ref.clear()
            raise
        if len(checks) == 1 and not _recursive(schema):
            self._by_id[key] = checks[0]
            return checks[0]
        return run

    def _ref(self, ref: str) -> Validator:
        name = ref.removeprefix("#/$defs/")
        if name not in self._compiling:
            return self.validator(name)  # compiled now, so a broken target fails here
        resolved: list[Validator] = []  # a recursive reference: followed once the target is compiled

        def follow(value: Any) -> Error | None:
            if not resolved:
                resolved.append(self.validator(name))
            return resolved[0](value)

        return follow

    def _keywords(self, schema: dict[str, Any]) -> list[Validator]:
        checks: list[Validator] = []
        add = checks.append
        if "$ref" in schema:
            add(self._ref(schema["$ref"]))
        if "type" in schema:
            types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            expected = " or ".join(types)
            allowed = frozenset(types) | ({"integer"} if "number" in types else set())

            def type_check(value: Any) -> Error | None:
                if _json_type(value) in allowed:
                    return None
                return _fail("", f"expected {expected}, found {_json_type(value)}")

            add(type_check)
        if "const" in schema:
            const = schema["const"]
            add(lambda value: None if json_equal(value, const) else _fail("", f"expected {const!r}"))
        if "enum" in schema:
            options = schema["enum"]
            add(
                lambda value: (
                    None if any(json_equal(value, option) for option in options) else _fail("", "not one of the enum")
                )
            )
        add_all = checks.extend
        add_all(self._numbers(schema))
        add_all(self._strings(schema))
        add_all(self._arrays(schema))
        add_all(self._objects(schema))
        add_all(self._combinators(schema))
        if "unevaluatedProperties" in schema or "unevaluatedItems" in schema:
            add(self._unevaluated(schema))
        return checks

    def _numbers(self, schema: dict[str, Any]) -> list[Validator]:
        checks: list[Validator] = []
        bounds = [
            ("minimum", lambda value, limit: value >= limit, "at least"),
            ("maximum", lambda value, limit: value <= limit, "at most"),
            ("exclusiveMinimum", lambda value, limit: value > limit, "greater than"),
            ("exclusiveMaximum", lambda value, limit: value < limit, "less than"),
        ]
        for keyword, test, words in bounds:
            if keyword in schema:
                limit = schema[keyword]

                def bound(value: Any, limit: Any = limit, test: Any = test, words: str = words) -> Any:
                    if _is_number(value) and not test(value, limit):
                        return _fail("", f"expected a number {words} {limit}")
                    return None

                checks.append(bound)
        if "multipleOf" in schema:
            divisor = schema["multipleOf"]

            def multiple(value: Any) -> Error | None:
                if _is_number(value) and not _multiple_of(value, divisor):
                    return _fail("", f"expected a multiple of {divisor}")
                return None

            checks.append(multiple)
        return checks

    def _strings(self, schema: dict[str, Any]) -> list[Validator]:
        checks: list[Validator] = []
        low, high = schema.get("minLength"), schema.get("maxLength")
        if low is not None or high is not None:
            low_n = low or 0
            high_n = math.inf if high is None else high

            def length(value: Any) -> Error | None:
                if isinstance(value, str) and not low_n <= len(value) <= high_n:
                    return _fail("", f"expected from {low_n} to {high_n} characters")
                return None

            checks.append(length)
        if "pattern" in schema:
            pattern = schema["pattern"]
            search = ecma_regex(pattern)
            checks.append(
                lambda value: (
                    _fail("", f"does not match {pattern!r}") if isinstance(value, str) and not search(value) else None
                )
            )
        return checks

    def _arrays(self, schema: dict[str, Any]) -> list[Validator]:
        checks: list[Validator] = []
        low, high = schema.get("minItems"), schema.get("maxItems")
        if low is not None or high is not None:
            low_n, high_n = low or 0, math.inf if high is None else high
            checks.append(
                lambda value: (
                    _fail("", f"expected from {low_n} to {high_n} items")
                    if isinstance(value, list) and not low_n <= len(value) <= high_n
                    else None
                )
            )
        if schema.get("uniqueItems") is True:
            checks.append(
                lambda value: (
                    _fail("", "items are not unique") if isinstance(value, list) and not unique(value) else None
                )
            )
        prefix = [self.compile(item) for item in schema.get("prefixItems", [])]
        rest = self.compile(schema["items"]) if "items" in schema else None
        if prefix or rest is not None:

            def items(value: Any) -> Error | None:
                if not isinstance(value, list):
                    return None
                for index, item in enumerate(value):
                    check = prefix[index] if index < len(prefix) else rest
                    if check is None:
                        break
                    error = check(item)
                    if error is not None:
                        return _child(index, error)
                return None

            checks.append(items)
        if "contains" in schema:
            contains = self.compile(schema["contains"])
            low_c = schema.get("minContains", 1)
            high_c = schema.get("maxContains", math.inf)

            def count(value: Any) -> Error | None:
                if not isinstance(value, list):
                    return None
                found = sum(1 for item in value if contains(item) is None)
                if not low_c <= found <= high_c:
                    return _fail("", f"expected from {low_c} to {high_c} items matching 'contains', found {found}")
                return None

            checks.append(count)
        return checks

    def _objects(self, schema: dict[str, Any]) -> list[Validator]:
        checks: list[Validator] = []
        add = checks.append
        required = schema.get("required")
        if required:

            def missing(value: Any) -> Error | None:
                if isinstance(value, dict):
                    for name in required:
                        if name not in value:
                            return _fail("", f"missing required member {name!r}")
                return None

            add(missing)
        low, high = schema.get("minProperties"), schema.get("maxProperties")
        if low is not None or high is not None:
            low_n, high_n = low or 0, math.inf if high is None else high
            add(
                lambda value: (
                    _fail("", f"expected from {low_n} to {high_n} members")
                    if isinstance(value, dict) and not low_n <= len(value) <= high_n
                    else None
                )
            )
        properties = {name: self.compile(item) for name, item in (schema.get("properties") or {}).items()}
        patterns = [
            (ecma_regex(key), self.compile(item)) for key, item in (schema.get("patternProperties") or {}).items()
        ]
        additional = self.compile(schema["additionalProperties"]) if "additionalProperties" in schema else None
        if properties or patterns or additional is not None:

            def members(value: Any) -> Error | None:
                if not isinstance(value, dict):
                    return None
                for name, item in value.items():
                    matched = False
                    check = properties.get(name)
                    if check is not None:
                        matched = True
                        error = check(item)
                        if error is not None:
                            return _child(name, error)
                    for search, pattern_check in patterns:
                        if search(name):
                            matched = True
                            error = pattern_check(item)
                            if error is not None:
                                return _child(name, error)
                    if not matched and additional is not None:
                        error = additional(item)
                        if error is not None:
                            return _child(name, ((), "unexpected member") if additional is _never else error)
                return None

            add(members)
        if "propertyNames" in schema:
            names = self.compile(schema["propertyNames"])

            def property_names(value: Any) -> Error | None:
                if isinstance(value, dict):
                    for name in value:
                        error = names(name)
                        if error is not None:
                            return _child(name, ((), f"invalid member name: {error[1]}"))
                return None

            add(property_names)
        dependent_required = schema.get("dependentRequired") or {}
        dependent_schemas = {name: self.compile(item) for name, item in (schema.get("dependentSchemas") or {}).items()}
        if dependent_required or dependent_schemas:

            def dependents(value: Any) -> Error | None:
                if not isinstance(value, dict):
                    return None
                for name, needed in dependent_required.items():
                    if name in value:
                        for other in needed:
                            if other not in value:
                                return _fail("", f"{name!r} needs {other!r}")
                for name, check in dependent_schemas.items():
                    if name in value:
                        error = check(value)
                        if error is not None:
                            return error
                return None

            add(dependents)
        return checks

    def _combinators(self, schema: dict[str, Any]) -> list[Validator]:
        checks: list[Validator] = []
        if "allOf" in schema:
            branches = [self.compile(item) for item in schema["allOf"]]

            def all_of(value: Any) -> Error | None:
                for branch in branches:
                    error = branch(value)
                    if error is not None:
                        return error
                return None

            checks.append(all_of)
        if "anyOf" in schema:
            any_branches = [self.compile(item) for item in schema["anyOf"]]
            checks.append(
                lambda value: (
                    None
                    if any(branch(value) is None for branch in any_branches)
                    else _fail("", "matches none of anyOf")
                )
            )
        if "oneOf" in schema:
            one_branches = [self.compile(item) for item in schema["oneOf"]]

            def one_of(value: Any) -> Error | None:
                matches = sum(1 for branch in one_branches if branch(value) is None)
                if matches != 1:
                    return _fail("", f"expected exactly one oneOf branch to match, {matches} did")
                return None

            checks.append(one_of)
        if "not" in schema:
            negated = self.compile(schema["not"])
            checks.append(lambda value: _fail("", "matches 'not'") if negated(value) is None else None)
        if "if" in schema:
            condition = self.compile(schema["if"])
            then = self.compile(schema.get("then", True))
            otherwise = self.compile(schema.get("else", True))
            checks.append(lambda value: then(value) if condition(value) is None else otherwise(value))
        return checks

    # unevaluatedProperties / unevaluatedItems: annotations of the valid subschemas.

    def _unevaluated(self, schema: dict[str, Any]) -> Validator:
        properties = schema.get("unevaluatedProperties")
        items = schema.get("unevaluatedItems")
        property_check = self.compile(properties) if properties is not None else None
        item_check = self.compile(items) if items is not None else None

        def unevaluated(value: Any) -> Error | None:
            if property_check is not None and isinstance(value, dict):
                seen = self._evaluated_properties(schema, value, top=True)
                for name, item in value.items():
                    if name not in seen:
                        error = property_check(item)
                        if error is not None:
                            return _child(name, ((), "unevaluated member") if property_check is _never else error)
            if item_check is not None and isinstance(value, list):
                seen_items = self._evaluated_items(schema, value, top=True)
                for index, item in enumerate(value):
                    if index not in seen_items:
                        error = item_check(item)
                        if error is not None:
                            return _child(index, ((), "unevaluated item") if item_check is _never else error)
            return None

        return unevaluated

    def _resolve(self, ref: str) -> Any:
        return self.definitions[ref.removeprefix("#/$defs/")]

    def _in_place(self, schema: dict[str, Any], value: Any) -> list[Any]:
        """Subschemas applied to the same value that contributed annotations (they are valid)."""
        found: list[Any] = []
        if "$ref" in schema:
            found.append(self._resolve(schema["$ref"]))
        for keyword in ("allOf", "anyOf", "oneOf"):
            for branch in schema.get(keyword, []):
                if self.is_valid(branch, value):
                    found.append(branch)
        if "if" in schema:
            if self.is_valid(schema["if"], value):
                found.append(schema["if"])
                if "then" in schema:
                    found.append(schema["then"])
            elif "else" in schema:
                found.append(schema["else"])
        if isinstance(value, dict):
            for name, item in (schema.get("dependentSchemas") or {}).items():
                if name in value:
                    found.append(item)
        return found

    def _evaluated_properties(self, schema: Any, value: dict[str, Any], *, top: bool = False) -> set[str]:
        if not isinstance(schema, dict):
            return set()
        if not top and "unevaluatedProperties" in schema and self.is_valid(schema, value):
            return set(value)
        if "additionalProperties" in schema:
            return set(value)
        seen = {name for name in schema.get("properties") or {} if name in value}
        patterns = [ecma_regex(key) for key in schema.get("patternProperties") or {}]
        seen.update(name for name in value if any(search(name) for search in patterns))
        for sub in self._in_place(schema, value):
            seen |= self._evaluated_properties(sub, value)
        return seen

    def _evaluated_items(self, schema: Any, value: list[Any], *, top: bool = False) -> set[int]:
        if not isinstance(schema, dict):
            return set()
        everything = set(range(len(value)))
        if not top and "unevaluatedItems" in schema and self.is_valid(schema, value):
            return everything
        if "items" in schema:
            return everything
        seen = set(range(min(len(schema.get("prefixItems", [])), len(value))))
        if "contains" in schema:
            contains = self.compile(schema["contains"])
            seen.update(index for index, item in enumerate(value) if contains(item) is None)
        for sub in self._in_place(schema, value):
            seen |= self._evaluated_items(sub, value)
        return seen


def _recursive(schema: Any) -> bool:
    """Whether ``schema`` holds a ``$ref`` (a later lookup may find the placeholder ``run``)."""
    return "$ref" in json.dumps(schema) if isinstance(schema, dict) else False


def _always(value: Any) -> None:
    return None


def _never(value: Any) -> Error:
    return _fail("", "no value is allowed here")


# -- markers used in generated annotations -----------------------------------------------------


class Check:
    """``Annotated[..., Check]``: the raw JSON value must match a schema before pydantic's own checks."""

    __slots__ = ("pointer", "schemas")

    def __init__(self, schemas: JsonSchemas, pointer: str) -> None:
        self.schemas = schemas
        self.pointer = pointer

    def __call__(self, value: Any, info: ValidationInfo) -> Any:
        self.schemas.raise_for(self.pointer, value if info.mode == "json" else to_jsonable_python(value, by_alias=True))
        return value

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.with_info_before_validator_function(self, handler(source))

    def __repr__(self) -> str:
        return f"Check({self.pointer!r})"


def _integral(value: float) -> int:
    if value.is_integer():
        return int(value)
    raise PydanticCustomError("int_from_float", "Input should be a valid integer, got a number with a fractional part")


def _integer_message(schema: dict[str, Any]) -> str:
    words = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}
    limits = [f"{sign} {schema[key]}" for key, sign in words.items() if key in schema]
    if "multiple_of" in schema:
        limits.append(f"a multiple of {schema['multiple_of']}")
    return "Input should be a valid integer" + (" " + ", ".join(limits) if limits else "")


def _widen(schema: core_schema.CoreSchema) -> core_schema.CoreSchema:
    kind = schema["type"]
    if kind in ("model", "definitions", "definition-ref", "dataclass"):
        return schema
    if kind == "int":
        strict_int: Any = dict(schema)
        return core_schema.union_schema(
            [
                strict_int,
                core_schema.chain_schema(
                    [
                        core_schema.float_schema(strict=True),
                        core_schema.no_info_plain_validator_function(_integral),
                        strict_int,
                    ]
                ),
            ],
            mode="left_to_right",
            custom_error_type="json_integer",
            custom_error_message=_integer_message(strict_int),
        )
    widened: Any = dict(schema)
    for key in ("schema", "items_schema", "values_schema"):
        if isinstance(widened.get(key), dict):
            widened[key] = _widen(widened[key])
    if kind == "union":
        widened["choices"] = [_widen(choice) if isinstance(choice, dict) else choice for choice in widened["choices"]]
    if kind == "tuple":
        widened["items_schema"] = [_widen(item) for item in widened["items_schema"]]
    return widened  # type: ignore[no-any-return]


class _Integral:
    __slots__ = ()

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return _widen(handler(source))

    def __repr__(self) -> str:
        return "INTEGRAL"


class _NotNullOnTheWire:
    """JSON ``null`` is refused; Python ``None`` is accepted (it means absent, like the default)."""

    __slots__ = ()

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        schema = _non_null(handler(source))
        # Both branches run in pydantic-core: no Python call per value.
        return core_schema.json_or_python_schema(
            json_schema=schema,
            python_schema=core_schema.nullable_schema(schema),
        )


def _non_null(schema: core_schema.CoreSchema) -> core_schema.CoreSchema:
    """``schema`` without the ``None`` that ``X | None`` adds (below the checks wrapping it)."""
    if schema["type"] == "nullable":
        inner: core_schema.CoreSchema = schema["schema"]
        return inner
    if schema["type"] in ("function-before", "function-after", "function-wrap"):
        stripped: Any = {**schema, "schema": _non_null(schema["schema"])}
        return cast(core_schema.CoreSchema, stripped)
    return schema


def _is_none(value: object) -> bool:
    return value is None


def _not_null() -> Any:
    # A FieldInfo, so that one marker also leaves the member out of the serialized model when it
    # is None (absent): pydantic merges it with the field's other Annotated metadata.
    info = Field(exclude_if=_is_none)
    info.metadata.append(_NotNullOnTheWire())
    return info


#: Last in an ``Annotated`` holding ``StrictInt``: integers may also be written ``1.0`` or ``1e3``.
INTEGRAL: Any = _Integral()
#: In the ``Annotated`` of an optional member whose schema refuses ``null``: ``None`` means absent
#: (``null`` on the wire is refused, a ``None`` member is not serialized).
NOT_NULL: Any = _not_null()


class WireEnum(StrEnum):
    """Base of generated string enums: a member or its plain value, from JSON and from Python alike.

    In a strict model pydantic takes only members from Python (``Mood.HAPPY``), while JSON gives
    the value (``"happy"``). Generated enums take both, so ``Model(mood="happy")`` works at run
    time as the frame ``{"mood": "happy"}`` does; mypy still asks for the member.
    """

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        schema: Any = {**handler(source), "strict": False}  # a lax enum: members, or values by lookup
        return cast(core_schema.CoreSchema, schema)


def json_default(kind: Callable[[], Any], value: str) -> Any:
    """The default of a member that a JSON literal does not fit as is (a model, a UUID, a datetime).

    ``kind`` returns the member's type (late: a model may be defined further down the module);
    ``value`` is the default as JSON, validated as a frame member is each time it is used.
    """
    adapter: TypeAdapter[Any] | None = None

    def factory() -> Any:
        nonlocal adapter
        if adapter is None:
            adapter = TypeAdapter(kind())
        return adapter.validate_json(value)

    return Field(default_factory=factory)
