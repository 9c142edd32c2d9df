"""The protocol a spec describes, independent of any output language.

:func:`build_protocol` reads a loaded AsyncAPI document (see :mod:`.spec`) and follows the schema
conventions: messages of ``receive`` operations are actions, messages of ``send`` operations are
events, a ``reply`` on a receive operation names the events that answer the action, and the wire
name of a message is its ``name`` or else its key. The result, :class:`Protocol`, holds actions,
events, problems and every payload schema bundled into one ``$defs`` document, with identifiers
already chosen (valid in Python and TypeScript), so emitters only lay out code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import Diagnostic, SpecError
from .naming import Namespace, ascii_snake_case, is_identifier, pascal_case
from .schemas import ASYNCAPI_DIALECT, SchemaBundle, admits_objects, dialect_uri
from .spec import Location, Workspace
from .spec.source import pointer_parts
from .spec.workspace import kind_of

__all__ = ["Action", "Event", "Message", "Problem", "Protocol", "build_protocol"]


@dataclass(frozen=True)
class Message:
    """One AsyncAPI message, as used by an action or an event."""

    key: str
    wire_name: str
    location: Location
    title: str | None
    summary: str | None
    description: str | None
    #: the ``$defs`` name of the payload schema in :attr:`Protocol.schemas`
    payload: str
    #: ``x-python-name``: the identifier the user chose for this message, if any
    preferred_name: str | None = None


@dataclass(frozen=True)
class Problem:
    """A problem an action may answer with, declared with ``x-problems`` on its operation."""

    code: str
    status: int
    title: str | None
    description: str | None
    class_name: str


@dataclass(frozen=True)
class _Role:
    """What events and actions share: the wire name and the message that carries it."""

    name: str
    message: Message

    @property
    def payload(self) -> str:
        return self.message.payload


@dataclass(frozen=True)
class Event(_Role):
    """A message the server sends (``send`` operations and replies)."""

    class_name: str
    operations: tuple[str, ...]


@dataclass(frozen=True)
class Action(_Role):
    """A message the server receives (``receive`` operations)."""

    #: the user's handler class (``ChatSend``); the generated base is :attr:`base_name`
    class_name: str
    base_name: str
    reply_name: str
    #: module of the user's handler, without the ``.py``
    module: str
    operations: tuple[str, ...]
    #: wire names of the events that answer this action, sorted
    replies: tuple[str, ...]
    #: codes of the problems this action may answer with, sorted
    problems: tuple[str, ...]


@dataclass(frozen=True)
class Protocol:
    """Everything an emitter needs."""

    title: str
    version: str
    asyncapi: str
    description: str | None
    spec_path: Path
    files: tuple[Path, ...]
    actions: tuple[Action, ...]
    events: tuple[Event, ...]
    problems: tuple[Problem, ...]
    #: payload schemas and everything they reference, by name: one JSON Schema ``$defs``
    schemas: dict[str, Any] = field(repr=False)
    #: what was accepted but deserves a word: ignored keys, skipped non-JSON messages
    warnings: tuple[Diagnostic, ...] = field(default=(), repr=False)

    def event(self, name: str) -> Event:
        return next(event for event in self.events if event.name == name)

    def problem(self, code: str) -> Problem:
        return next(problem for problem in self.problems if problem.code == code)


#: Names the generated modules import: no generated class takes them.
EVENT_MODULE_NAMES = frozenset({"WebSocketEvent", "annotations", "models"})
ACTION_MODULE_NAMES = frozenset(
    {
        "ActionContext",
        "ActionNotImplemented",
        "ActionRegistryMeta",
        "AsyncIterator",
        "WebSocketEvent",
        "annotations",
        "events",
        "models",
        "problems",
    }
)
PROBLEM_MODULE_NAMES = frozenset({"Any", "Mapping", "WebSocketProblem", "annotations"})
_JSON_CONTENT_TYPE = re.compile(r"^(application/json|text/json|application/[\w.+-]*\+json)\s*(;.*)?$", re.IGNORECASE)
_ASYNCAPI_SCHEMA = re.compile(r"^application/vnd\.aai\.asyncapi(\+json|\+yaml)?(;.*)?$", re.IGNORECASE)
_JSON_SCHEMA = re.compile(r"^application/schema(\+json|\+yaml)?(;\s*version=([\w.-]+))?$", re.IGNORECASE)
_KNOWN_FORMATS = (
    ("avro", "Avro"),
    ("raml", "RAML"),
    ("openapi", "OpenAPI"),
    ("oai", "OpenAPI"),
    ("protobuf", "Protocol Buffers"),
    ("xsd", "XML Schema"),
)


@dataclass
class _Used:
    message: Message
    operations: set[str] = field(default_factory=set)


@dataclass
class _Builder:
    workspace: Workspace
    bundle: SchemaBundle
    messages: dict[str, tuple[Message, Any, Location, str]] = field(default_factory=dict)
    actions: dict[str, _Used] = field(default_factory=dict)  # by message location key
    events: dict[str, _Used] = field(default_factory=dict)
    replies: dict[str, set[str]] = field(default_factory=dict)  # action message key -> event message keys
    problems: dict[str, set[str]] = field(default_factory=dict)  # action message key -> problem codes
    problem_defs: dict[str, tuple[int, str | None, str | None, Location]] = field(default_factory=dict)
    channels: dict[str, dict[str, str]] = field(default_factory=dict)  # channel location key -> carried
    #: messages left out (non-JSON content): location key -> (why, where)
    skipped: dict[str, tuple[str, Location]] = field(default_factory=dict)
    dropped: set[str] = field(default_factory=set)  # skipped messages an operation uses

    @property
    def root(self) -> Location:
        return Location(self.workspace.root_uri, "")

    def fail(self, message: str, location: Location | None) -> SpecError:
        return SpecError(self.workspace.diagnostic(message, location))

    # -- operations ------------------------------------------------------------------------

    def operation(self, key: str, raw: Any) -> None:
        where = self.root.child("operations", key)
        operation, location, base = self.workspace.deref(raw, where, self.workspace.root_uri)
        used = self.used_messages(key, operation, location, base)
        is_action = operation["action"] == "receive"
        self.record_use(self.actions if is_action else self.events, used, key)
        reply = operation.get("reply")
        if reply is not None:
            self.reply(key, reply, location.child("reply"), base, used, is_action)
        if is_action:
            for message_key in used:
                codes = self.problems.setdefault(message_key, set())
                codes.update(self.declared_problems(operation.get("x-problems"), location.child("x-problems"), base))
        elif "x-problems" in operation:
            raise self.fail("x-problems belongs on receive operations (actions answer with problems)", location)

    def reply(self, key: str, raw: Any, where: Location, base: str, used: list[str], is_action: bool) -> None:
        reply, location, reply_base = self.workspace.deref(raw, where, base)
        answers = self.used_messages(key, reply, location, reply_base)
        # The server receives an action and replies with events; it sends an event and receives actions.
        self.record_use(self.events if is_action else self.actions, answers, key)
        if is_action:
            for message_key in used:
                self.replies.setdefault(message_key, set()).update(answers)

    def used_messages(self, key: str, node: dict[str, Any], location: Location, base: str) -> list[str]:
        """The JSON messages an operation or a reply (``node``, of operation ``key``) uses: its
        ``messages``, which its channel must carry, or else every message of its channel (a reply
        may have no channel)."""
        carried: dict[str, str] | None = None
        channel_location: Location | None = None
        if "channel" in node:
            channel, channel_location, channel_base = self.workspace.deref(
                node["channel"], location.child("channel"), base
            )
            carried = self.channel_messages(channel, channel_location, channel_base)
        if "messages" in node:
            used = [
                self.carried_message(ref, location.child("messages", index), base, carried, channel_location, key)
                for index, ref in enumerate(node["messages"])
            ]
        else:
            used = list(carried.values()) if carried is not None else []
        return self.json_only(used)

    def record_use(self, target: dict[str, _Used], message_keys: list[str], key: str) -> None:
        """Note that operation ``key`` uses each message of ``message_keys`` as an action or an event (``target``)."""
        for message_key in message_keys:
            entry = target.setdefault(message_key, _Used(self.messages[message_key][0]))
            entry.operations.add(key)

    def json_only(self, message_keys: list[str]) -> list[str]:
        """``message_keys`` without the messages whose content is not JSON (each one warned about)."""
        kept = []
        for message_key in message_keys:
            skipped = self.skipped.get(message_key)
            if skipped is None:
                kept.append(message_key)
            else:
                self.dropped.add(message_key)
                self.workspace.warn(skipped[0], skipped[1])
        return kept

    def channel_messages(self, channel: Any, location: Location, base: str) -> dict[str, str]:
        """Message location keys carried by a channel, by their key in the channel."""
        cached = self.channels.get(location.key)
        if cached is not None:
            return cached
        carried: dict[str, str] = self.channels.setdefault(location.key, {})
        for name in sorted(channel.get("messages") or {}):
            raw = channel["messages"][name]
            carried[name] = self.message(raw, location.child("messages", name), base, name)
        return carried

    def carried_message(
        self,
        ref: Any,
        where: Location,
        base: str,
        carried: dict[str, str] | None,
        channel_location: Location | None,
        operation: str,
    ) -> str:
        message_key = self.message(ref, where, base, None)
        if carried is not None and message_key not in carried.values():
            names = ", ".join(sorted(carried)) or "none"
            channel = self.workspace.diagnostic("", channel_location).where() if channel_location else "its channel"
            raise self.fail(
                f"operation {operation!r} uses a message that its channel ({channel}) does not carry; "
                f"expected a $ref to one of the channel's messages ({names}), e.g. "
                f"'#/channels/<channel>/messages/<message>'",
                where,
            )
        return message_key

    # -- messages --------------------------------------------------------------------------

    def message(self, raw: Any, where: Location, base: str, channel_key: str | None) -> str:
        value, location, message_base = self.workspace.deref(raw, where, base)
        if location.key in self.messages:
            return location.key
        if not isinstance(value, dict):
            raise self.fail(f"expected a Message Object, found {kind_of(value)}", location)
        merged = dict(value)
        for index, trait_ref in enumerate(value.get("traits") or []):
            trait, _, _ = self.workspace.deref(trait_ref, location.child("traits", index), message_base)
            for trait_key, trait_value in trait.items():
                merged.setdefault(trait_key, trait_value)
        key = self.message_key(location, channel_key)
        name = merged.get("name")
        wire_name = name if isinstance(name, str) and name.strip() else key
        if not wire_name.strip():
            raise self.fail("a message needs a non-blank 'name' (its wire name)", location)
        content_type = merged.get("contentType") or self.workspace.root.data.get("defaultContentType")
        if isinstance(content_type, str) and not _JSON_CONTENT_TYPE.match(content_type):
            # One non-JSON message does not sink the document: beeflow-websocket frames are JSON, so the
            # message cannot travel over it, and every operation goes on without it (see docs: schemas.md).
            self.skipped[location.key] = (
                f"message {wire_name!r} skipped: its contentType {content_type!r} is not JSON, and "
                "beeflow-websocket frames are JSON (no model, action or event is generated for it)",
                location.child("contentType") if "contentType" in value else self.root.child("defaultContentType"),
            )
        preferred = merged.get("x-python-name")
        if preferred is not None and not (isinstance(preferred, str) and is_identifier(preferred)):
            raise self.fail(
                f"x-python-name must be a valid Python identifier, found {preferred!r}", location.child("x-python-name")
            )
        message = Message(
            key=key,
            wire_name=wire_name,
            location=location,
            title=_text(merged.get("title")),
            summary=_text(merged.get("summary")),
            description=_text(merged.get("description")),
            payload="",
            preferred_name=preferred,
        )
        self.messages[location.key] = (message, merged, location, message_base)
        return location.key

    def message_key(self, location: Location, channel_key: str | None) -> str:
        parts = pointer_parts(location.pointer or "")
        if len(parts) >= 2 and parts[-2] == "messages":
            return parts[-1]
        if channel_key is not None:
            return channel_key
        if parts:
            return parts[-1]
        return location.uri.rstrip("/").rsplit("/", 1)[-1].split(".", 1)[0]

    def payload(self, message: Message, merged: dict[str, Any], location: Location, base: str, name: str) -> str:
        where = location.child("payload")
        if "payload" not in merged:
            return self.bundle.add({"type": "object"}, where, base, name=name, dialect=ASYNCAPI_DIALECT)
        raw = merged["payload"]
        dialect = ASYNCAPI_DIALECT
        value, target, target_base = raw, where, base
        if isinstance(raw, dict) and set(raw) == {"$ref"}:
            value, target, target_base = self._follow(raw, where, base, dialect)
        if isinstance(value, dict) and "schemaFormat" in value:
            dialect = self.schema_format(value["schemaFormat"], target.child("schemaFormat"))
            if "schema" not in value:
                raise self.fail("a Multi Format Schema Object needs 'schema'", target)
            extra = sorted(set(value) - {"schemaFormat", "schema"})
            if extra:
                raise self.fail(f"unknown key {extra[0]!r} in a Multi Format Schema Object", target.child(extra[0]))
            value, target = value["schema"], target.child("schema")
            if isinstance(value, dict) and set(value) == {"$ref"}:
                value, target, target_base = self._follow(value, target, target_base, dialect)
            raw = value

        def resolve(schema: dict[str, Any]) -> Any:
            try:
                return self.workspace.resolve(schema["$ref"], target_base, target, dialect)[0]
            except SpecError:
                return {}

        verdict = admits_objects(value, resolve, dialect=dialect)
        if verdict is not True:
            raise self.fail(
                f"the payload of message {message.wire_name!r} must admit JSON objects (every frame's payload "
                f"is one), but it admits {verdict} only",
                target,
            )
        if target not in (where, where.child("schema")) and target.pointer is not None:
            # A payload that is a $ref: the model takes the name of the referenced schema.
            wanted = self.bundle.name_for(value, target)
            return self.add_schema(value, target, target_base, name=wanted, dialect=dialect)
        return self.add_schema(value, target, target_base, name=name, dialect=dialect)

    def add_schema(self, value: Any, location: Location, base: str, *, name: str, dialect: str) -> str:
        """Bundle one schema; a schema too deep to check is an error at its place, not a crash."""
        try:
            return self.bundle.add(value, location, base, name=name, dialect=dialect)
        except RecursionError:
            raise self.fail(
                "this schema is nested too deeply to be checked (about 100 levels of subschemas); flatten it "
                "with $ref to named schemas",
                location,
            ) from None

    def _follow(self, value: Any, where: Location, base: str, dialect: str) -> tuple[Any, Location, str]:
        """Follow ``{"$ref": ...}`` objects only: a schema with ``$ref`` beside other keywords (an
        ``$id`` that changes what the ``$ref`` means, say) is a payload schema, bundled as it is."""
        for _ in range(64):
            if not (isinstance(value, dict) and set(value) == {"$ref"}):
                break
            value, where, base = self.workspace.resolve(value["$ref"], base, where.child("$ref"), dialect)
        else:
            raise self.fail("this $ref refers to itself (a cycle of references)", where)
        return value, where, base

    def schema_format(self, value: Any, where: Location) -> str:
        if not isinstance(value, str):
            raise self.fail(f"expected schemaFormat to be a string, found {kind_of(value)}", where)
        text = value.strip()
        if _ASYNCAPI_SCHEMA.match(text):
            return ASYNCAPI_DIALECT
        match = _JSON_SCHEMA.match(text)
        if match is not None:
            version = match[3] or "2020-12"
            uri = dialect_uri(version)
            if uri is None:
                raise self.fail(
                    f"unsupported JSON Schema version {version!r} in schemaFormat; expected draft-04, draft-06, "
                    "draft-07, 2019-09 or 2020-12",
                    where,
                )
            return uri
        lowered = text.lower()
        family = next((label for needle, label in _KNOWN_FORMATS if needle in lowered), None)
        described = f" ({family})" if family else ""
        raise self.fail(
            f"schemaFormat {value!r}{described} is not supported: payloads must be JSON Schema "
            "(application/schema+json;version=draft-07 or 2020-12) or AsyncAPI schemas "
            "(application/vnd.aai.asyncapi+json;version=3.0.0)",
            where,
        )

    # -- problems --------------------------------------------------------------------------

    def declared_problems(self, raw: Any, where: Location, base: str) -> set[str]:
        if raw is None:
            return set()
        if not isinstance(raw, list):
            raise self.fail(f"expected x-problems to be an array of problems, found {kind_of(raw)}", where)
        codes = set()
        for index, item in enumerate(raw):
            problem, location, _ = self.workspace.deref(item, where.child(index), base)
            codes.add(self.problem(problem, location))
        return codes

    def problem(self, value: Any, location: Location) -> str:
        if not isinstance(value, dict):
            raise self.fail(f"expected a problem (an object with status and code), found {kind_of(value)}", location)
        allowed = {"status", "code", "title", "description"}
        for key in sorted(value):
            if key not in allowed and not key.startswith("x-"):
                raise self.fail(
                    f"unknown key {key!r} in a problem (expected one of: code, description, status, title)",
                    location.child(key),
                )
        for key in ("status", "code"):
            if key not in value:
                raise self.fail(f"missing required key {key!r} in a problem", location)
        status, code = value["status"], value["code"]
        if not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 599:
            raise self.fail(f"expected a problem status from 400 to 599, found {status!r}", location.child("status"))
        if not isinstance(code, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]*", code):
            raise self.fail(
                f"expected a problem code such as 'room_full' (letters, digits, '_', '.', '-'), found {code!r}",
                location.child("code"),
            )
        title, description = _text(value.get("title")), _text(value.get("description"))
        for key in ("title", "description"):
            if key in value and not isinstance(value[key], str):
                raise self.fail(f"expected a string, found {kind_of(value[key])}", location.child(key))
        known = self.problem_defs.get(code)
        if known is not None and (known[0], known[1], known[2]) != (status, title, description):
            first = self.workspace.diagnostic("", known[3]).where()
            raise self.fail(
                f"problem {code!r} is declared differently at {first}; declare it once and $ref it", location
            )
        self.problem_defs.setdefault(code, (status, title, description, location))
        return code


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


#: Keywords that apply their subschemas to the same value (they consume no data).
_IN_PLACE_LISTS = ("allOf", "anyOf", "oneOf")
_IN_PLACE_ONE = ("not", "if", "then", "else")
_IN_PLACE_MAPS = ("dependentSchemas", "dependencies")
_DEFS_REF = re.compile(r"^#/\$defs/(?P<name>[^/]+)$")


def _in_place_references(schema: Any) -> set[str]:
    """``$defs`` names that ``schema`` applies to the very value it validates (not to a member or item)."""
    found: set[str] = set()
    stack = [schema]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        match = _DEFS_REF.match(node["$ref"]) if isinstance(node.get("$ref"), str) else None
        if match is not None:
            found.add(match["name"])
        for key in _IN_PLACE_LISTS:
            if isinstance(node.get(key), list):
                stack.extend(node[key])
        stack.extend(node[key] for key in _IN_PLACE_ONE if key in node)
        for key in _IN_PLACE_MAPS:
            if isinstance(node.get(key), dict):
                stack.extend(node[key].values())
    return found


def _in_place_cycle(schemas: dict[str, Any]) -> list[str] | None:
    """The first cycle of schemas that refer to each other without consuming data (``[A, B, A]``), if any.

    Such a schema validates a value by validating the same value against itself: the check never
    ends (RecursionError in Python, TS2456 in TypeScript), so no value can ever be accepted.
    """
    edges = {name: sorted(_in_place_references(schema) & schemas.keys()) for name, schema in schemas.items()}
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    for start in sorted(edges):
        if state.get(start):
            continue
        path: list[str] = [start]
        iterators = [iter(edges[start])]
        state[start] = 1
        while iterators:
            following = next(iterators[-1], None)
            if following is None:
                state[path.pop()] = 2
                iterators.pop()
            elif state.get(following) == 1:
                return [*path[path.index(following) :], following]
            elif not state.get(following):
                state[following] = 1
                path.append(following)
                iterators.append(iter(edges[following]))
    return None


def _duplicates(kind: str, used: dict[str, _Used], workspace: Workspace) -> list[Diagnostic]:
    by_name: dict[str, list[Location]] = {}
    for entry in used.values():
        by_name.setdefault(entry.message.wire_name, []).append(entry.message.location)
    found = []
    for name, locations in sorted(by_name.items()):
        if len(locations) > 1:
            ordered = sorted(locations)
            first = workspace.diagnostic("", ordered[0]).where()
            for location in ordered[1:]:
                found.append(
                    workspace.diagnostic(
                        f"duplicate {kind} name {name!r}: the message at {first} has it too; wire names must be "
                        f"unique among {kind}s (set a different 'name' on one of the messages)",
                        location,
                    )
                )
    return found


def build_protocol(workspace: Workspace, spec_path: Path, *, shared_schemas: bool = False) -> Protocol:
    """The protocol described by a loaded, structurally valid document.

    With ``shared_schemas`` every JSON Schema under ``components/schemas`` is bundled too, reached
    by a payload or not (the TypeScript emitter publishes them as named types); Python models only
    need the payloads and what they reach.
    """
    data = workspace.root.data
    builder = _Builder(workspace, SchemaBundle(workspace))
    operations = data.get("operations") or {}
    if not operations:
        raise builder.fail(
            "the document declares no operations: add 'receive' operations for the actions clients send "
            "and 'send' operations for the events the server pushes",
            builder.root,
        )
    for key in sorted(operations):
        builder.operation(key, operations[key])
    if builder.dropped and not builder.actions and not builder.events:
        unusable = [builder.skipped[key] for key in sorted(builder.dropped)]
        raise SpecError(
            [workspace.diagnostic(why.replace(" skipped:", " cannot be used:"), where) for why, where in unusable]
            + [workspace.diagnostic("no JSON message is left to generate code for", builder.root)]
        )
    duplicates = _duplicates("action", builder.actions, workspace) + _duplicates("event", builder.events, workspace)
    if duplicates:
        raise SpecError(duplicates)

    # Names: shared schemas first (components/schemas in key order), then payloads in wire-name order.
    for key in sorted((data.get("components") or {}).get("schemas") or {}):
        builder.bundle.reserve(builder.root.child("components", "schemas", key), pascal_case(key, fallback="Schema"))
    used = sorted({**builder.actions, **builder.events}.items(), key=lambda item: (item[1].message.wire_name, item[0]))
    payloads: dict[str, str] = {}
    for message_key, _entry in used:
        if message_key in payloads:
            continue
        message, merged, location, base = builder.messages[message_key]
        wanted = (message.preferred_name or pascal_case(message.wire_name)) + "Payload"
        payloads[message_key] = builder.payload(message, merged, location, base, wanted)

    if shared_schemas:
        components = (data.get("components") or {}).get("schemas") or {}
        for key in sorted(components):
            value = components[key]
            if isinstance(value, dict) and "schemaFormat" in value:
                continue  # a Multi Format Schema Object (Avro, ...): nothing to type unless a payload uses it
            where = builder.root.child("components", "schemas", key)
            builder.add_schema(
                value, where, workspace.root_uri, name=pascal_case(key, fallback="Schema"), dialect=ASYNCAPI_DIALECT
            )

    cycle = _in_place_cycle(builder.bundle.definitions)
    if cycle is not None:
        locations = builder.bundle.locations()
        places = "; ".join(f"{name} at {workspace.diagnostic('', locations[name]).where()}" for name in cycle[:-1])
        raise builder.fail(
            f"schema {cycle[0]!r} refers to itself without reaching a property or an array item "
            f"({' -> '.join(cycle)}, through $ref/allOf/anyOf/oneOf/not/if): checking a value against it would "
            f"never end, so it can accept nothing. Put the recursion under a property or items. ({places})",
            locations[cycle[0]],
        )

    def finished(entry: _Used, message_key: str) -> Message:
        message = entry.message
        return Message(
            key=message.key,
            wire_name=message.wire_name,
            location=message.location,
            title=message.title,
            summary=message.summary,
            description=message.description,
            payload=payloads[message_key],
            preferred_name=message.preferred_name,
        )

    action_bases = {
        entry.message.wire_name: entry.message.preferred_name or pascal_case(entry.message.wire_name)
        for entry in builder.actions.values()
    }
    event_names = Namespace(EVENT_MODULE_NAMES)
    events: list[Event] = []
    for message_key, entry in sorted(builder.events.items(), key=lambda item: item[1].message.wire_name):
        wanted = entry.message.preferred_name or pascal_case(entry.message.wire_name)
        if wanted in action_bases.values():
            wanted += "Event"
        events.append(
            Event(
                name=entry.message.wire_name,
                message=finished(entry, message_key),
                class_name=event_names.take(wanted),
                operations=tuple(sorted(entry.operations)),
            )
        )
    event_by_key = {message_key: entry.message.wire_name for message_key, entry in builder.events.items()}
    action_names = Namespace(ACTION_MODULE_NAMES)
    modules = Namespace({"__init__", "actions", "events", "models", "problems"})
    actions: list[Action] = []
    for message_key, entry in sorted(builder.actions.items(), key=lambda item: item[1].message.wire_name):
        # One stem per action (ChatSend, ChatSend2, ...): the handler, its base and its reply type.
        class_name = action_names.take(action_bases[entry.message.wire_name])
        base_name = class_name + "Base"
        actions.append(
            Action(
                name=entry.message.wire_name,
                message=finished(entry, message_key),
                class_name=class_name,
                base_name=base_name,
                reply_name=class_name + "Reply",
                module=modules.take(
                    ascii_snake_case(entry.message.preferred_name or entry.message.wire_name, fallback="action")
                ),
                operations=tuple(sorted(entry.operations)),
                replies=tuple(sorted({event_by_key[key] for key in builder.replies.get(message_key, set())})),
                problems=tuple(sorted(builder.problems.get(message_key, set()))),
            )
        )
    problem_names = Namespace(PROBLEM_MODULE_NAMES)
    problems = [
        Problem(code, status, title, description, problem_names.take(pascal_case(code, fallback="Problem")))
        for code, (status, title, description, _) in sorted(builder.problem_defs.items())
    ]
    builder.bundle.drop_invalid_defaults()
    info = data.get("info") or {}
    return Protocol(
        title=str(info.get("title", "")),
        version=str(info.get("version", "")),
        asyncapi=str(data.get("asyncapi")),
        description=_text(info.get("description")),
        spec_path=spec_path,
        files=tuple(workspace.files),
        actions=tuple(actions),
        events=tuple(events),
        problems=tuple(problems),
        schemas=builder.bundle.definitions,
        warnings=tuple(workspace.warnings),
    )
