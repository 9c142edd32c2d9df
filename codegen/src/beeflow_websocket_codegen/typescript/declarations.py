"""TypeScript declarations for the bundled payload schemas (:attr:`~..ir.Protocol.schemas`).

One exported declaration per ``$defs`` entry, in name order: an ``interface`` for a plain object
schema, a ``type`` alias for everything else. The mapping follows what JSON Schema accepts:

=========================================  ================================================
JSON Schema                                TypeScript
=========================================  ================================================
``$ref``                                   the named type (recursion works through names)
``const``, ``enum``                        literal types, a union of them
``type`` (a list: each), ``nullable``      ``string``, ``number``, ``boolean``, ``null``, ...
``oneOf``, ``anyOf`` / ``allOf``           a union / an intersection
``properties``, ``required``               members, optional unless required; names that
                                           are not identifiers are quoted
``additionalProperties``,                  an index signature (``false``: none); an object
``patternProperties``                      with neither properties nor
                                           ``additionalProperties`` is
                                           ``{ [key: string]: unknown }``
``items``, ``prefixItems``                 ``T[]``, tuples (elements past ``minItems``
                                           optional)
``true`` or ``{}``                         ``unknown``
``false``, ``not: {}``                     ``never``
=========================================  ================================================

Keywords that only restrict values within a type (``pattern``, ``minimum``, ``format``, ``not``,
``if``/``then``/``else``, ...) have no TypeScript form: the server checks them and answers a 422.
An object with declared properties but no ``additionalProperties`` gets no index signature, so
that the compiler still catches misspelt fields (the server ignores unknown members there).
An index signature for ``patternProperties`` also admits the types of the members declared beside
it and, in an ``allOf``, those of the other branches: a key that matches no pattern need not fit it.

A ``$defs`` entry that only refers to another one (``Foo: {$ref: ./foo.json}`` in
``components/schemas``), when nothing else refers to the target, is folded into it: the target is
emitted under the referring name, instead of ``Foo = Foo2``.

Everything here is deterministic: members keep the schema's order, declarations are sorted.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from beeflow_websocket.jsonschema import keywords
from beeflow_websocket.jsonschema.keywords import is_annotation

__all__ = ["Declarations", "declarations", "doc_comment", "property_key", "render_type", "string_literal"]

_REF = re.compile(r"^#/\$defs/(?P<name>[^/]+)$")
_IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
#: A schema without ``type`` is typed as an object or an array when it has one of these: the
#: object and array keywords but those that, alone, say little of the value's shape.
_OBJECT_KEYWORDS = keywords.OBJECT - {"dependentSchemas", "dependencies"}
_ARRAY_KEYWORDS = keywords.ARRAY - {"minContains", "maxContains", "unevaluatedItems"}
_PRIMITIVES = {"string": "string", "integer": "number", "number": "number", "boolean": "boolean", "null": "null"}


# -- type expressions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    """A type expression, laid out by :func:`render_type`."""


@dataclass(frozen=True)
class Atom(Node):
    """A name, a keyword or a literal: ``string``, ``models.Foo``, ``"a"``."""

    text: str


@dataclass(frozen=True)
class Union(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Intersection(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True)
class ArrayOf(Node):
    item: Node


@dataclass(frozen=True)
class Tuple(Node):
    items: tuple[Node, ...]
    #: index of the first optional element (``len(items)``: none)
    optional_from: int
    rest: Node | None


@dataclass(frozen=True)
class Member:
    key: str
    type: Node
    optional: bool = False
    doc: str = ""


@dataclass(frozen=True)
class ObjectType(Node):
    members: tuple[Member, ...] = ()
    index: Node | None = None
    #: the index signature stands for ``patternProperties`` only: keys matching no pattern may hold anything
    patterns_only: bool = False


UNKNOWN = Atom("unknown")
NEVER = Atom("never")
NULL = Atom("null")
UNDEFINED = Atom("undefined")


def union(items: list[Node]) -> Node:
    """``A | B``: nested unions flattened, duplicates dropped; ``unknown`` wins, ``never`` vanishes."""
    return _combine(items, Union, wins=UNKNOWN, vanishes=NEVER)


def intersection(items: list[Node]) -> Node:
    """``A & B``: ``unknown`` vanishes, ``never`` wins."""
    return _combine(items, Intersection, wins=NEVER, vanishes=UNKNOWN)


def _combine(items: list[Node], kind: type[Union | Intersection], *, wins: Node, vanishes: Node) -> Node:
    """Union and intersection are duals: the same flattening, with ``unknown`` and ``never`` swapped."""
    flat: list[Node] = []
    for item in items:
        for part in item.items if isinstance(item, kind) else (item,):
            if part == wins:
                return wins
            if part != vanishes and part not in flat:
                flat.append(part)
    if not flat:
        return vanishes
    return flat[0] if len(flat) == 1 else kind(tuple(flat))


def _loosen(parts: list[Node]) -> list[Node]:
    """``parts`` of an intersection, with each ``patternProperties`` index signature admitting the
    members and index types of the other parts: a key that matches none of its patterns need not
    fit it (``unknown`` when another part's members are not known here, such as a named type)."""
    flat = [item for part in parts for item in (part.items if isinstance(part, Intersection) else (part,))]
    flat = [item for item in flat if item != UNKNOWN]  # it vanishes from the intersection
    if len(flat) < 2 or not any(isinstance(part, ObjectType) and part.patterns_only for part in flat):
        return parts
    loosened: list[Node] = []
    for number, part in enumerate(flat):
        if not isinstance(part, ObjectType) or not part.patterns_only or part.index is None:
            loosened.append(part)
            continue
        admitted: list[Node] = [part.index]
        for other in flat[:number] + flat[number + 1 :]:
            if not isinstance(other, ObjectType):
                admitted.append(UNKNOWN)
                continue
            admitted.extend(member.type for member in other.members)
            admitted.extend([UNDEFINED] if any(member.optional for member in other.members) else [])
            admitted.extend([other.index] if other.index is not None else [])
        loosened.append(ObjectType(part.members, union(admitted), patterns_only=True))
    return loosened


def string_literal(text: str) -> str:
    """A TypeScript string literal (double quotes, JSON escapes)."""
    return json.dumps(text, ensure_ascii=False)


def property_key(name: str) -> str:
    """A member name as written in a type: bare when it is an identifier, else quoted."""
    return name if _IDENTIFIER.match(name) else string_literal(name)


def _literal(value: Any) -> Node:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return Atom("true" if value else "false")
    if isinstance(value, str):
        return Atom(string_literal(value))
    if isinstance(value, int | float):
        return Atom(json.dumps(value))
    if isinstance(value, list):
        items = tuple(_literal(item) for item in value)
        return Tuple(items, len(items), None)
    if isinstance(value, dict):
        return ObjectType(tuple(Member(property_key(str(key)), _literal(item)) for key, item in value.items()))
    return UNKNOWN  # pragma: no cover - JSON has no other values


# -- layout --------------------------------------------------------------------------------------


def _needs_parentheses(node: Node, context: str) -> bool:
    if context == "array":
        return isinstance(node, Union | Intersection)
    if context == "intersection":
        return isinstance(node, Union)
    return False


def _inline(node: Node) -> str | None:
    """The one-line form of ``node``, or ``None`` when it must span lines (members with docs)."""
    if isinstance(node, Atom):
        return node.text
    if isinstance(node, Union | Intersection):
        separator = " | " if isinstance(node, Union) else " & "
        context = "union" if isinstance(node, Union) else "intersection"
        parts = []
        for item in node.items:
            text = _inline(item)
            if text is None:
                return None
            parts.append(f"({text})" if _needs_parentheses(item, context) else text)
        return separator.join(parts)
    if isinstance(node, ArrayOf):
        text = _inline(node.item)
        if text is None:
            return None
        return f"({text})[]" if _needs_parentheses(node.item, "array") else f"{text}[]"
    if isinstance(node, Tuple):
        parts = []
        for number, item in enumerate(node.items):
            text = _inline(item)
            if text is None:
                return None
            parts.append(text + ("?" if number >= node.optional_from else ""))
        if node.rest is not None:
            text = _inline(ArrayOf(node.rest))
            if text is None:
                return None
            parts.append("..." + text)
        return "[" + ", ".join(parts) + "]"
    if isinstance(node, ObjectType):
        if any(member.doc for member in node.members):
            return None
        parts = []
        for member in node.members:
            text = _inline(member.type)
            if text is None:
                return None
            parts.append(f"{member.key}{'?' if member.optional else ''}: {text}")
        if node.index is not None:
            text = _inline(node.index)
            if text is None:
                return None
            parts.append(f"[key: string]: {text}")
        return "{ " + "; ".join(parts) + " }" if parts else "{}"
    raise TypeError(node)  # pragma: no cover


def render_type(node: Node, *, indent: int = 0, used: int = 0, width: int = 100) -> str:
    """``node`` as TypeScript, starting at column ``indent + used`` (``used``: text before it on the line).

    One line when it fits in ``width`` (counting a closing ``;``), else unions one member per line
    and objects one member per line. Continuation lines are indented from ``indent``.
    """
    text = _inline(node)
    if (
        text is not None
        and indent + used + len(text) + 1 <= width
        and (not isinstance(node, ObjectType) or len(node.members) <= 3)
    ):
        return text
    pad = " " * indent
    if isinstance(node, Union):
        lines = [""]
        for item in node.items:
            body = render_type(item, indent=indent + 4, width=width)
            lines.append(f"{pad}  | {body}")
        return "\n".join(lines)
    if isinstance(node, Intersection):
        parts = []
        for item in node.items:
            body = render_type(item, indent=indent, used=used, width=width)
            parts.append(f"({body})" if _needs_parentheses(item, "intersection") else body)
        return " & ".join(parts)
    if isinstance(node, ArrayOf):
        body = render_type(node.item, indent=indent, used=used + 1, width=width)
        return f"({body})[]" if _needs_parentheses(node.item, "array") else f"{body}[]"
    if isinstance(node, Tuple):
        lines = ["["]
        for number, item in enumerate(node.items):
            body = render_type(item, indent=indent + 2, used=0, width=width)
            lines.append(f"{pad}  {body}{'?' if number >= node.optional_from else ''},")
        if node.rest is not None:
            body = render_type(ArrayOf(node.rest), indent=indent + 2, used=3, width=width)
            lines.append(f"{pad}  ...{body},")
        lines.append(f"{pad}]")
        return "\n".join(lines)
    if isinstance(node, ObjectType):
        return "{\n" + object_body(node, indent=indent + 2, width=width) + pad + "}"
    return text or ""  # pragma: no cover - atoms always fit on one line


def object_body(node: ObjectType, *, indent: int, width: int) -> str:
    """The members of an object type or interface, one per line, each ending with a newline."""
    pad = " " * indent
    lines = []
    for member in node.members:
        if member.doc:
            lines.append(doc_comment(member.doc, indent=indent, width=width))
        head = f"{member.key}{'?' if member.optional else ''}: "
        lines.append(f"{pad}{head}{render_type(member.type, indent=indent, used=len(head), width=width)};\n")
    if node.index is not None:
        head = "[key: string]: "
        lines.append(f"{pad}{head}{render_type(node.index, indent=indent, used=len(head), width=width)};\n")
    return "".join(lines)


def doc_comment(text: str, *, indent: int = 0, width: int = 100) -> str:
    """A ``/** ... */`` comment (ending with a newline): paragraphs wrapped, lists and code kept as written."""
    pad = " " * indent
    text = text.replace("*/", "*\\/").strip()
    room = max(40, width - indent - 3)
    lines: list[str] = []
    for number, paragraph in enumerate(part for part in re.split(r"\n\s*\n", text) if part.strip()):
        if number:
            lines.append("")
        raw = [line.rstrip() for line in paragraph.strip("\n").splitlines()]
        structured = any(
            line.lstrip().startswith(("- ", "* ", "```", "|", "@")) or line.startswith("  ") for line in raw
        )
        if structured:
            lines.extend(raw)
        else:
            lines.extend(textwrap.wrap(" ".join(line.strip() for line in raw), width=room, break_on_hyphens=False))
    if len(lines) == 1 and indent + len(lines[0]) + 7 <= width:
        return f"{pad}/** {lines[0]} */\n"
    body = "".join(f"{pad} *{' ' + line if line else ''}\n" for line in lines)
    return f"{pad}/**\n{body}{pad} */\n"


# -- schemas to types ----------------------------------------------------------------------------


def _subschemas(schema: Any) -> Iterator[Any]:
    """The schemas directly inside ``schema``."""
    if not isinstance(schema, dict):
        return
    for key in keywords.SCHEMA_VALUED:
        if isinstance(schema.get(key), dict | bool):
            yield schema[key]
    for key in keywords.SCHEMA_LISTS:
        if isinstance(schema.get(key), list):
            yield from schema[key]
    for key in keywords.SCHEMA_MAPS:
        if isinstance(schema.get(key), dict):
            yield from schema[key].values()
    if isinstance(schema.get("dependencies"), dict):
        yield from (item for item in schema["dependencies"].values() if isinstance(item, dict))


def _references(schema: Any) -> Iterator[str]:
    """Names of the ``$defs`` entries ``schema`` refers to, once per ``$ref``."""
    if not isinstance(schema, dict):
        return
    match = _REF.match(schema["$ref"]) if isinstance(schema.get("$ref"), str) else None
    if match is not None:
        yield match["name"]
    for sub in _subschemas(schema):
        yield from _references(sub)


def _description(schema: Any) -> str:
    """The doc comment text of a schema: its description (else its title), deprecation, default."""
    if not isinstance(schema, dict):
        return ""
    parts = []
    for key in ("description", "title"):
        if isinstance(schema.get(key), str) and schema[key].strip():
            parts.append(schema[key].strip())
            break
    tags = []
    if "default" in schema:
        tags.append("@default " + json.dumps(schema["default"], ensure_ascii=False))
    if schema.get("deprecated") is True:
        tags.append("@deprecated")
    if tags:
        parts.append("\n".join(tags))
    return "\n\n".join(parts)


@dataclass
class _Converter:
    names: dict[str, str]
    qualifier: str = ""

    def ref(self, name: str) -> Node:
        return Atom(self.qualifier + self.names.get(name, name))

    def convert(self, schema: Any) -> Node:
        if schema is True or schema is None:
            return UNKNOWN
        if schema is False:
            return NEVER
        if not isinstance(schema, dict):
            return UNKNOWN
        parts: list[Node] = []
        if isinstance(schema.get("$ref"), str):
            match = _REF.match(schema["$ref"])
            parts.append(self.ref(match["name"]) if match else UNKNOWN)
        if "const" in schema:
            parts.append(_literal(schema["const"]))
        elif isinstance(schema.get("enum"), list):
            parts.append(union([_literal(value) for value in schema["enum"]]))
        else:
            parts.append(self.typed(schema))
        if isinstance(schema.get("allOf"), list):
            parts.extend(self.convert(branch) for branch in schema["allOf"])
        for key in ("anyOf", "oneOf"):
            if isinstance(schema.get(key), list) and schema[key]:
                parts.append(union([self.convert(branch) for branch in schema[key]]))
        if schema.get("not") is True or schema.get("not") == {}:
            parts.append(NEVER)  # not: {} accepts nothing
        result = intersection(_loosen(parts))
        if schema.get("nullable") is True and result not in (UNKNOWN, NULL):
            result = union([result, NULL])
        return result

    def kinds(self, schema: dict[str, Any]) -> list[str]:
        kind = schema.get("type")
        if isinstance(kind, str):
            return [kind]
        if isinstance(kind, list):
            return [item for item in kind if isinstance(item, str)]
        if any(key in schema for key in _OBJECT_KEYWORDS):
            return ["object"]
        if any(key in schema for key in _ARRAY_KEYWORDS) and not isinstance(schema.get("items"), bool | type(None)):
            return ["array"]
        return []

    def typed(self, schema: dict[str, Any]) -> Node:
        kinds = self.kinds(schema)
        if not kinds:
            return UNKNOWN
        branches: list[Node] = []
        for kind in kinds:
            if kind == "object":
                branches.append(self.object(schema))
            elif kind == "array":
                branches.append(self.array(schema))
            else:
                branches.append(Atom(_PRIMITIVES.get(kind, "unknown")))
        return union(branches)

    def object(self, schema: dict[str, Any]) -> ObjectType:
        properties: dict[str, Any] = schema["properties"] if isinstance(schema.get("properties"), dict) else {}
        required = [name for name in schema.get("required") or [] if isinstance(name, str)]
        members = [
            Member(property_key(name), self.convert(sub), name not in required, _description(sub))
            for name, sub in properties.items()
        ]
        members += [Member(property_key(name), UNKNOWN) for name in dict.fromkeys(required) if name not in properties]
        extra = schema.get("additionalProperties", schema.get("unevaluatedProperties"))
        index: list[Node] = []
        if extra is True or (extra is None and not properties and "patternProperties" not in schema):
            index.append(UNKNOWN)
        elif isinstance(extra, dict):
            index.append(self.convert(extra))
        if isinstance(schema.get("patternProperties"), dict):
            index.extend(self.convert(sub) for sub in schema["patternProperties"].values())
        index_type: Node | None = None
        if index:
            # Every member must fit the index signature (optional ones with `undefined`).
            fitting = [*index, *(member.type for member in members)]
            if any(member.optional for member in members):
                fitting.append(UNDEFINED)
            index_type = union(fitting)
        elif not members:
            index_type = NEVER  # additionalProperties: false and no properties: only {}
        patterns_only = "patternProperties" in schema and extra is None
        return ObjectType(tuple(members), index_type, patterns_only=patterns_only)

    def array(self, schema: dict[str, Any]) -> Node:
        prefix = schema.get("prefixItems")
        items = schema.get("items")
        rest: Any = items
        if isinstance(items, list):  # draft-04 to 2019-09 tuples
            prefix, rest = items, schema.get("additionalItems", True)
        if not isinstance(prefix, list):
            return ArrayOf(self.convert(True if items is None else items))
        minimum = schema.get("minItems", 0)
        minimum = minimum if isinstance(minimum, int) and not isinstance(minimum, bool) else 0
        elements = tuple(self.convert(sub) for sub in prefix)
        rest_type = None if rest is False else self.convert(True if rest is None else rest)
        return Tuple(elements, min(max(minimum, 0), len(elements)), rest_type)

    def is_interface(self, schema: Any) -> bool:
        """A plain object schema: declared as an ``interface``."""
        if not isinstance(schema, dict) or self.kinds(schema) != ["object"]:
            return False
        blockers = ("$ref", "const", "enum", "allOf", "anyOf", "oneOf")
        if any(key in schema for key in blockers) or schema.get("nullable") is True:
            return False
        return self.object(schema).index != NEVER


# -- declarations --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Declarations:
    """The declarations module's body and the TypeScript name of each ``$defs`` entry."""

    source: str
    names: dict[str, str] = field(default_factory=dict)


def fold_aliases(definitions: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Fold ``A: {$ref: B}`` into ``A`` when nothing else refers to ``B``; return the schemas and the names."""
    schemas = dict(definitions)
    names = {name: name for name in definitions}
    changed = True
    while changed:
        changed = False
        counts: dict[str, int] = {}
        for schema in schemas.values():
            for reference in _references(schema):
                counts[reference] = counts.get(reference, 0) + 1
        for alias in sorted(schemas):
            schema = schemas[alias]
            if not isinstance(schema, dict) or not isinstance(schema.get("$ref"), str):
                continue
            if any(key != "$ref" and not is_annotation(key) for key in schema):
                continue  # only annotations (the runtime's one list) may sit beside the $ref of an alias
            match = _REF.match(schema["$ref"])
            target: str | None = match["name"] if match else None
            if target is None or target == alias or target not in schemas or counts.get(target) != 1:
                continue
            folded = schemas.pop(target)
            # A boolean schema (``$defs: {b: true}``) folds as its object form: {} or {not: {}}.
            merged = dict(folded) if isinstance(folded, dict) else {} if folded else {"not": {}}
            for key in ("description", "title"):
                if key in schema and key not in merged:
                    merged[key] = schema[key]
            schemas[alias] = merged
            for name, current in names.items():
                if current == target:
                    names[name] = alias
            changed = True
            break
    return schemas, names


def _objects_only(node: Node) -> Node:
    """The object part of a payload's type: a payload is always a JSON object on the wire."""
    if node == UNKNOWN:
        return ObjectType((), UNKNOWN)
    if isinstance(node, Union):
        kept = [item for item in node.items if not isinstance(item, ArrayOf | Tuple) and not _is_scalar(item)]
        return union(kept) if kept else ObjectType((), UNKNOWN)
    return node


def _is_scalar(node: Node) -> bool:
    if not isinstance(node, Atom):
        return False
    text = node.text
    return text in ("string", "number", "boolean", "null") or text[:1] in '"-0123456789' or text in ("true", "false")


def declarations(definitions: dict[str, Any], *, width: int = 100, roots: frozenset[str] = frozenset()) -> Declarations:
    """``export`` declarations for ``definitions`` (a bundled ``$defs``), separated by blank lines.

    ``roots`` are the payloads: only their object part is typed (``type: [array, object]`` is the
    object, ``{"not": ...}`` any object).
    """
    schemas, names = fold_aliases(definitions)
    roots = frozenset(names.get(name, name) for name in roots)
    converter = _Converter(names)
    blocks = []
    for name in sorted(schemas):
        schema = schemas[name]
        doc = _description(schema)
        head = doc_comment(doc, width=width) if doc else ""
        if converter.is_interface(schema):
            body = object_body(converter.object(schema), indent=2, width=width)
            blocks.append(f"{head}export interface {name} {{\n{body}}}\n")
        else:
            node = converter.convert(schema)
            if node == Atom(name):  # an alias of itself: JSON Schema accepts anything
                node = UNKNOWN
            if name in roots:
                node = _objects_only(node)
            prefix = f"export type {name} = "
            blocks.append(f"{head}{prefix}{render_type(node, used=len(prefix), width=width)};\n")
    return Declarations("\n".join(blocks), names)
