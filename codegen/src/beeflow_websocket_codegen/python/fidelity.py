"""Schema fidelity: which parts of a schema pydantic types express exactly, and checks for the rest.

:func:`plan` walks every bundled definition and splits each schema in two:

- a *relaxed* schema for the model writer (:mod:`.pydantic_source`), whose model accepts at least
  every value the original schema accepts (keywords pydantic cannot express are left out, or the node becomes
  ``Any``), so handlers still get typed objects;
- a list of *attachments*: where the relaxed model is not exact, a check of the original schema
  (a member's :class:`~beeflow_websocket.jsonschema.Check`, or a model validator for
  object-level keywords), plus zero-cost markers (``INTEGRAL`` for members holding integers,
  ``NOT_NULL`` for optional members that do not accept ``null``: absent in both directions).

A node is *exact* when pydantic alone accepts exactly what JSON Schema accepts; only inexact nodes
cost a Python call at validation time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from pydantic_core import SchemaError, SchemaValidator, core_schema

from beeflow_websocket.jsonschema.keywords import ARRAY, NUMBER, OBJECT, STRING, UNEVALUATED, is_annotation
from beeflow_websocket.jsonschema.regex import translate

__all__ = ["Plan", "plan"]

_KEPT_ANNOTATIONS = ("title", "description", "default")
#: The keywords of each type that the plan for that type takes on; the others of the type
#: (``unevaluated*``, draft-07's ``additionalItems``) are left to the schema check.
_ARRAY = ARRAY - UNEVALUATED - {"additionalItems"}
_OBJECT = OBJECT - UNEVALUATED
_BY_TYPE = {"string": STRING, "integer": NUMBER, "number": NUMBER, "array": _ARRAY, "object": _OBJECT}
_ALL_TYPED = STRING | NUMBER | _ARRAY | _OBJECT
#: Formats the model writer turns into pydantic types that assert them.
_ASSERTED_FORMATS = frozenset({"uuid", "date-time", "date", "time", "duration", "uri", "ipv4", "ipv6", "hostname"})


@dataclass
class Plan:
    """What :func:`plan` found: relaxed definitions and what to attach to the generated models."""

    relaxed: dict[str, Any]
    #: object pointer -> member wire name -> check pointer (the member's original schema)
    member_checks: dict[str, dict[str, str]] = field(default_factory=dict)
    #: object pointer -> member wire names whose optional member refuses ``null``
    not_null: dict[str, set[str]] = field(default_factory=dict)
    #: object pointers checked as a whole (object-level keywords pydantic cannot express)
    object_checks: set[str] = field(default_factory=set)
    #: member pointer -> the only keywords its check needs (pydantic's type enforces the others)
    partial: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: object pointer -> the only keywords its model validator checks (absent: the whole schema)
    object_keywords: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def needs_schemas(self) -> bool:
        return bool(self.member_checks or self.object_checks)


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


@dataclass
class _Planner:
    definitions: dict[str, Any]
    roots: frozenset[str]
    format_assertion: bool
    result: Plan = field(default_factory=lambda: Plan({}))
    _exact: dict[str, bool] = field(default_factory=dict)
    _busy: set[str] = field(default_factory=set)

    def accepts_null(self, schema: Any) -> bool:
        """Whether the member schema ``schema`` accepts ``null``."""
        if not isinstance(schema, dict):
            return schema is not False
        return bool(Draft202012Validator({**schema, "$defs": self.definitions}).is_valid(None))

    def is_class(self, name: str) -> bool:
        schema = self.definitions.get(name)
        if not isinstance(schema, dict) or not schema.get("properties"):
            return False
        return schema.get("type") == "object" or name in self.roots

    def definition(self, name: str) -> bool:
        if name in self._exact:
            return self._exact[name]
        if name in self._busy:
            return self.is_class(name)
        self._busy.add(name)
        if name in self.roots:
            relaxed, exact = self.payload_root(name)
        else:
            relaxed, exact = self.relax(self.definitions[name], _escape(name))
        self._busy.discard(name)
        self.result.relaxed[name] = relaxed
        self._exact[name] = exact
        return exact

    def payload_root(self, name: str) -> tuple[Any, bool]:
        """A payload: always a JSON object on the wire, so it is the schema *and* ``type: object``.

        Its model is a class (or a mapping) typed as an object; every keyword the type does not
        express exactly, at the root too, is checked by a model validator of the whole schema.
        """
        schema = self.definitions[name]
        pointer = _escape(name)
        if isinstance(schema, dict) and "type" not in schema and "properties" not in schema:
            # anyOf/oneOf of object classes: a union of those classes (checked as a whole when inexact).
            relaxed, exact = self.relax(schema, pointer)
            branches = relaxed.get("anyOf") or relaxed.get("oneOf") if isinstance(relaxed, dict) else None
            if branches and all(self.is_class_branch(branch) for branch in branches):
                if not exact:
                    self.result.object_checks.add(pointer)
                return relaxed, True
        if not isinstance(schema, dict):
            relaxed, exact = {"type": "object"}, schema is True
        else:
            relaxed, exact = self.relax({**schema, "type": "object"}, pointer)
        if not exact:
            self.result.object_checks.add(pointer)
        if isinstance(relaxed, dict) and not relaxed.get("properties") and "additionalProperties" not in relaxed:
            # No members to type: the class keeps every member (``model_extra``), so handlers can read them.
            relaxed["additionalProperties"] = True
        return relaxed, True

    def is_class_branch(self, branch: Any) -> bool:
        if not isinstance(branch, dict):
            return False
        if "$ref" in branch:
            return self.is_class(branch["$ref"].removeprefix("#/$defs/"))
        return branch.get("type") == "object" and bool(branch.get("properties"))

    def ref_keeps_class(self, name: str) -> bool:
        """Whether a ``$ref`` to a definition may use its type: a payload without ``type: object`` admits more."""
        schema = self.definitions.get(name)
        return name not in self.roots or (isinstance(schema, dict) and schema.get("type") == "object")

    def recurses_without_class(self, name: str) -> bool:
        """Whether a ``$ref`` to ``name`` closes a cycle that no class breaks (an array of itself)."""
        return name in self._busy and not self.is_class(name)

    def ref(self, ref: str) -> bool:
        name = ref.removeprefix("#/$defs/")
        exact = self.definition(name)
        return True if self.is_class(name) else exact

    def relax(self, schema: Any, pointer: str) -> tuple[Any, bool]:
        """The relaxed schema of ``schema`` (at ``pointer`` in the definitions) and whether it is exact."""
        if schema is True:
            return {}, True
        if not isinstance(schema, dict):
            return {}, False
        kept = {key: schema[key] for key in _KEPT_ANNOTATIONS if key in schema}
        keywords = {key for key in schema if not is_annotation(key)}
        if not keywords:
            return kept, True
        if keywords == {"$ref"}:
            if not self.ref_keeps_class(schema["$ref"].removeprefix("#/$defs/")):
                return kept, False  # its class is the payload's (objects only): checked as a whole instead
            if self.recurses_without_class(schema["$ref"].removeprefix("#/$defs/")):
                # A recursive alias has no class to name it by, and written out where it is used it
                # would never end: the recursion is typed Any and checked by the schema.
                return kept, False
            return {**kept, "$ref": schema["$ref"]}, self.ref(schema["$ref"])
        kind = schema.get("type")
        if isinstance(kind, list):
            types = [item for item in kind if item != "null"]
            if len(types) == 1 and len(kind) == 2 and types[0] != "object":
                relaxed, exact = self.relax({**schema, "type": types[0]}, pointer)
                if "type" in relaxed:
                    relaxed["type"] = [types[0], "null"]
                    return relaxed, exact
                return kept, False
            constrained = keywords - {"type"}
            return {**kept, "type": kind}, not constrained and all(
                item in ("string", "integer", "number", "boolean", "null", "array", "object") for item in kind
            )
        if isinstance(kind, str):
            return self.typed(schema, kind, kept, keywords, pointer)
        if keywords <= {"enum", "const"}:
            return self.enum(schema, kept, keywords)
        if len(keywords) == 1 and keywords <= {"anyOf", "oneOf"}:
            keyword = next(iter(keywords))
            branches = [
                self.relax(branch, f"{pointer}/{keyword}/{index}") for index, branch in enumerate(schema[keyword])
            ]
            if all(isinstance(relaxed, dict) and ("type" in relaxed or "$ref" in relaxed) for relaxed, _ in branches):
                exact = keyword == "anyOf" and all(exact for _, exact in branches)
                return {**kept, keyword: [relaxed for relaxed, _ in branches]}, exact
        return kept, False

    def enum(self, schema: dict[str, Any], kept: dict[str, Any], keywords: set[str]) -> tuple[Any, bool]:
        values = schema["enum"] if "enum" in schema else [schema["const"]]
        if "enum" in schema and "const" in schema:
            return kept, False
        if values and all(isinstance(value, str) for value in values):
            key = "enum" if "enum" in schema else "const"
            return {**kept, "type": "string", key: schema[key]}, True
        return kept, False

    def typed(
        self, schema: dict[str, Any], kind: str, kept: dict[str, Any], keywords: set[str], pointer: str
    ) -> tuple[Any, bool]:
        relaxed: dict[str, Any] = {**kept, "type": kind}
        exact = kind in ("string", "integer", "number", "boolean", "null", "array", "object")
        # Keywords of other types do not apply to this one.
        relevant = keywords - {"type"} - (_ALL_TYPED - _BY_TYPE.get(kind, frozenset()))
        needed = relevant - _BY_TYPE.get(kind, frozenset())
        if relevant & {"enum", "const"}:
            enum_relaxed, enum_exact = self.enum(schema, {}, relevant & {"enum", "const"})
            if kind == "string" and enum_exact:
                relaxed.update({key: value for key, value in enum_relaxed.items() if key != "type"})
                needed -= {"enum", "const"}
            else:
                exact = False
            relevant -= {"enum", "const"}
        relaxed, exact = self._typed(schema, kind, relaxed, relevant, pointer, exact, needed)
        annotations_needed = needed & {"unevaluatedItems", "unevaluatedProperties"}
        if not exact and kind in ("string", "integer", "number", "array") and needed and not annotations_needed:
            self.result.partial[pointer] = tuple(sorted(needed))
        return relaxed, exact

    def _typed(
        self,
        schema: dict[str, Any],
        kind: str,
        relaxed: dict[str, Any],
        relevant: set[str],
        pointer: str,
        exact: bool,
        needed: set[str],
    ) -> tuple[Any, bool]:
        if kind in ("string", "integer", "number") and relevant - _BY_TYPE[kind]:
            exact = False  # combinators, not, if/then/else, ... next to the type: checked
        if kind == "string":
            if self.format_assertion and schema.get("format") in _ASSERTED_FORMATS:
                relaxed["format"] = schema["format"]
            for key in ("minLength", "maxLength"):
                if key in relevant:
                    relaxed[key] = schema[key]
            if "pattern" in relevant:
                translated = _rust_pattern(schema["pattern"])
                if translated is None:
                    exact = False
                    needed.add("pattern")
                else:
                    relaxed["pattern"] = translated
            return relaxed, exact
        if kind in ("integer", "number"):
            for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"):
                if key not in relevant:
                    continue
                value = schema[key]
                if kind == "integer" and isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
                    value = int(value)
                fits = isinstance(value, int) if kind == "integer" else True
                if key == "multipleOf" and not isinstance(value, int):
                    fits = False
                if fits:
                    relaxed[key] = value
                else:
                    exact = False
                    needed.add(key)
            return relaxed, exact
        if kind == "array":
            relaxed, items_exact = self.array(schema, relaxed, relevant, pointer, needed)
            return relaxed, exact and items_exact
        if kind == "object":
            return self.object(schema, relaxed, relevant, pointer, exact)
        return relaxed, exact and not relevant

    def array(
        self, schema: dict[str, Any], relaxed: dict[str, Any], relevant: set[str], pointer: str, needed: set[str]
    ) -> tuple[Any, bool]:
        """The relaxed array schema, and whether its model type is exact on its own."""
        exact = True
        for key in ("minItems", "maxItems"):
            if key in relevant:
                relaxed[key] = schema[key]
        needed.update(relevant - {"minItems", "maxItems", "items"})
        if "items" in relevant and "prefixItems" not in relevant:
            items, items_exact = self.relax(schema["items"], f"{pointer}/items")
            if schema["items"] is False:
                items_exact = False
            relaxed["items"] = items
            exact = exact and items_exact
            if not items_exact:
                needed.add("items")
        elif relevant & {"items", "prefixItems"}:
            exact = False
            needed.update(relevant & {"items", "prefixItems"})
        if relevant - {"minItems", "maxItems", "items", "prefixItems"} - {"minContains", "maxContains"}:
            exact = False
        return relaxed, exact

    def object(
        self, schema: dict[str, Any], relaxed: dict[str, Any], relevant: set[str], pointer: str, exact: bool
    ) -> tuple[Any, bool]:
        properties = schema.get("properties") or {}
        whole = relevant - {"properties", "required", "additionalProperties"}
        additional = schema.get("additionalProperties", True)
        if additional not in (True, False, {}) and properties:
            whole.add("additionalProperties")
        if not properties:
            # No members: a dict of (relaxed) values; the enclosing member is checked when inexact.
            if additional not in (True, {}):
                values, values_exact = self.relax(additional, f"{pointer}/additionalProperties")
                if isinstance(values, dict):
                    relaxed["additionalProperties"] = values
                exact = exact and values_exact and additional is not False
            return relaxed, exact and not (whole - {"additionalProperties"}) and not schema.get("required")
        required = [name for name in schema.get("required") or [] if isinstance(name, str)]
        members: dict[str, Any] = {}
        for name, member in properties.items():
            member_pointer = f"{pointer}/properties/{_escape(name)}"
            member_relaxed, member_exact = self.relax(member, member_pointer)
            members[name] = member_relaxed
            if not member_exact:
                keywords = self.result.partial.get(member_pointer)
                check = f"{member_pointer}#{','.join(keywords)}" if keywords else member_pointer
                self.result.member_checks.setdefault(pointer, {})[name] = check
            if name not in required and not self.accepts_null(member):
                self.result.not_null.setdefault(pointer, set()).add(name)
        relaxed["properties"] = members
        if required:
            relaxed["required"] = required
        if whole or not exact:
            # A model of its own (every object with members is one): it checks itself.
            self.result.object_checks.add(pointer)
            keywords = self.object_keywords(schema, whole, exact)
            if keywords is not None:
                self.result.object_keywords[pointer] = keywords
                if additional is False and "additionalProperties" not in keywords:
                    relaxed["additionalProperties"] = False
        elif additional is False:
            relaxed["additionalProperties"] = False
        return relaxed, True

    @staticmethod
    def object_keywords(schema: dict[str, Any], whole: set[str], exact: bool) -> tuple[str, ...] | None:
        """The keywords an object's model validator checks (the class enforces the rest), or
        ``None`` for the whole schema (``unevaluatedProperties`` needs every sibling's annotations)."""
        if "unevaluatedProperties" in whole:
            return None
        keywords = set(whole)
        if not exact:
            keywords |= {"enum", "const"} & schema.keys()
        if "patternProperties" in keywords or "additionalProperties" in keywords:
            # additionalProperties applies to the members that properties and patternProperties leave.
            keywords |= {"properties", "patternProperties", "additionalProperties"} & schema.keys()
        return tuple(sorted(keywords))


def _rust_pattern(pattern: str) -> str | None:
    """``pattern`` in the syntax of pydantic's regex engine, or ``None`` when that engine refuses it."""
    translated = translate(pattern)
    try:
        SchemaValidator(core_schema.str_schema(pattern=translated))
    except SchemaError:
        return None
    return translated


def plan(definitions: dict[str, Any], *, roots: frozenset[str] = frozenset(), format_assertion: bool = False) -> Plan:
    """Relax every definition; collect the checks that keep the generated models exact."""
    planner = _Planner(definitions, roots, format_assertion)
    for name in definitions:
        planner.definition(name)
    planner.result.relaxed = {name: planner.result.relaxed[name] for name in definitions}
    return planner.result
