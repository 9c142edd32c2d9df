"""How one payload schema differs from another, as sets of accepted JSON values.

:func:`schema_deltas` walks an old and a new schema side by side (``$ref``\\s followed into their
protocol's bundled ``$defs``) and yields each difference with its *effect* on the set of values
the schema accepts: :data:`NARROWS` (new accepts less: some values old accepted are refused),
:data:`WIDENS` (new accepts more), :data:`BOTH`, or :data:`UNKNOWN` when the walk cannot tell
(``oneOf`` rewritten, a ``pattern`` changed). Whether a delta breaks deployed clients depends on the
direction of the message; :mod:`.changes` decides that.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from beeflow_websocket.jsonschema.keywords import ANNOTATIONS
from beeflow_websocket.jsonschema.values import json_type

__all__ = ["BOTH", "NARROWS", "UNKNOWN", "WIDENS", "Delta", "Effect", "schema_deltas"]

Effect = Literal["narrows", "widens", "both", "unknown"]
NARROWS: Effect = "narrows"
WIDENS: Effect = "widens"
BOTH: Effect = "both"
UNKNOWN: Effect = "unknown"

#: Keywords that change nothing a validator checks (``format`` may be asserted, and
#: ``contentSchema`` holds a schema: both are compared).
_ANNOTATIONS = (ANNOTATIONS - {"format", "contentSchema"}) | {"discriminator"}
#: Lower bounds: raising one (or adding it) narrows.
_LOWER = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties", "minContains")
#: Upper bounds: lowering one (or adding it) narrows.
_UPPER = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties", "maxContains")
#: Validation keywords the walk does not compare one by one: any change is "possibly breaking".
_OPAQUE = frozenset(
    {
        "allOf",
        "oneOf",
        "not",
        "if",
        "then",
        "else",
        "patternProperties",
        "propertyNames",
        "dependentRequired",
        "dependentSchemas",
        "dependencies",
        "unevaluatedProperties",
        "unevaluatedItems",
        "contains",
        "prefixItems",
        "additionalItems",
    }
)
#: Subschema comparisons per message before the walk gives up (a huge schema reusing definitions everywhere).
_MAX_STEPS = 20_000
_ALL_TYPES = frozenset({"null", "boolean", "object", "array", "number", "string", "integer"})


@dataclass(frozen=True)
class Delta:
    """One difference between the old and the new schema, at ``pointer`` (inside the payload)."""

    rule: str
    pointer: str
    effect: Effect
    detail: str
    #: an optional property added to an object that allowed any member before (no additionalProperties: false)
    on_open_object: bool = False
    #: a ``format`` change: it is checked only by code generated with format assertion on
    format_only: bool = False


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


class _Walk:
    def __init__(self, old_defs: dict[str, Any], new_defs: dict[str, Any]) -> None:
        self.old_defs = old_defs
        self.new_defs = new_defs
        #: pairs of definitions being compared (further up the walk): a recursive schema stops there
        self.seen: set[tuple[str, str]] = set()
        self.steps = 0

    def deref(self, schema: Any, defs: dict[str, Any]) -> tuple[Any, str | None]:
        """Follow ``$ref`` (only to ``#/$defs/``); also return the name of the last definition reached."""
        name = None
        hops = 0
        while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and hops < 64:
            ref = schema["$ref"]
            if not ref.startswith("#/$defs/"):
                break
            name = ref.removeprefix("#/$defs/")
            siblings = {key: value for key, value in schema.items() if key != "$ref"}
            target = defs.get(name, {})
            schema = {**target, **siblings} if siblings and isinstance(target, dict) else target
            hops += 1
        return schema, name

    def canonical(self, schema: Any, defs: dict[str, Any], depth: int = 0) -> Any:
        """``schema`` with references inlined (to a bounded depth) and annotations left out, for equality."""
        if isinstance(schema, list):
            return [self.canonical(item, defs, depth) for item in schema]
        if not isinstance(schema, dict):
            return schema
        if "$ref" in schema and depth < 8:
            target, _ = self.deref(schema, defs)
            return self.canonical(target, defs, depth + 1)
        return {
            key: (value if key in ("enum", "const", "required") else self.canonical(value, defs, depth))
            for key, value in sorted(schema.items())
            if key not in _ANNOTATIONS
        }

    def same(self, old: Any, new: Any) -> bool:
        return bool(self.canonical(old, self.old_defs) == self.canonical(new, self.new_defs))

    # -- the walk ------------------------------------------------------------------------------

    def compare(self, old: Any, new: Any, pointer: str) -> Iterator[Delta]:
        self.steps += 1
        if self.steps > _MAX_STEPS:
            if self.steps == _MAX_STEPS + 1:
                yield Delta("keyword-changed", pointer, UNKNOWN, "the schemas are too large to compare completely")
            return
        old, old_name = self.deref(old, self.old_defs)
        new, new_name = self.deref(new, self.new_defs)
        pair = (old_name, new_name) if old_name is not None and new_name is not None else None
        if pair is not None:
            if pair in self.seen:
                return  # a recursive schema: this pair is being compared further up
            self.seen.add(pair)
        try:
            yield from self.compare_resolved(_as_schema(old), _as_schema(new), pointer)
        finally:
            if pair is not None:
                self.seen.discard(pair)

    def compare_resolved(self, old: Any, new: Any, pointer: str) -> Iterator[Delta]:
        if old is False or new is False:
            if old is not new:
                effect = NARROWS if new is False else WIDENS
                yield Delta("schema-" + ("removed" if new is False else "added"), pointer, effect, "accepts no value")
            return
        yield from self.types(old, new, pointer)
        yield from self.values(old, new, pointer)
        yield from self.bounds(old, new, pointer)
        yield from self.strings(old, new, pointer)
        yield from self.objects(old, new, pointer)
        yield from self.arrays(old, new, pointer)
        yield from self.compositions(old, new, pointer)

    def types(self, old: dict[str, Any], new: dict[str, Any], pointer: str) -> Iterator[Delta]:
        before, after = _types(old), _types(new)
        if before == after:
            return
        removed, added = before - after, after - before
        # integer is a part of number: number -> integer narrows, integer -> number widens.
        if "number" in after:
            removed.discard("integer")
        if "number" in before:
            added.discard("integer")
        words = f"{_type_text(before)} -> {_type_text(after)}"
        if removed and added:
            yield Delta("type-changed", pointer, BOTH, words)
        elif removed:
            yield Delta("type-narrowed", pointer, NARROWS, words)
        elif added:
            yield Delta("type-widened", pointer, WIDENS, words)

    def values(self, old: dict[str, Any], new: dict[str, Any], pointer: str) -> Iterator[Delta]:
        before, after = _allowed_values(old), _allowed_values(new)
        if before == after:
            return
        if before is None and after is not None:
            yield Delta("enum-added", pointer, NARROWS, f"now only {', '.join(map(_show, after))}")
        elif before is not None and after is None:
            yield Delta("enum-removed", pointer, WIDENS, "any value of the type now")
        elif before is not None and after is not None:
            removed = [value for value in before if value not in after]
            added = [value for value in after if value not in before]
            for value in removed:
                yield Delta("enum-value-removed", pointer, NARROWS, _show(value))
            for value in added:
                yield Delta("enum-value-added", pointer, WIDENS, _show(value))

    def bounds(self, old: dict[str, Any], new: dict[str, Any], pointer: str) -> Iterator[Delta]:
        for keyword in (*_LOWER, *_UPPER):
            before, after = old.get(keyword), new.get(keyword)
            if before == after:
                continue
            where = f"{keyword} {_show(before) if before is not None else '(none)'} -> "
            where += _show(after) if after is not None else "(none)"
            if (not _is_number(before) and before is not None) or (not _is_number(after) and after is not None):
                yield Delta("constraint-changed", pointer, UNKNOWN, where)  # draft-04 boolean exclusive bounds
                continue
            lower = keyword in _LOWER
            if before is None:
                tighter = True
            elif after is None:
                tighter = False
            else:
                tighter = after > before if lower else after < before
            yield Delta(
                "constraint-tightened" if tighter else "constraint-loosened",
                pointer,
                NARROWS if tighter else WIDENS,
                where,
            )
        before, after = old.get("multipleOf"), new.get("multipleOf")
        if before != after:
            where = f"multipleOf {_show(before)} -> {_show(after)}"
            if before is None:
                yield Delta("constraint-tightened", pointer, NARROWS, where)
            elif after is None:
                yield Delta("constraint-loosened", pointer, WIDENS, where)
            elif _is_number(before) and _is_number(after) and _divides(before, after):
                yield Delta("constraint-tightened", pointer, NARROWS, where)
            elif _is_number(before) and _is_number(after) and _divides(after, before):
                yield Delta("constraint-loosened", pointer, WIDENS, where)
            else:
                yield Delta("constraint-changed", pointer, BOTH, where)
        if bool(old.get("uniqueItems")) != bool(new.get("uniqueItems")):
            tighter = bool(new.get("uniqueItems"))
            yield Delta(
                "constraint-tightened" if tighter else "constraint-loosened",
                pointer,
                NARROWS if tighter else WIDENS,
                f"uniqueItems {bool(old.get('uniqueItems'))} -> {tighter}",
            )

    def strings(self, old: dict[str, Any], new: dict[str, Any], pointer: str) -> Iterator[Delta]:
        for keyword in ("pattern", "format"):
            before, after = old.get(keyword), new.get(keyword)
            if before == after:
                continue
            where = f"{keyword} {_show(before) if before is not None else '(none)'} -> "
            where += _show(after) if after is not None else "(none)"
            only = keyword == "format"
            if before is None:
                yield Delta("constraint-tightened", pointer, NARROWS, where, format_only=only)
            elif after is None:
                yield Delta("constraint-loosened", pointer, WIDENS, where, format_only=only)
            else:
                yield Delta(
                    "constraint-changed",
                    pointer,
                    UNKNOWN,
                    where + " (cannot tell which accepts more)",
                    format_only=only,
                )

    def objects(self, old: dict[str, Any], new: dict[str, Any], pointer: str) -> Iterator[Delta]:
        if not (_may_be(old, "object") and _may_be(new, "object")):
            return
        old_props: dict[str, Any] = old.get("properties") or {}
        new_props: dict[str, Any] = new.get("properties") or {}
        old_extra = old.get("additionalProperties", True)
        new_extra = new.get("additionalProperties", True)
        old_required = set(old.get("required") or [])
        new_required = set(new.get("required") or [])
        for name in sorted(set(old_props) | set(new_props)):
            where = f"{pointer}/properties/{_escape(name)}"
            if name in old_props and name in new_props:
                yield from self.compare(old_props[name], new_props[name], where)
            elif name in old_props:
                closed = _closed(new_extra)
                if name in old_required:
                    yield Delta("property-removed", where, BOTH if closed else WIDENS, f"{name!r} (was required)")
                elif closed:
                    yield Delta("property-removed", where, NARROWS, f"{name!r} (optional; no longer accepted)")
                else:
                    yield Delta(
                        "property-removed",
                        where,
                        UNKNOWN if not self.same(old_props[name], new_extra) else NARROWS,
                        f"{name!r} (optional; additionalProperties now lets it carry any value)",
                    )
            else:
                required = name in new_required
                if required:
                    yield Delta("property-added", where, NARROWS, f"{name!r} (required)")
                elif _closed(old_extra):
                    yield Delta("property-added", where, WIDENS, f"{name!r} (optional; old schema refused it)")
                elif old_extra is True or old_extra == {}:
                    yield Delta(
                        "property-added",
                        where,
                        NARROWS,
                        f"{name!r} (optional; any value was allowed)",
                        on_open_object=True,
                    )
                else:
                    yield from self.compare(old_extra, new_props[name], where)
        for name in sorted(new_required - old_required):
            if name in old_props or name not in new_props:
                yield Delta("required-added", f"{pointer}/required", NARROWS, repr(name))
        for name in sorted(old_required - new_required):
            if name in new_props or name not in old_props:
                yield Delta("required-removed", f"{pointer}/required", WIDENS, repr(name))
        if _closed(old_extra) and not _closed(new_extra):
            yield Delta("additional-properties-allowed", f"{pointer}/additionalProperties", WIDENS, "unknown members")
        elif not _closed(old_extra) and _closed(new_extra):
            yield Delta("additional-properties-refused", f"{pointer}/additionalProperties", NARROWS, "unknown members")
        elif isinstance(old_extra, dict) and isinstance(new_extra, dict):
            yield from self.compare(old_extra, new_extra, f"{pointer}/additionalProperties")

    def arrays(self, old: dict[str, Any], new: dict[str, Any], pointer: str) -> Iterator[Delta]:
        before, after = old.get("items", True), new.get("items", True)
        if isinstance(before, list) or isinstance(after, list):
            if not self.same(before, after):
                yield Delta("items-changed", f"{pointer}/items", UNKNOWN, "tuple items changed")
            return
        if "items" in old or "items" in new:
            yield from self.compare(before, after, f"{pointer}/items")

    def compositions(self, old: dict[str, Any], new: dict[str, Any], pointer: str) -> Iterator[Delta]:
        before, after = old.get("anyOf"), new.get("anyOf")
        if before != after and not self.same(before, after):
            if isinstance(before, list) and isinstance(after, list):
                old_branches = [self.canonical(item, self.old_defs) for item in before]
                new_branches = [self.canonical(item, self.new_defs) for item in after]
                removed = [item for item in old_branches if item not in new_branches]
                added = [item for item in new_branches if item not in old_branches]
                if added and not removed:
                    yield Delta("anyof-branch-added", f"{pointer}/anyOf", WIDENS, f"{len(added)} branch(es)")
                elif removed and not added:
                    yield Delta("anyof-branch-removed", f"{pointer}/anyOf", NARROWS, f"{len(removed)} branch(es)")
                else:
                    yield Delta("anyof-changed", f"{pointer}/anyOf", UNKNOWN, "branches rewritten")
            else:
                yield Delta("anyof-changed", f"{pointer}/anyOf", UNKNOWN, "anyOf added or removed")
        for keyword in sorted((set(old) | set(new)) & _OPAQUE):
            if self.same(old.get(keyword), new.get(keyword)):
                continue
            yield Delta(
                "keyword-changed",
                f"{pointer}/{_escape(keyword)}",
                UNKNOWN,
                f"{keyword} changed; not compared structurally",
            )


def _as_schema(schema: Any) -> Any:
    if schema is True or schema == {}:
        return {}
    return schema


def _types(schema: dict[str, Any]) -> set[str]:
    kind = schema.get("type")
    if kind is None:
        if "const" in schema or "enum" in schema:
            return {json_type(value) for value in _allowed_values(schema) or []}
        return set(_ALL_TYPES)
    kinds = set(kind if isinstance(kind, list) else [kind])
    if "number" in kinds:
        kinds.add("integer")
    return kinds


def _type_text(kinds: set[str]) -> str:
    if kinds == _ALL_TYPES:
        return "any"
    if "number" in kinds:
        kinds = kinds - {"integer"}
    return "|".join(sorted(kinds))


def _allowed_values(schema: dict[str, Any]) -> list[Any] | None:
    if "const" in schema:
        return [schema["const"]]
    enum = schema.get("enum")
    return list(enum) if isinstance(enum, list) else None


def _may_be(schema: dict[str, Any], kind: str) -> bool:
    return kind in _types(schema)


def _closed(extra: Any) -> bool:
    return extra is False or (isinstance(extra, dict) and extra.get("not") == {})


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _divides(small: float, large: float) -> bool:
    """Whether every multiple of ``large`` is a multiple of ``small``."""
    if small == 0:
        return False
    ratio = large / small
    return abs(ratio - round(ratio)) < 1e-9


def schema_deltas(old: Any, new: Any, old_defs: dict[str, Any], new_defs: dict[str, Any]) -> list[Delta]:
    """Every difference between ``old`` and ``new`` (each resolved in its own ``$defs``)."""
    return list(_Walk(old_defs, new_defs).compare(old, new, ""))
