"""The shape of an AsyncAPI 3.0/3.1 document, checked without the network.

The official meta-schema lives online and its errors are hard to read (one ``oneOf`` failure per
typo). This module describes the objects of AsyncAPI 3 as a table instead and walks the document
with it, following ``$ref``\\s into other files, so every problem comes out as one sentence with a
place: a misspelled key (with a suggestion), a missing required key, a value of the wrong type.
Specification extensions (``x-...``) are allowed on every object. Schemas are checked elsewhere,
against the JSON Schema meta-schema.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from beeflow_websocket_codegen.errors import Diagnostic, SpecError

from .workspace import Location, Workspace, kind_of

__all__ = ["check_structure"]


@dataclass(frozen=True)
class _Scalar:
    kind: str  # "string", "boolean", "integer", "any", "schema", "nullable string"
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Object:
    name: str
    fields: dict[str, Any]
    required: tuple[str, ...] = ()
    #: the keys of this object are names chosen by the user (components): check their syntax.
    extensions: bool = True


@dataclass(frozen=True)
class _Map:
    item: Any
    component_keys: bool = False


@dataclass(frozen=True)
class _List:
    item: Any


@dataclass(frozen=True)
class _RefOr:
    item: Any


@dataclass(frozen=True)
class _Ref:
    """Must be a Reference Object; the target is checked as ``item``."""

    item: Any
    what: str


STRING = _Scalar("string")
BOOLEAN = _Scalar("boolean")
INTEGER = _Scalar("integer")
ANY = _Scalar("any")
SCHEMA = _Scalar("schema")
NULLABLE_STRING = _Scalar("nullable string")

EXTERNAL_DOCS = _Object("External Documentation Object", {"description": STRING, "url": STRING}, ("url",))
TAG = _Object("Tag Object", {"name": STRING, "description": STRING, "externalDocs": _RefOr(EXTERNAL_DOCS)}, ("name",))
TAGS = _List(_RefOr(TAG))
BINDINGS = _RefOr(_Scalar("any"))
CONTACT = _Object("Contact Object", {"name": STRING, "url": STRING, "email": STRING})
LICENSE = _Object("License Object", {"name": STRING, "url": STRING}, ("name",))
INFO = _Object(
    "Info Object",
    {
        "title": STRING,
        "version": STRING,
        "description": STRING,
        "termsOfService": STRING,
        "contact": CONTACT,
        "license": LICENSE,
        "tags": TAGS,
        "externalDocs": _RefOr(EXTERNAL_DOCS),
    },
    ("title", "version"),
)
SERVER_VARIABLE = _Object(
    "Server Variable Object",
    {"enum": _List(STRING), "default": STRING, "description": STRING, "examples": _List(STRING)},
)
SECURITY_SCHEME = _Scalar("any")
SERVER = _Object(
    "Server Object",
    {
        "host": STRING,
        "protocol": STRING,
        "protocolVersion": STRING,
        "pathname": STRING,
        "description": STRING,
        "title": STRING,
        "summary": STRING,
        "variables": _Map(_RefOr(SERVER_VARIABLE)),
        "security": _List(_RefOr(SECURITY_SCHEME)),
        "tags": TAGS,
        "externalDocs": _RefOr(EXTERNAL_DOCS),
        "bindings": BINDINGS,
    },
    ("host", "protocol"),
)
PARAMETER = _Object(
    "Parameter Object",
    {
        "enum": _List(STRING),
        "default": STRING,
        "description": STRING,
        "examples": _List(STRING),
        "location": STRING,
    },
)
CORRELATION_ID = _Object("Correlation ID Object", {"description": STRING, "location": STRING}, ("location",))
MESSAGE_EXAMPLE = _Object("Message Example Object", {"headers": ANY, "payload": ANY, "name": STRING, "summary": STRING})
_MESSAGE_COMMON: dict[str, Any] = {
    "headers": SCHEMA,
    "correlationId": _RefOr(CORRELATION_ID),
    "contentType": STRING,
    "name": STRING,
    "title": STRING,
    "summary": STRING,
    "description": STRING,
    "tags": TAGS,
    "externalDocs": _RefOr(EXTERNAL_DOCS),
    "bindings": BINDINGS,
    "examples": _List(MESSAGE_EXAMPLE),
}
MESSAGE_TRAIT = _Object("Message Trait Object", dict(_MESSAGE_COMMON))
MESSAGE = _Object("Message Object", {**_MESSAGE_COMMON, "payload": SCHEMA, "traits": _List(_RefOr(MESSAGE_TRAIT))})
CHANNEL = _Object(
    "Channel Object",
    {
        "address": NULLABLE_STRING,
        "messages": _Map(_RefOr(MESSAGE), component_keys=True),
        "title": STRING,
        "summary": STRING,
        "description": STRING,
        "servers": _List(_Ref(SERVER, "a server")),
        "parameters": _Map(_RefOr(PARAMETER), component_keys=True),
        "tags": TAGS,
        "externalDocs": _RefOr(EXTERNAL_DOCS),
        "bindings": BINDINGS,
    },
)
REPLY_ADDRESS = _Object("Operation Reply Address Object", {"description": STRING, "location": STRING}, ("location",))
REPLY = _Object(
    "Operation Reply Object",
    {
        "address": _RefOr(REPLY_ADDRESS),
        "channel": _Ref(CHANNEL, "a channel"),
        "messages": _List(_Ref(MESSAGE, "a message of the reply channel")),
    },
)
_OPERATION_COMMON: dict[str, Any] = {
    "title": STRING,
    "summary": STRING,
    "description": STRING,
    "security": _List(_RefOr(SECURITY_SCHEME)),
    "tags": TAGS,
    "externalDocs": _RefOr(EXTERNAL_DOCS),
    "bindings": BINDINGS,
}
OPERATION_TRAIT = _Object("Operation Trait Object", dict(_OPERATION_COMMON))
OPERATION = _Object(
    "Operation Object",
    {
        **_OPERATION_COMMON,
        "action": _Scalar("string", ("send", "receive")),
        "channel": _Ref(CHANNEL, "a channel"),
        "traits": _List(_RefOr(OPERATION_TRAIT)),
        "messages": _List(_Ref(MESSAGE, "a message of the operation's channel")),
        "reply": _RefOr(REPLY),
    },
    ("action", "channel"),
)
COMPONENTS = _Object(
    "Components Object",
    {
        "schemas": _Map(SCHEMA, component_keys=True),
        "servers": _Map(_RefOr(SERVER), component_keys=True),
        "channels": _Map(_RefOr(CHANNEL), component_keys=True),
        "operations": _Map(_RefOr(OPERATION), component_keys=True),
        "messages": _Map(_RefOr(MESSAGE), component_keys=True),
        "securitySchemes": _Map(_RefOr(SECURITY_SCHEME), component_keys=True),
        "serverVariables": _Map(_RefOr(SERVER_VARIABLE), component_keys=True),
        "parameters": _Map(_RefOr(PARAMETER), component_keys=True),
        "correlationIds": _Map(_RefOr(CORRELATION_ID), component_keys=True),
        "replies": _Map(_RefOr(REPLY), component_keys=True),
        "replyAddresses": _Map(_RefOr(REPLY_ADDRESS), component_keys=True),
        "externalDocs": _Map(_RefOr(EXTERNAL_DOCS), component_keys=True),
        "tags": _Map(_RefOr(TAG), component_keys=True),
        "operationTraits": _Map(_RefOr(OPERATION_TRAIT), component_keys=True),
        "messageTraits": _Map(_RefOr(MESSAGE_TRAIT), component_keys=True),
        "serverBindings": _Map(BINDINGS, component_keys=True),
        "channelBindings": _Map(BINDINGS, component_keys=True),
        "operationBindings": _Map(BINDINGS, component_keys=True),
        "messageBindings": _Map(BINDINGS, component_keys=True),
    },
)
DOCUMENT = _Object(
    "AsyncAPI document",
    {
        "asyncapi": STRING,
        "id": STRING,
        "info": INFO,
        "servers": _Map(_RefOr(SERVER), component_keys=True),
        "defaultContentType": STRING,
        "channels": _Map(_RefOr(CHANNEL), component_keys=True),
        "operations": _Map(_RefOr(OPERATION), component_keys=True),
        "components": COMPONENTS,
    },
    ("asyncapi", "info"),
)

_KEY_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_")
_MAX_DIAGNOSTICS = 50


@dataclass
class _Walker:
    workspace: Workspace
    diagnostics: list[Diagnostic] = field(default_factory=list)
    visited: set[tuple[str, str]] = field(default_factory=set)

    def report(self, message: str, location: Location) -> None:
        self.diagnostics.append(self.workspace.diagnostic(message, location))

    def check(self, value: Any, kind: Any, location: Location, base: str) -> None:
        if len(self.diagnostics) >= _MAX_DIAGNOSTICS:
            return
        if isinstance(kind, _Scalar):
            self.check_scalar(value, kind, location)
        elif isinstance(kind, _Object):
            self.check_object(value, kind, location, base)
        elif isinstance(kind, _Map):
            if not isinstance(value, dict):
                self.report(f"expected an object (a map of names), found {kind_of(value)}", location)
                return
            for key in sorted(value):
                if kind.component_keys and not (key and set(key) <= _KEY_CHARACTERS):
                    self.report(
                        f"the key {key!r} may contain only letters A-Z and a-z, digits, '.', '-' and '_' "
                        "(AsyncAPI component names)",
                        location.child(key),
                    )
                self.check(value[key], kind.item, location.child(key), base)
        elif isinstance(kind, _List):
            if not isinstance(value, list):
                self.report(f"expected an array, found {kind_of(value)}", location)
                return
            for index, item in enumerate(value):
                self.check(item, kind.item, location.child(index), base)
        elif isinstance(kind, _RefOr):
            if isinstance(value, dict) and "$ref" in value:
                self.follow(value, kind.item, location, base)
            else:
                self.check(value, kind.item, location, base)
        elif isinstance(kind, _Ref):
            if not (isinstance(value, dict) and "$ref" in value):
                self.report(
                    f"expected a Reference Object ({{$ref: ...}}) to {kind.what}, found {kind_of(value)}", location
                )
                return
            self.follow(value, kind.item, location, base)
        else:  # pragma: no cover - the tables above use only these kinds
            raise TypeError(kind)

    def follow(self, value: dict[str, Any], kind: Any, location: Location, base: str) -> None:
        extra = sorted(key for key in value if key != "$ref" and not key.startswith("x-"))
        if extra:
            self.report(
                f"a Reference Object has only '$ref'; found also {', '.join(map(repr, extra))}",
                location.child(extra[0]),
            )
        try:
            target, target_location, target_base = self.workspace.deref(value, location, base)
        except SpecError as error:
            self.diagnostics.extend(error.diagnostics)
            return
        mark = (target_location.key, getattr(kind, "name", None) or repr(kind))
        if mark in self.visited:
            return
        self.visited.add(mark)
        self.check(target, kind, target_location, target_base)

    def check_scalar(self, value: Any, kind: _Scalar, location: Location) -> None:
        if kind.kind in ("any",):
            return
        if kind.kind == "schema":
            if not isinstance(value, dict | bool):
                self.report(f"expected a schema (an object), found {kind_of(value)}", location)
            return
        if kind.kind == "nullable string":
            if value is not None and not isinstance(value, str):
                self.report(f"expected a string or null, found {kind_of(value)}", location)
            return
        expected = {"string": str, "boolean": bool, "integer": int}[kind.kind]
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            self.report(
                f"expected {'an' if kind.kind == 'integer' else 'a'} {kind.kind}, found {kind_of(value)}", location
            )
            return
        if kind.choices and value not in kind.choices:
            self.report(f"expected one of {', '.join(map(repr, kind.choices))}, found {value!r}", location)

    def check_object(self, value: Any, kind: _Object, location: Location, base: str) -> None:
        if not isinstance(value, dict):
            self.report(f"expected {_article(kind.name)} (an object), found {kind_of(value)}", location)
            return
        for key in kind.required:
            if key not in value:
                self.report(f"missing required key {key!r} in {_article(kind.name)}", location)
        for key in sorted(value):
            if key in kind.fields:
                self.check(value[key], kind.fields[key], location.child(key), base)
            elif not (kind.extensions and key.startswith("x-")):
                suggestion = difflib.get_close_matches(key, list(kind.fields), n=1, cutoff=0.6)
                hint = f"; did you mean {suggestion[0]!r}?" if suggestion else ""
                allowed = ", ".join(sorted(kind.fields))
                self.report(
                    f"unknown key {key!r} in {_article(kind.name)}{hint} (expected one of: {allowed}, "
                    "or an 'x-' extension)",
                    location.child(key),
                )


def _article(name: str) -> str:
    return ("an " if name[0] in "AEIOU" else "a ") + name


def check_structure(workspace: Workspace) -> None:
    """Raise :class:`SpecError` listing every structural problem of the document."""
    walker = _Walker(workspace)
    root = Location(workspace.root_uri, "")
    walker.check(workspace.root.data, DOCUMENT, root, workspace.root_uri)
    if walker.diagnostics:
        ordered = sorted(
            _unique(walker.diagnostics),
            key=lambda item: (str(item.file), item.line or 0, item.column or 0, item.pointer or ""),
        )
        raise SpecError(ordered)


def _unique(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    seen: set[str] = set()
    result = []
    for item in diagnostics:
        text = str(item)
        if text not in seen:
            seen.add(text)
            result.append(item)
    return result
