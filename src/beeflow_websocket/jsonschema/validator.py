"""A JSON Schema 2020-12 validator compiled from a schema, in pure Python, on the raw JSON value.

:class:`JsonSchemas` compiles each schema once into plain functions; :class:`Check` puts one in
front of pydantic's own checks of a field. Nothing here imports ``jsonschema``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sized
from typing import Any

from pydantic import GetCoreSchemaHandler, ValidationInfo
from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError, core_schema, to_jsonable_python

from .regex import ecma_regex
from .values import is_number, json_equal, json_type, multiple_of, unique

__all__ = ["Check", "Error", "JsonSchemas", "Location", "Validator"]

#: A compiled check: ``None`` when the value is valid, else ``(location below the value, message)``.
type Location = tuple[str | int, ...]
type Error = tuple[Location, str]
type Validator = Callable[[Any], Error | None]


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
                if json_type(value) in allowed:
                    return None
                return _fail("", f"expected {expected}, found {json_type(value)}")

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
                    if is_number(value) and not test(value, limit):
                        return _fail("", f"expected a number {words} {limit}")
                    return None

                checks.append(bound)
        if "multipleOf" in schema:
            divisor = schema["multipleOf"]

            def multiple(value: Any) -> Error | None:
                if is_number(value) and not multiple_of(value, divisor):
                    return _fail("", f"expected a multiple of {divisor}")
                return None

            checks.append(multiple)
        return checks

    def _strings(self, schema: dict[str, Any]) -> list[Validator]:
        checks: list[Validator] = []
        checks += _size(schema, "minLength", "maxLength", str, "characters")
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
        checks += _size(schema, "minItems", "maxItems", list, "items")
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
        checks += _size(schema, "minProperties", "maxProperties", dict, "members")
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


def _size(schema: dict[str, Any], low_key: str, high_key: str, kind: type[Sized], noun: str) -> list[Validator]:
    """``minLength``/``maxLength`` and their twins: a ``kind`` value's length between the bounds."""
    low, high = schema.get(low_key), schema.get(high_key)
    if low is None and high is None:
        return []
    low_n, high_n = low or 0, math.inf if high is None else high

    def size(value: Any) -> Error | None:
        if isinstance(value, kind) and not low_n <= len(value) <= high_n:
            return _fail("", f"expected from {low_n} to {high_n} {noun}")
        return None

    return [size]


def _recursive(schema: Any) -> bool:
    """Whether ``schema`` holds a ``$ref`` (a later lookup may find the placeholder ``run``)."""
    return "$ref" in json.dumps(schema) if isinstance(schema, dict) else False


def _always(value: Any) -> None:
    return None


def _never(value: Any) -> Error:
    return _fail("", "no value is allowed here")


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
