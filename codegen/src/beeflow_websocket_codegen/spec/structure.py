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
    extensions: bool = True


@dataclass(frozen=True)
class _Map:
    item: Any
    #: the syntax AsyncAPI 3 gives the keys: "component" (components), "name" (servers and
    #: parameters), or None: channel, operation and message keys are free text ("room/{id}", "chat:send").
    keys: str | None = None


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
        "messages": _Map(_RefOr(MESSAGE)),
        "title": STRING,
        "summary": STRING,
        "description": STRING,
        "servers": _List(_Ref(SERVER, "a server")),
        "parameters": _Map(_RefOr(PARAMETER), keys="name"),
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
        "schemas": _Map(SCHEMA, keys="component"),
        "servers": _Map(_RefOr(SERVER), keys="component"),
        "channels": _Map(_RefOr(CHANNEL), keys="component"),
        "operations": _Map(_RefOr(OPERATION), keys="component"),
        "messages": _Map(_RefOr(MESSAGE), keys="component"),
        "securitySchemes": _Map(_RefOr(SECURITY_SCHEME), keys="component"),
        "serverVariables": _Map(_RefOr(SERVER_VARIABLE), keys="component"),
        "parameters": _Map(_RefOr(PARAMETER), keys="component"),
        "correlationIds": _Map(_RefOr(CORRELATION_ID), keys="component"),
        "replies": _Map(_RefOr(REPLY), keys="component"),
        "replyAddresses": _Map(_RefOr(REPLY_ADDRESS), keys="component"),
        "externalDocs": _Map(_RefOr(EXTERNAL_DOCS), keys="component"),
        "tags": _Map(_RefOr(TAG), keys="component"),
        "operationTraits": _Map(_RefOr(OPERATION_TRAIT), keys="component"),
        "messageTraits": _Map(_RefOr(MESSAGE_TRAIT), keys="component"),
        "serverBindings": _Map(BINDINGS, keys="component"),
        "channelBindings": _Map(BINDINGS, keys="component"),
        "operationBindings": _Map(BINDINGS, keys="component"),
        "messageBindings": _Map(BINDINGS, keys="component"),
    },
)
DOCUMENT = _Object(
    "AsyncAPI document",
    {
        "asyncapi": STRING,
        "id": STRING,
        "info": INFO,
        "servers": _Map(_RefOr(SERVER), keys="name"),
        "defaultContentType": STRING,
        "channels": _Map(_RefOr(CHANNEL)),
        "operations": _Map(_RefOr(OPERATION)),
        "components": COMPONENTS,
    },
    ("asyncapi", "info"),
)

_NAME_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
_KEY_RULES = {
    # ^[a-zA-Z0-9\.\-_]+$ for the keys of the Components Object's maps
    "component": (_NAME_CHARACTERS | {"."}, "letters A-Z and a-z, digits, '.', '-' and '_' (AsyncAPI component names)"),
    # ^[A-Za-z0-9_\-]+$ for the Servers Object and the Parameters Object
    "name": (_NAME_CHARACTERS, "letters A-Z and a-z, digits, '-' and '_' (AsyncAPI server and parameter names)"),
}
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
            rule = _KEY_RULES.get(kind.keys) if kind.keys else None
            for key in sorted(value):
                if rule is not None and not (key and set(key) <= rule[0]):
                    if kind.keys == "name":
                        # The official JSON Schema of AsyncAPI 3 does not enforce this rule, documents break it
                        # ("httpbin.org"), and the generator uses neither name: a warning, not a refusal.
                        self.workspace.warn(
                            f"the key {key!r} should contain only {rule[1]}; it is accepted", location.child(key)
                        )
                    else:
                        self.report(f"the key {key!r} may contain only {rule[1]}", location.child(key))
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
            # AsyncAPI 3: "This object cannot be extended with additional properties, and any properties
            # added SHALL be ignored." Tools accept such documents; so does this one, with a warning.
            self.workspace.warn(
                f"ignored {', '.join(map(repr, extra))} next to '$ref': a Reference Object takes only '$ref' "
                "(AsyncAPI ignores its other keys)",
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
