"""The source of the payload models, written from the relaxed schemas of a fidelity :class:`.Plan`.

One pydantic v2 class per object definition, per inline object and per string enum; every other
definition (a string, an array, a union ...) is written out where it is used. A payload that is
no object class becomes a ``RootModel``. The markers and checks of the plan are written into the
annotations as they are made (``Annotated[..., INTEGRAL, _SCHEMAS.check(...), NOT_NULL]``).

Names: each definition keeps the class name the IR chose for it (its ``$defs`` key); an inline
object or enum is named after its member (``options`` -> ``Options``; the items of ``tags`` ->
``Tag``), numbered when the name is taken (``Options1``, ``Options2``); an inline schema identical
to the last one of its name shares that class. A constrained scalar as an array's items or a
union's branch is a ``RootModel`` of its own (``PairItem``). Fields are the snake_case form of the
wire name, with an alias when the two differ.
"""

from __future__ import annotations

import json
import keyword
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from beeflow_websocket_codegen.naming import pascal_case

from .fidelity import Plan

__all__ = ["ModelsSource", "write_models"]

#: Where each name the models may use comes from.
_MODULES = {
    "Annotated": "typing",
    "Any": "typing",
    "Literal": "typing",
    "UUID": "uuid",
    "date": "datetime",
    "time": "datetime",
    "timedelta": "datetime",
    "IPv4Address": "ipaddress",
    "IPv6Address": "ipaddress",
}
_RUNTIME = frozenset({"INTEGRAL", "NOT_NULL", "WireEnum", "json_default", "JsonSchemas"})
_PYDANTIC = frozenset(
    {
        "AnyUrl",
        "AwareDatetime",
        "BaseModel",
        "ConfigDict",
        "Field",
        "RootModel",
        "StrictBool",
        "StrictFloat",
        "StrictInt",
        "StrictStr",
        "ValidationInfo",
        "model_validator",
    }
)
#: Names the module imports or defines: no class may take them.
_RESERVED = frozenset(
    {*_MODULES, *_RUNTIME, *_PYDANTIC, "_SCHEMAS", "annotations", "list", "dict", "None", "True", "False"}
)
#: The pydantic types of the formats that a pydantic type asserts (``format_assertion``).
_FORMATS = {
    "uuid": "UUID",
    "date-time": "AwareDatetime",
    "date": "date",
    "time": "time",
    "duration": "timedelta",
    "uri": "AnyUrl",
    "ipv4": "IPv4Address",
    "ipv6": "IPv6Address",
}
#: Dot-separated labels of 1 to 63 letters, digits and inner hyphens (RFC 1123).
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOSTNAME = rf"^{_LABEL}(?:\.{_LABEL})*$"
_SCALARS = {"string": "StrictStr", "integer": "StrictInt", "number": "StrictFloat", "boolean": "StrictBool"}
_BOUNDS = {
    "minimum": "ge",
    "maximum": "le",
    "exclusiveMinimum": "gt",
    "exclusiveMaximum": "lt",
    "multipleOf": "multiple_of",
}
#: Names a field cannot take: they are attributes of ``BaseModel`` (a trailing ``_`` is added).
_MODEL_ATTRIBUTES = frozenset(
    {
        "construct",
        "copy",
        "dict",
        "from_orm",
        "json",
        "model_computed_fields",
        "model_config",
        "model_construct",
        "model_copy",
        "model_dump",
        "model_dump_json",
        "model_extra",
        "model_fields",
        "model_fields_set",
        "model_json_schema",
        "model_parametrized_name",
        "model_post_init",
        "model_rebuild",
        "model_validate",
        "model_validate_json",
        "model_validate_strings",
        "parse_file",
        "parse_obj",
        "parse_raw",
        "schema",
        "schema_json",
        "update_forward_refs",
        "validate",
    }
)
#: Names in annotations whose values a JSON literal (``"a"``, ``1``, ``[1]``, ``{}``) already is.
_LITERAL_TYPES = frozenset(
    {"StrictStr", "StrictInt", "StrictFloat", "StrictBool", "Any", "Literal", "list", "dict", "str", "None"}
)
#: Marks a class-less definition among the names a class uses (no class name holds a space).
_ALIAS = "alias "
_IRREGULAR = {"children": "child", "people": "person", "men": "man", "women": "woman", "data": "datum"}
_VALIDATOR = """
    @model_validator(mode="before")
    @classmethod
    def _json_schema(cls, data: Any, info: ValidationInfo) -> Any:
        return _SCHEMAS.validate({check}, data, info)
"""


