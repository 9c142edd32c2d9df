"""Payload schemas gathered into one self-contained JSON Schema document.

Each message payload and each schema a ``$ref`` reaches (in this file or another) becomes one
entry of ``$defs`` with a name of its own, and every ``$ref`` is rewritten to point at that entry,
so the model generator sees one document with no outside references. A schema reached twice (a
``components/schemas`` entry shared by several messages, a recursive schema) is one entry.

Each schema is checked against its dialect's meta-schema on the way; the errors point into the
user's files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urldefrag, urljoin

from jsonschema import validators  # type: ignore[import-untyped]
from jsonschema.exceptions import best_match  # type: ignore[import-untyped]

from beeflow_websocket.jsonschema import keywords
from beeflow_websocket.jsonschema.keywords import is_annotation

from .dialects import id_of, ignored_keyword, ignored_ref_sibling, is_keyword, normalize, ref_overrides_siblings
from .errors import SpecError
from .naming import Namespace, pascal_case
from .spec.workspace import Location, Workspace, kind_of

__all__ = ["ASYNCAPI_DIALECT", "DEFAULT_DIALECT", "SchemaBundle", "admits_objects"]

#: Dropped from the bundle: identifiers and nested definitions (references are rewritten anyway).
_DROPPED = keywords.IDENTIFIERS | keywords.DEFINITIONS
#: What stays of a schema with ``$ref`` when the dialect ignores the siblings of ``$ref``: annotations
#: that check nothing, a ``default`` too (AsyncAPI documents put one there for the absent member).
_REF_KEPT = frozenset({"$ref", "$schema", "title", "description", "default"})
_UNSUPPORTED = {
    "$dynamicRef": "$dynamicRef is not supported; use $ref",
    "$recursiveRef": "$recursiveRef is not supported; use $ref",
}
#: Formats whose pydantic types need packages the runtime does not install (email-validator):
#: dropped, so such strings are checked as plain strings (``format`` is an annotation in JSON Schema).
_OPTIONAL_FORMATS = frozenset({"email", "idn-email"})
_DRAFT_URIS = {
    "draft-04": "http://json-schema.org/draft-04/schema#",
    "draft-06": "http://json-schema.org/draft-06/schema#",
    "draft-07": "http://json-schema.org/draft-07/schema#",
    "2019-09": "https://json-schema.org/draft/2019-09/schema",
    "2020-12": "https://json-schema.org/draft/2020-12/schema",
}
DEFAULT_DIALECT = _DRAFT_URIS["2020-12"]
#: AsyncAPI's default schema format (the AsyncAPI Schema Object) is a superset of draft-07.
ASYNCAPI_DIALECT = _DRAFT_URIS["draft-07"]
#: Names the models module imports: schemas are never given these.
MODEL_MODULE_NAMES = frozenset(
    {
        "Annotated",
        "Any",
        "AnyUrl",
        "AwareDatetime",
        "BaseModel",
        "ConfigDict",
        "Decimal",
        "Enum",
        "EmailStr",
        "Field",
        "IntEnum",
        "Literal",
        "Model",
        "RootModel",
        "StrEnum",
        "StrictBool",
        "StrictBytes",
        "StrictFloat",
        "StrictInt",
        "StrictStr",
        "UUID",
        "annotations",
        "date",
        "datetime",
        "time",
        "timedelta",
    }
)


def dialect_uri(name: str) -> str | None:
    """The meta-schema URI of a dialect named in a ``schemaFormat`` (``draft-07``, ``2020-12``)."""
    return _DRAFT_URIS.get(name)


@dataclass
class _Entry:
    name: str
    location: Location
    schema: Any = None


@dataclass
class SchemaBundle:
    """Schemas by name (``$defs``), built from the payloads of the messages."""

    workspace: Workspace
    names: Namespace = field(default_factory=lambda: Namespace(MODEL_MODULE_NAMES))
    _entries: dict[str, _Entry] = field(default_factory=dict)  # by location key
    _validators: dict[str, Any] = field(default_factory=dict)
    _checked: set[str] = field(default_factory=set)
    #: bundled schemas with a ``default``: (schema, where the default is, dialect)
    _defaults: list[tuple[dict[str, Any], Location]] = field(default_factory=list)

    @property
    def definitions(self) -> dict[str, Any]:
        """``$defs`` of the bundle, sorted by name."""
        entries = sorted(
            (entry for entry in self._entries.values() if entry.schema is not None), key=lambda item: item.name
        )
        return {entry.name: entry.schema for entry in entries}

    def locations(self) -> dict[str, Location]:
        """Where each definition came from, by name."""
        return {entry.name: entry.location for entry in self._entries.values()}

    def reserve(self, location: Location, name: str) -> None:
        """Give the schema at ``location`` the name ``name`` (or a numbered variant) before it is reached."""
        if location.key not in self._entries:
            self._entries[location.key] = _Entry(self.names.take(name), location)

    def add(self, schema: Any, location: Location, base: str, *, name: str, dialect: str) -> str:
        """Add the schema at ``location`` (a payload) and everything it references; return its name."""
        entry = self._entries.get(location.key)
        if entry is not None and entry.schema is not None:
            return entry.name
        if entry is None:
            entry = self._entries[location.key] = _Entry(self.names.take(name), location)
        entry.schema = {}  # a placeholder, so recursion reuses the entry
        self._check_schema(schema, location, base, dialect)
        entry.schema = self._bundle(schema, location, base, dialect)
        return entry.name

    def _check_schema(self, schema: Any, location: Location, base: str, dialect: str) -> None:
        if location.key in self._checked:
            return
        self._checked.add(location.key)
        if isinstance(schema, dict) and isinstance(schema.get("$schema"), str):
            dialect = schema["$schema"]
        validator = self._validators.get(dialect)
        if validator is None:
            cls = validators.validator_for({"$schema": dialect}, default=None)
            if cls is None:
                raise SpecError(
                    self.workspace.diagnostic(
                        f"unsupported JSON Schema dialect {dialect!r}: use draft-04, -06, -07, 2019-09 or 2020-12",
                        location.child("$schema"),
                    )
                )
            validator = self._validators[dialect] = cls(cls.META_SCHEMA)
        error = best_match(validator.iter_errors(schema))
        if error is not None:
            where = location.child(*error.absolute_path)
            raise SpecError(self.workspace.diagnostic(f"invalid JSON Schema: {error.message}", where))

    def _bundle(self, node: Any, location: Location, base: str, dialect: str) -> Any:
        if not isinstance(node, dict):
            return node
        if isinstance(node.get("$schema"), str):
            dialect = node["$schema"]
        if "$ref" in node and ref_overrides_siblings(dialect):
            # Up to draft-07 the siblings of $ref, $id included, are ignored.
            for key in node:
                if key not in _REF_KEPT and key not in keywords.DEFINITIONS and not is_annotation(key):
                    self.workspace.warn(ignored_ref_sibling(key, dialect), location.child(key))
            node = {key: value for key, value in node.items() if key in _REF_KEPT}
        own_id = id_of(node, dialect)
        # Reached by its own URI (a $ref to its $id, a file with an $id), its $id is applied already.
        if own_id is not None and location.pointer is not None and not self.workspace.identifies(base, node):
            base = urldefrag(urljoin(base, own_id)).url
        result: dict[str, Any] = {}
        for key, value in node.items():
            where = location.child(key)
            if not is_keyword(key, dialect):
                # Not a keyword of this dialect: ignored, as validators of the dialect do.
                if not is_annotation(key):
                    self.workspace.warn(ignored_keyword(key, dialect), where)
                continue
            if key in _UNSUPPORTED:
                raise SpecError(self.workspace.diagnostic(_UNSUPPORTED[key], where))
            if key in _DROPPED:
                continue
            if key == "$ref":
                result[key] = "#/$defs/" + self._reference(value, where, base, dialect)
            elif key == "discriminator" and isinstance(value, str):
                continue  # AsyncAPI's discriminator names a property; it adds no check
            elif key in keywords.SCHEMA_MAPS and isinstance(value, dict):
                result[key] = {
                    name: self._bundle(item, where.child(name), base, dialect) for name, item in value.items()
                }
            elif key in keywords.SCHEMA_LISTS and isinstance(value, list):
                result[key] = [
                    self._bundle(item, where.child(index), base, dialect) for index, item in enumerate(value)
                ]
            elif key in keywords.SCHEMA_VALUED:
                result[key] = self._bundle(value, where, base, dialect)
            elif key == "dependencies" and isinstance(value, dict):
                result[key] = {
                    name: self._bundle(item, where.child(name), base, dialect) if isinstance(item, dict) else item
                    for name, item in value.items()
                }
            elif key.startswith("x-") or (key == "format" and value in _OPTIONAL_FORMATS):
                continue
            else:
                result[key] = value
        result = normalize(result, dialect)
        if isinstance(result, dict) and "default" in result:
            self._defaults.append((result, location.child("default")))
        return result

    def drop_invalid_defaults(self) -> None:
        """Leave out each ``default`` its own schema refuses, with a warning on the workspace.

        A default is an annotation, but the generated models use it as the value of an absent
        member: one that does not validate would give code that fails ``mypy`` and ``tsc``.
        """
        definitions = self.definitions
        for schema, where in self._defaults:  # bundled schemas are normalized to 2020-12 (see .dialects)
            root = {key: value for key, value in schema.items() if key != "default"}
            error = best_match(
                validators.Draft202012Validator({**root, "$defs": definitions}).iter_errors(schema["default"])
            )
            if error is None:
                continue
            del schema["default"]
            reason = error.message + (f" at {error.json_path}" if error.path else "")
            self.workspace.warn(
                f"the default does not match its schema ({reason}): left out of the generated code", where
            )

    def _reference(self, ref: Any, site: Location, base: str, dialect: str) -> str:
        target, location, target_base = self.workspace.resolve(ref, base, site, dialect)
        if location.pointer is None:
            location = Location(location.uri + "#" + str(ref), None)
        entry = self._entries.get(location.key)
        if entry is not None and entry.schema is not None:
            return entry.name
        name = entry.name if entry is not None else self.name_for(target, location)
        return self.add(target, location, target_base, name=name, dialect=dialect)

    def name_for(self, target: Any, location: Location) -> str:
        from .spec.source import pointer_parts

        parts = pointer_parts(location.pointer or "")
        if not parts:
            title = target.get("title") if isinstance(target, dict) else None
            if isinstance(title, str) and title.strip():
                return pascal_case(title, fallback="Schema")
            stem = location.uri.rstrip("/").rsplit("/", 1)[-1].split(".", 1)[0]
            return pascal_case(stem, fallback="Schema")
        if len(parts) >= 2 and parts[-2] in ("$defs", "definitions", "schemas", "messages"):
            return pascal_case(parts[-1], fallback="Schema")
        if len(parts) >= 3 and parts[-1] == "payload" and parts[-3] == "messages":
            return pascal_case(parts[-2], fallback="Message") + "Payload"
        return pascal_case(parts[-1], fallback="Schema")


def admits_objects(schema: Any, resolve: Any = None, *, dialect: str = DEFAULT_DIALECT, depth: int = 0) -> bool | str:
    """``True`` when some JSON object is valid against ``schema``, else what it admits instead.

    Conservative: ``True`` unless the schema plainly admits no object (a ``type`` without
    ``object``, a non-object ``const`` or ``enum``, ``false``, ``not: {}``, and combinations of
    those through ``$ref``, ``allOf``, ``anyOf`` and ``oneOf``).
    """
    if isinstance(schema, bool):
        return True if schema else "nothing"
    if not isinstance(schema, dict):
        return kind_of(schema)
    if depth > 32:
        return True
    if isinstance(schema.get("$schema"), str):
        dialect = schema["$schema"]
    if "$ref" in schema and ref_overrides_siblings(dialect):
        schema = {"$ref": schema["$ref"]}
    kind = schema.get("type")
    if kind is not None:
        kinds = kind if isinstance(kind, list) else [kind]
        if "object" not in kinds:
            return "values of type " + ", ".join(str(item) for item in kinds)
    if "const" in schema and not isinstance(schema["const"], dict):
        return "a constant that is not an object"
    if isinstance(schema.get("enum"), list) and not any(isinstance(item, dict) for item in schema["enum"]):
        return "enum values that are not objects"
    if schema.get("not") is True or schema.get("not") == {}:
        return "nothing (not: {})"
    if "$ref" in schema and resolve is not None:
        verdict = admits_objects(resolve(schema), resolve, dialect=dialect, depth=depth + 1)
        if verdict is not True:
            return verdict
    for branch in schema.get("allOf") or []:
        verdict = admits_objects(branch, resolve, dialect=dialect, depth=depth + 1)
        if verdict is not True:
            return verdict
    for keyword in ("anyOf", "oneOf"):
        branches = schema.get(keyword)
        if isinstance(branches, list) and branches:
            verdicts = [admits_objects(branch, resolve, dialect=dialect, depth=depth + 1) for branch in branches]
            if True not in verdicts:
                return str(verdicts[0])
    return True