@dataclass(frozen=True)
class ModelsSource:
    """The models module (unformatted) and the class name of each definition."""

    source: str
    class_names: dict[str, str]


@dataclass
class _Class:
    name: str
    lines: list[str]
    #: the classes (and class-less definitions) its fields name: for the order of the module
    #: and ``model_rebuild``
    refs: set[str] = field(default_factory=set)
    #: a definition without a class: it only orders the classes that use it
    alias: bool = False


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _words_to_snake(name: str) -> str:
    name = re.sub(r"([^_])([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def _base_name(wire: str) -> str:
    """``wire`` as a snake_case identifier (before keyword and clash handling)."""
    name = re.sub(r"\W", "_", wire) or "_"
    if name[0].isdigit():
        name = "field_" + name
    if name.startswith("_"):
        name = "field" + name
    return _words_to_snake(name)


def field_name(wire: str, taken: set[str]) -> str:
    """The Python name of the member ``wire``: ``userId`` -> ``user_id``, ``class`` -> ``class_``."""
    name = _base_name(wire)
    if keyword.iskeyword(name) or name in _MODEL_ATTRIBUTES:
        name += "_"
    return _unused(name, taken)


def _unused(name: str, taken: set[str]) -> str:
    """``name``, or the first of ``name_1``, ``name_2``, ... not in ``taken`` (and now taken)."""
    candidate, counter = name, 1
    while candidate in taken or not candidate.isidentifier():
        candidate = f"{name}_{counter}"
        counter += 1
    taken.add(candidate)
    return candidate


def member_name(value: str, taken: set[str]) -> str:
    """The enum member of ``value``: ``1st place`` -> ``FIELD_1ST_PLACE``, ``a-b`` -> ``A_B``."""
    name = _base_name(value).upper()
    if keyword.iskeyword(name) or name in ("MRO", "_"):
        name += "_"
    return _unused(name, taken)


def _singular(name: str) -> str:
    """``Tags`` -> ``Tag``, ``Entries`` -> ``Entry``; a word that is no plural gets ``Item``."""
    lower = name.lower()
    for plural, single in _IRREGULAR.items():
        if lower.endswith(plural):
            cut = len(name) - len(plural)
            return name[:cut] + (single.capitalize() if name[cut].isupper() else single)
    if lower.endswith("ies") and len(name) > 3:
        return name[:-3] + "y"
    if lower.endswith(("sses", "uses", "xes", "ches", "shes", "zes")):
        return name[:-2]
    if lower.endswith("s") and not lower.endswith(("ss", "us", "is")) and len(name) > 1:
        return name[:-1]
    return name + "Item"


def _number(value: Any, kind: str) -> str:
    if kind == "integer" and isinstance(value, int | float) and float(value).is_integer():
        return repr(int(value))
    return repr(float(value)) if isinstance(value, int | float) and not isinstance(value, bool) else repr(value)


def _integral(value: Any) -> Any:
    """``value`` with integral floats as ints (JSON Schema counts ``1.0`` as an integer)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_integral(item) for item in value]
    if isinstance(value, dict):
        return {key: _integral(item) for key, item in value.items()}
    return value


def _docstring(text: str) -> list[str]:
    text = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"').replace("\r\n", "\n").replace("\r", "\n")
    # Control characters and line separators other than \n and \t cannot stand in source as they are.
    text = "".join(
        char if char in "\n\t" or unicodedata.category(char) not in ("Cc", "Zl", "Zp") else repr(char)[1:-1]
        for char in text
    )
    body = ["    " + line if line.strip() else "" for line in text.strip("\n").split("\n")]
    if body and body[-1].endswith('"'):
        body[-1] = body[-1][:-1] + '\\"'
    return ['    """', *body, '    """']


def _split_union(text: str) -> list[str]:
    """The top-level members of the union ``text`` (``A | list[B | C] | None`` -> three)."""
    parts, depth, start, quote, escaped = [], 0, 0, "", False
    for index, char in enumerate(text):
        if quote:
            escaped, quote = (not escaped and char == "\\"), ("" if char == quote and not escaped else quote)
        elif char in "'\"":
            quote = char
        elif char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(text[start:index].strip())
            start = index + 1
    parts.append(text[start:].strip())
    return parts


class _Writer:
    def __init__(self, definitions: dict[str, Any], fidelity: Plan, roots: frozenset[str]) -> None:
        self.definitions = definitions
        self.relaxed = fidelity.relaxed
        self.fidelity = fidelity
        self.roots = roots
        self.used: set[str] = set()
        self.classes: list[_Class] = []
        self.taken: set[str] = set()
        #: pointer of an inline object or enum (or a definition) -> its class
        self.by_pointer: dict[str, str] = {}
        #: base name (``Options``) -> the kind and original schema (JSON) of its last class, and that class
        self.last_of: dict[str, tuple[str, str]] = {}
        self.class_names: dict[str, str] = {}
        self.enum_values: dict[str, dict[str, str]] = {}
        #: the classes that are models (``BaseModel`` or ``RootModel``): definitions, then inline ones as made
        self.models: set[str] = set()
        #: class-less definition -> its annotation, Field keywords and the names it uses
        self.aliases: dict[str, tuple[str, dict[str, str], set[str]]] = {}
        #: class-less definition -> the ``RootModel`` made for it where it is constrained array items
        self.alias_classes: dict[str, str] = {}
        self.referenced = {name for schema in self.relaxed.values() for name in _refs(schema)}
        self.taken.update(_RESERVED)
        classes = [name for name in definitions if self.kind(name) != "alias"]
        # Every definition's name, with a class or not: inline classes are numbered around them.
        self.taken.update(name for name in definitions if name not in _RESERVED)
        for name in classes:
            # A definition named like an import (``Field``) is numbered, as an inline class would be.
            self.class_names[name] = self.unique(name) if name in _RESERVED else name
            self.by_pointer[_escape(name)] = self.class_names[name]
            if self.kind(name) != "enum":
                self.models.add(self.class_names[name])

    def kind(self, name: str) -> str:
        relaxed = self.relaxed[name]
        if name in self.roots:
            if isinstance(relaxed, dict) and relaxed.get("properties"):
                return "model"
            if isinstance(relaxed, dict) and relaxed.get("additionalProperties") is True:
                return "model"
            return "root"
        unused_object = name not in self.referenced and isinstance(relaxed, dict) and relaxed.get("type") == "object"
        if unused_object and not isinstance(relaxed.get("additionalProperties"), dict):
            return "model"  # used nowhere and no mapping type to write: a class without fields
        if not isinstance(relaxed, dict):
            return "alias"
        if relaxed.get("type") == "object" and relaxed.get("properties"):
            return "model"
        if relaxed.get("type") == "string" and "enum" in relaxed:
            return "enum"
        # Written out where it is used; a definition used nowhere is a class of its own.
        return "alias" if name in self.referenced else "root"

    def use(self, *names: str) -> None:
        self.used.update(names)

    # Types -----------------------------------------------------------------------------------

    def type_of(self, node: Any, pointer: str, hint: str, refs: set[str]) -> tuple[str, dict[str, str]]:
        """The annotation of ``node`` and the ``Field`` keywords that constrain it."""
        keywords: dict[str, str]
        if not isinstance(node, dict):
            self.use("Any")
            return "Any", {}
        if "$ref" in node:
            name = node["$ref"].removeprefix("#/$defs/")
            if name in self.class_names:
                refs.add(self.class_names[name])
                return self.class_names[name], {}
            refs.add(_ALIAS + name)  # written out here; the module's order still follows it
            text, keywords = self.alias(name)
            description = self.relaxed[name].get("description") if isinstance(self.relaxed[name], dict) else None
            if isinstance(description, str):
                keywords = {"description": repr(description), **keywords}
            return text, keywords
        kind = node.get("type")
        if isinstance(kind, list):
            members: list[str] = []
            keywords = {}
            for item in kind:
                if item == "null":
                    continue
                text, item_keywords = self.type_of({**node, "type": item}, pointer, hint, refs)
                if len(kind) - ("null" in kind) == 1:
                    keywords = item_keywords
                else:
                    text = self.annotated(text, item_keywords)
                members.append(text)
            if "null" in kind:
                members.append("None")
            return " | ".join(dict.fromkeys(members)) or "None", keywords
        if "enum" in node and kind == "string":
            return self.enum(node, pointer, hint), {}
        if "const" in node:
            self.use("Literal")
            return f"Literal[{node['const']!r}]", {}
        if kind in _SCALARS:
            return self.scalar(node, kind)
        if kind == "null":
            return "None", {}
        if kind == "array":
            keywords = {
                key: repr(node[word])
                for word, key in (("maxItems", "max_length"), ("minItems", "min_length"))
                if word in node
            }
            if "items" not in node:
                self.use("Any")
                return "list[Any]", keywords
            return f"list[{self.wrapped(node['items'], f'{pointer}/items', _singular(hint), refs)}]", keywords
        if kind == "object":
            if node.get("properties"):
                return self.inline_model(node, pointer, hint, refs), {}
            values = node.get("additionalProperties")
            if isinstance(values, dict):
                text, value_keywords = self.type_of(values, f"{pointer}/additionalProperties", hint, refs)
                return f"dict[str, {self.annotated(text, value_keywords)}]", {}
            self.use("Any")
            return "dict[str, Any]", {}
        for combinator in ("anyOf", "oneOf"):
            if combinator in node:
                members = []
                for index, branch in enumerate(node[combinator]):
                    members.extend(_split_union(self.wrapped(branch, f"{pointer}/{combinator}/{index}", hint, refs)))
                return " | ".join(dict.fromkeys(members)), {}
        self.use("Any")
        return "Any", {}

    def alias(self, name: str) -> tuple[str, dict[str, str]]:
        """The type of the definition ``name`` that has no class (written out where it is used)."""
        if name not in self.aliases:
            refs: set[str] = set()
            text, keywords = self.type_of(self.relaxed[name], _escape(name), name, refs)
            self.aliases[name] = (text, keywords, refs)
        text, keywords, _ = self.aliases[name]
        return text, dict(keywords)

    def scalar(self, node: dict[str, Any], kind: str) -> tuple[str, dict[str, str]]:
        keywords: dict[str, str] = {}
        text = _SCALARS[kind]
        if kind == "string":
            fmt = node.get("format")
            if fmt in _FORMATS:
                text = _FORMATS[fmt]
            elif fmt == "hostname":
                keywords["pattern"] = repr(_HOSTNAME)
            for word, key in (("maxLength", "max_length"), ("minLength", "min_length"), ("pattern", "pattern")):
                if word in node:
                    keywords[key] = repr(node[word])
        else:
            for word, key in _BOUNDS.items():
                if word in node:
                    keywords[key] = _number(node[word], kind)
        self.use(text)
        return text, keywords

    def annotated(self, text: str, keywords: dict[str, str], extras: tuple[str, ...] = ()) -> str:
        parts = []
        if keywords:
            self.use("Field")
            parts.append("Field(" + ", ".join(f"{key}={keywords[key]}" for key in sorted(keywords)) + ")")
        parts.extend(extras)
        if not parts:
            return text
        self.use("Annotated")
        return f"Annotated[{text}, {', '.join(parts)}]"

    # Classes ---------------------------------------------------------------------------------

    def unique(self, wanted: str) -> str:
        name, counter = wanted, 1
        while name in self.taken:
            name = f"{wanted}{counter}"
            counter += 1
        self.taken.add(name)
        return name

    def shared(self, pointer: str, kind: str, hint: str) -> tuple[str | None, str]:
        """The class to reuse for the inline schema at ``pointer``, and the key to remember it by.

        The last class made under the same name (``Options``, ``Options1`` ...) is reused when its
        schema is identical: the same ``options`` object in consecutive payloads shares one class.
        """
        schema = json.dumps(_subschema(self.definitions, pointer), sort_keys=True, ensure_ascii=False)
        base = pascal_case(hint, fallback=kind.capitalize())
        last = self.last_of.get(base)
        key = f"{kind} {schema}"
        if last is not None and last[0] == key:
            self.by_pointer[pointer] = last[1]
            return last[1], base
        return None, base

    def enum(self, node: dict[str, Any], pointer: str, hint: str) -> str:
        if pointer in self.by_pointer:
            return self.by_pointer[pointer]
        found, base = self.shared(pointer, "enum", hint)
        name = self.unique(base)  # taken even when shared, as the numbers have always been
        if found is not None:
            return found
        self.remember(pointer, "enum", base, name)
        self.enum_class(name, node)
        return name

    def remember(self, pointer: str, kind: str, base: str, name: str) -> None:
        schema = json.dumps(_subschema(self.definitions, pointer), sort_keys=True, ensure_ascii=False)
        self.by_pointer[pointer] = name
        self.last_of[base] = (f"{kind} {schema}", name)

    def enum_class(self, name: str, node: dict[str, Any]) -> None:
        self.use("WireEnum")
        lines = [f"class {name}(WireEnum):"]
        if isinstance(node.get("description"), str):
            lines.extend(_docstring(node["description"]))
        taken: set[str] = set()
        members = self.enum_values.setdefault(name, {})
        for value in dict.fromkeys(node["enum"]):
            member = member_name(value, taken)
            members[value] = member
            lines.append(f"    {member} = {value!r}")
        if len(lines) == 1:
            lines.append("    pass")
        self.classes.append(_Class(name, lines))

    def inline_model(self, node: dict[str, Any], pointer: str, hint: str, refs: set[str]) -> str:
        if pointer not in self.by_pointer:
            found, base = self.shared(pointer, "model", hint)
            name = self.unique(base)  # taken even when shared, as the numbers have always been
            if found is None:
                self.model(name, node, pointer)
                self.remember(pointer, "model", base, name)  # after its members': the last one made
        refs.add(self.by_pointer[pointer])
        return self.by_pointer[pointer]

    def wrapped(self, node: Any, pointer: str, name_hint: str, refs: set[str]) -> str:
        """The type of an array's items or a union's branch: a constrained scalar or array is a
        ``RootModel`` class of its own (``PairItem``; ``Point`` for a definition), as the models have
        always had it."""
        inner: set[str] = set()
        text, keywords = self.type_of(node, pointer, name_hint, inner)
        if (
            not keywords
            or not isinstance(node, dict)
            or node.get("$ref", "").removeprefix("#/$defs/") in self.class_names
        ):
            refs.update(inner)
            return self.annotated(text, keywords)
        if "$ref" in node:
            name = node["$ref"].removeprefix("#/$defs/")
            if name not in self.alias_classes:
                self.alias_classes[name] = self.unique(name) if name in _RESERVED else name
                self.root_class(self.alias_classes[name], text, keywords, inner)
            refs.add(self.alias_classes[name])
            return self.alias_classes[name]
        if pointer not in self.by_pointer:
            found, base = self.shared(pointer, "root", name_hint)
            name = self.unique(base)
            if found is None:
                self.remember(pointer, "root", base, name)
                if isinstance(node.get("description"), str):
                    keywords["description"] = repr(node["description"])
                self.root_class(name, text, keywords, inner)
        refs.add(self.by_pointer[pointer])
        return self.by_pointer[pointer]

    def root_class(self, name: str, text: str, keywords: dict[str, str], refs: set[str]) -> None:
        """A ``RootModel`` that holds a constrained value where no ``Field`` can stand."""
        self.models.add(name)
        self.use("RootModel", "ConfigDict")
        extras = ("INTEGRAL",) if re.search(r"\bStrictInt\b", text) else ()
        self.use(*extras)
        lines = [
            f"class {name}(RootModel[{text}]):",
            "    model_config = ConfigDict(strict=True)",
            "",
            f"    root: {self.annotated(text, keywords, extras)}",
        ]
        self.classes.append(_Class(name, lines, refs))

    def definition(self, name: str) -> None:
        kind = self.kind(name)
        pointer = _escape(name)
        node = self.relaxed[name]
        if kind == "model":
            self.model(self.class_names[name], node, pointer)
        elif kind == "enum":
            self.enum_class(self.class_names[name], node)
        elif kind == "root":
            self.root_model(self.class_names[name], node, pointer)
        else:
            self.alias(name)
            self.classes.append(_Class(_ALIAS + name, [], self.aliases[name][2], alias=True))

    def model(self, name: str, node: dict[str, Any], pointer: str) -> None:
        self.models.add(name)
        lines = [f"class {name}(BaseModel):"]
        self.use("BaseModel", "ConfigDict")
        if isinstance(node.get("description"), str):
            lines.extend(_docstring(node["description"]))
        lines.append("    model_config = ConfigDict(")
        lines.append("        strict=True,")
        extra = node.get("additionalProperties")
        if extra is False or extra is True:
            lines.append(f"        extra={'forbid' if extra is False else 'allow'!r},")
        lines.append("        populate_by_name=True,")
        lines.append("    )")
        refs: set[str] = set()
        required = set(node.get("required") or [])
        checks = self.fidelity.member_checks.get(pointer, {})
        not_null = self.fidelity.not_null.get(pointer, set())
        taken: set[str] = set()
        for wire, member in (node.get("properties") or {}).items():
            member_pointer = f"{pointer}/properties/{_escape(wire)}"
            python = field_name(wire, taken)
            text, keywords = self.type_of(member, member_pointer, pascal_case(wire, fallback="Model"), refs)
            keywords = dict(keywords)
            if isinstance(member, dict):
                for word in ("description", "title"):
                    if isinstance(member.get(word), str):
                        keywords[word] = repr(member[word])
            if python != wire:
                keywords["alias"] = repr(wire)
            optional = wire not in required
            if optional and "None" not in _split_union(text) and text != "Any":
                text += " | None"
            elif optional and text == "Any":
                text = "Any | None"
            extras: list[str] = []
            if re.search(r"\bStrictInt\b", text):
                extras.append("INTEGRAL")
                self.use("INTEGRAL")
            if wire in checks:
                where, _, words = checks[wire].partition("#")
                arguments = [where, *(words.split(",") if words else [])]
                extras.append(
                    f"_SCHEMAS.check({', '.join(json.dumps(item, ensure_ascii=False) for item in arguments)})"
                )
                self.use("_SCHEMAS")
            if optional and wire in not_null:
                extras.append("NOT_NULL")  # last: None skips the other checks (it means absent)
                self.use("NOT_NULL")
            value = self.default_of(member) if optional else None
            if isinstance(value, dict | list) and self.names_a_model(text):
                keywords["validate_default"] = "True"
            line = f"    {python}: {self.annotated(text, keywords, tuple(extras))}"
            lines.append(f"{line} = {self.default(value, text)}" if optional else line)
        if pointer in self.fidelity.object_checks:
            lines.extend(self.validator(pointer))
        self.classes.append(_Class(name, lines, refs))

    def root_model(self, name: str, node: Any, pointer: str) -> None:
        self.models.add(name)
        refs: set[str] = set()
        text, keywords = self.type_of(node, pointer, name, refs)
        if isinstance(node, dict) and isinstance(node.get("description"), str) and name not in self.roots:
            keywords["description"] = repr(node["description"])
        else:
            keywords.pop("description", None)
        self.use("RootModel", "ConfigDict")
        lines = [f"class {name}(RootModel[{text}]):"]
        if isinstance(node, dict) and isinstance(node.get("description"), str):
            lines.extend(_docstring(node["description"]))
        lines += ["    model_config = ConfigDict(strict=True)", ""]
        extras = ("INTEGRAL",) if re.search(r"\bStrictInt\b", text) else ()
        self.use(*extras)
        lines.append(f"    root: {self.annotated(text, keywords, extras)}")
        if pointer in self.fidelity.object_checks:
            lines.extend(self.validator(pointer))
        self.classes.append(_Class(name, lines, refs))

    def validator(self, pointer: str) -> list[str]:
        self.use("_SCHEMAS", "model_validator", "ValidationInfo", "Any")
        check = json.dumps(object_check(self.fidelity, pointer), ensure_ascii=False)
        return _VALIDATOR.format(check=check).rstrip("\n").split("\n")

    def names_a_model(self, text: str) -> bool:
        """Whether the annotation ``text`` names a model class (not only enums and builtins)."""
        names = set(re.findall(r"[A-Za-z_]\w*", re.sub(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", "", text)))
        return bool(names & self.models)

    def default_of(self, member: Any) -> Any:
        """The JSON default of a member: its own, else that of the definition it refers to."""
        if not isinstance(member, dict):
            return None
        if "default" in member:
            return member["default"]
        target = self.relaxed.get(member.get("$ref", "").removeprefix("#/$defs/")) if "$ref" in member else None
        return target.get("default") if isinstance(target, dict) else None

    def default(self, value: Any, text: str) -> str:
        """The default of an optional member typed ``text``: as a Python literal when it fits the type."""
        if value is None:
            return "None"
        members = [member for member in _split_union(text) if member != "None"]
        enum = self.enum_values.get(members[0], {}) if len(members) == 1 else {}
        if isinstance(value, str) and value in enum:
            return f"{members[0]}.{enum[value]}"
        names = set(re.findall(r"[A-Za-z_]\w*", re.sub(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", "", text)))
        if names <= _LITERAL_TYPES:
            return repr(_integral(value) if "StrictInt" in names and "StrictFloat" not in names else value)
        self.use("json_default")
        literal = json.dumps(json.dumps(value, ensure_ascii=False), ensure_ascii=False)
        return f"json_default(lambda: {' | '.join(members)}, {literal})"

    # The module ------------------------------------------------------------------------------

    def ordered(self) -> tuple[list[_Class], list[str]]:
        """The classes, each after the classes it names where possible; and those to rebuild."""
        done: dict[str, _Class] = {}
        rebuild: list[str] = []
        pending = list(self.classes)
        while pending:
            waiting = []
            for item in pending:
                if item.refs - {item.name} - done.keys():
                    waiting.append(item)
                    continue
                done[item.name] = item
                if item.name in item.refs:
                    rebuild.append(item.name)
            if len(waiting) == len(pending):
                # A cycle: in the order they came; a class naming one not yet written is rebuilt
                # once every class exists.
                for item in waiting:
                    if item.refs - {item.name} - done.keys():
                        rebuild.append(item.name)
                    done[item.name] = item
                break
            pending = waiting
        classes = [item for item in done.values() if not item.alias]
        names = {item.name for item in classes}
        return classes, [name for name in rebuild if name in names]

    def source(self) -> str:
        for name in self.definitions:
            self.definition(name)
        classes, rebuild = self.ordered()
        body = "\n\n\n".join("\n".join(item.lines) for item in classes)
        if rebuild:
            body += "\n\n\n" + "\n".join(f"{name}.model_rebuild()" for name in rebuild)
        return body + "\n"


def _subschema(definitions: dict[str, Any], pointer: str) -> Any:
    node: Any = definitions
    for part in pointer.split("/"):
        key = part.replace("~1", "/").replace("~0", "~")
        node = node[int(key)] if isinstance(node, list) else node.get(key) if isinstance(node, dict) else None
    return node


def object_check(fidelity: Plan, pointer: str) -> str:
    """What an object's model validator checks: its schema, or only the keywords its class cannot enforce."""
    keywords = fidelity.object_keywords.get(pointer)
    return f"{pointer}#{','.join(keywords)}" if keywords else pointer


def _needed(definitions: dict[str, Any], names: set[str]) -> dict[str, Any]:
    """``names`` and every definition they reference, in the order of ``definitions``."""
    seen: set[str] = set()
    stack = list(names)
    while stack:
        name = stack.pop()
        if name in seen or name not in definitions:
            continue
        seen.add(name)
        stack.extend(_refs(definitions[name]))
    return {name: definitions[name] for name in definitions if name in seen}


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"].removeprefix("#/$defs/")] if isinstance(node.get("$ref"), str) else []
        for value in node.values():
            found.extend(_refs(value))
        return found
    if isinstance(node, list):
        return [name for item in node for name in _refs(item)]
    return []


def _literal(value: Any) -> str:
    """``value`` (JSON) as a Python literal."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_literal(key)}: {_literal(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(item) for item in value) + "]"
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return f"float({str(value)!r})"
    return repr(value)


def _header(used: set[str], fidelity: Plan, definitions: dict[str, Any]) -> str:
    """The imports (ruff sorts them) and the ``_SCHEMAS`` of the checks."""
    lines = ["from __future__ import annotations", ""]
    modules: dict[str, set[str]] = {}
    for name in sorted(used - _RUNTIME - {"_SCHEMAS"}):
        modules.setdefault(_MODULES.get(name, "pydantic"), set()).add(name)
    lines.extend(f"from {module} import {', '.join(sorted(names))}" for module, names in sorted(modules.items()))
    runtime = sorted((used & _RUNTIME) | ({"JsonSchemas"} if "_SCHEMAS" in used else set()))
    if runtime:
        # Through a sibling module: a relative import sorts the same whether the project counts
        # beeflow_websocket as first- or third-party.
        lines.append(f"from ._runtime import {', '.join(runtime)}")
    if "_SCHEMAS" in used:
        pointers = [pointer for checks in fidelity.member_checks.values() for pointer in checks.values()]
        pointers.extend(fidelity.object_checks)
        roots = {pointer.split("/", 1)[0].replace("~1", "/").replace("~0", "~") for pointer in pointers}
        models = ""
        if fidelity.object_checks:
            checks = sorted(object_check(fidelity, pointer) for pointer in fidelity.object_checks)
            models = ", models=(" + "".join(f"{json.dumps(check, ensure_ascii=False)}, " for check in checks) + ")"
        lines += [
            "",
            "",
            "#: The JSON Schemas behind the checks that pydantic types cannot express (JSON Schema 2020-12).",
            f"_SCHEMAS = JsonSchemas({_literal(_needed(definitions, roots))}{models})",
        ]
    return "\n".join(lines) + "\n\n\n"


def write_models(definitions: dict[str, Any], fidelity: Plan, roots: frozenset[str]) -> ModelsSource:
    """The models module of ``definitions`` (relaxed and checked as ``fidelity`` says)."""
    writer = _Writer(definitions, fidelity, roots)
    body = writer.source()
    names = {name: writer.class_names.get(name, name) for name in definitions}
    return ModelsSource(_header(writer.used, fidelity, definitions) + body, names)
