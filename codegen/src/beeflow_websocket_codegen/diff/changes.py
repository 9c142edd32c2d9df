"""Every change between two versions of a protocol, classified for clients already deployed.

Actions flow from clients to the server: the new server must accept whatever an old client sends,
so a payload change that *narrows* what is accepted breaks them. Events flow from the server to
clients: an old client must understand whatever the new server sends, so a change that *widens*
what may be sent breaks them. A change the walk cannot judge is "possibly breaking". Each change
has an ``id`` (``rule:kind:name:pointer``) that an allow-list names to accept an intended break.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from beeflow_websocket_codegen.ir import Protocol

from .schemas import BOTH, NARROWS, UNKNOWN, WIDENS, Delta, schema_deltas

__all__ = ["BREAKING", "COMPATIBLE", "POSSIBLY_BREAKING", "Change", "Severity", "compare_protocols"]

Severity = Literal["breaking", "possibly-breaking", "compatible"]
BREAKING: Severity = "breaking"
POSSIBLY_BREAKING: Severity = "possibly-breaking"
COMPATIBLE: Severity = "compatible"
Kind = Literal["action", "event", "problem", "protocol"]

#: Said of every change that lets events carry members old clients do not know.
UNKNOWN_MEMBERS_NOTE = (
    "the generated TypeScript client does not validate events at run time, so old browser clients keep working "
    "and ignore the member; a client that validates events against the old schema (additionalProperties: false) "
    "or with the old generated pydantic models (extra='forbid') would refuse it"
)

#: Said of an optional property added to an action payload that had no additionalProperties: false.
OPEN_OBJECT_NOTE = (
    "the old schema let clients send this member with any value (the old server ignored it) and the new one "
    "checks it; clients built on the old generated TypeScript types cannot send undeclared members, hand-written "
    "ones could: add additionalProperties: false to payloads to make adding optional properties safe"
)

#: Said of a ``format`` change that would break if formats are checked.
FORMAT_NOTE = (
    "format is an annotation unless the code is generated with --format-assertion (format-assertion = true); "
    "with it, the generated models check the format and this change breaks deployed clients"
)


@dataclass(frozen=True)
class Change:
    """One change, as a deployed client sees it."""

    id: str
    rule: str
    severity: Severity
    kind: Kind
    name: str
    pointer: str
    message: str
    note: str | None = None
    allowed: bool = False

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _change(
    rule: str, severity: Severity, kind: Kind, name: str, message: str, pointer: str = "", note: str | None = None
) -> Change:
    return Change(f"{rule}:{kind}:{name}:{pointer}", rule, severity, kind, name, pointer, message, note)


def _payload_change(kind: Kind, name: str, delta: Delta) -> Change:
    """Classify a payload difference by the direction of its message."""
    if delta.effect == UNKNOWN:
        severity: Severity = POSSIBLY_BREAKING
    elif delta.effect == BOTH:
        severity = BREAKING
    elif kind == "action":
        severity = BREAKING if delta.effect == NARROWS else COMPATIBLE
    else:
        severity = BREAKING if delta.effect == WIDENS else COMPATIBLE
    note = None
    if kind == "action" and delta.on_open_object:
        severity, note = POSSIBLY_BREAKING, OPEN_OBJECT_NOTE
    elif kind == "event" and delta.rule == "property-added" and delta.effect == WIDENS:
        severity, note = COMPATIBLE, UNKNOWN_MEMBERS_NOTE
    elif kind == "event" and delta.rule == "additional-properties-allowed":
        note = UNKNOWN_MEMBERS_NOTE
    if delta.format_only and severity == BREAKING:
        severity, note = POSSIBLY_BREAKING, FORMAT_NOTE
    why = _WHY.get((kind, delta.effect))
    text = f"{delta.rule.replace('-', ' ')}: {delta.detail}"
    if why and severity != COMPATIBLE:
        text += f" ({why})"
    return _change(delta.rule, severity, kind, name, text, delta.pointer or "/", note)


_WHY = {
    ("action", NARROWS): "the server now refuses payloads old clients send",
    ("action", BOTH): "the server now refuses payloads old clients send",
    ("action", UNKNOWN): "cannot tell whether the server still accepts what old clients send",
    ("event", WIDENS): "old clients may receive payloads they do not expect",
    ("event", BOTH): "old clients may receive payloads they do not expect",
    ("event", UNKNOWN): "cannot tell whether old clients understand what the server now sends",
}


def compare_protocols(old: Protocol, new: Protocol) -> list[Change]:
    """Every change from ``old`` to ``new``, breaking ones first."""
    changes: list[Change] = []
    old_actions = {action.name: action for action in old.actions}
    new_actions = {action.name: action for action in new.actions}
    old_events = {event.name: event for event in old.events}
    new_events = {event.name: event for event in new.events}
    action_renames = _renames(old_actions, new_actions, "action", changes)
    event_renames = _renames(old_events, new_events, "event", changes)
    renamed = {*action_renames, *action_renames.values(), *event_renames, *event_renames.values()}

    for name in sorted(old_actions.keys() - new_actions.keys() - renamed):
        changes.append(
            _change(
                "action-removed", BREAKING, "action", name, "action removed: old clients that send it get a problem"
            )
        )
    for name in sorted(new_actions.keys() - old_actions.keys() - renamed):
        changes.append(_change("action-added", COMPATIBLE, "action", name, "action added"))
    for name in sorted(old_events.keys() - new_events.keys() - renamed):
        changes.append(
            _change("event-removed", BREAKING, "event", name, "event removed: old clients waiting for it never get it")
        )
    for name in sorted(new_events.keys() - old_events.keys() - renamed):
        changes.append(
            _change(
                "event-added",
                COMPATIBLE,
                "event",
                name,
                "event added",
                note="old clients have no listener for it; the generated TypeScript client drops events nobody "
                "listens to",
            )
        )
    action_pairs = sorted(
        [(name, name) for name in old_actions.keys() & new_actions.keys()] + [*action_renames.items()]
    )
    for name, new_name in action_pairs:
        before, after = old_actions[name], new_actions[new_name]
        for delta in schema_deltas(
            {"$ref": f"#/$defs/{before.payload}"}, {"$ref": f"#/$defs/{after.payload}"}, old.schemas, new.schemas
        ):
            changes.append(_payload_change("action", name, delta))
        before_replies = {event_renames.get(reply, reply) for reply in before.replies}
        for reply in sorted(set(after.replies) - before_replies):
            changes.append(
                _change(
                    "reply-added",
                    POSSIBLY_BREAKING,
                    "action",
                    name,
                    f"reply event {reply!r} added: old clients awaiting this action's reply may receive an event "
                    "they do not expect",
                    "/replies",
                )
            )
        for reply in sorted(before_replies - set(after.replies)):
            changes.append(
                _change(
                    "reply-removed", COMPATIBLE, "action", name, f"reply event {reply!r} no longer sent", "/replies"
                )
            )
        for code in sorted(set(after.problems) - set(before.problems)):
            changes.append(
                _change(
                    "problem-added-to-action",
                    POSSIBLY_BREAKING,
                    "action",
                    name,
                    f"may now answer with problem {code!r}: old clients that handle each known code do not know it",
                    "/problems",
                )
            )
        for code in sorted(set(before.problems) - set(after.problems)):
            changes.append(
                _change(
                    "problem-removed-from-action",
                    COMPATIBLE,
                    "action",
                    name,
                    f"no longer answers with problem {code!r}",
                    "/problems",
                )
            )
    event_pairs = sorted([(name, name) for name in old_events.keys() & new_events.keys()] + [*event_renames.items()])
    for name, new_name in event_pairs:
        for delta in schema_deltas(
            {"$ref": f"#/$defs/{old_events[name].payload}"},
            {"$ref": f"#/$defs/{new_events[new_name].payload}"},
            old.schemas,
            new.schemas,
        ):
            changes.append(_payload_change("event", name, delta))
    changes.extend(_problems(old, new))
    order = {BREAKING: 0, POSSIBLY_BREAKING: 1, COMPATIBLE: 2}
    return sorted(changes, key=lambda change: (order[change.severity], change.kind, change.name, change.pointer))


def _renames(old: dict[str, Any], new: dict[str, Any], kind: Kind, changes: list[Change]) -> dict[str, str]:
    """Messages whose wire name changed (same message key, one name gone and one new): breaking."""
    gone = {item.message.key: name for name, item in old.items() if name not in new}
    came = {item.message.key: name for name, item in new.items() if name not in old}
    names: dict[str, str] = {}
    for key in sorted(gone.keys() & came.keys()):
        before, after = gone[key], came[key]
        names[before] = after
        who = "old clients send the old name" if kind == "action" else "old clients listen for the old name"
        changes.append(
            _change(
                "wire-name-changed",
                BREAKING,
                kind,
                before,
                f"{kind} renamed on the wire: {before!r} -> {after!r} ({who})",
            )
        )
    return names


def _problems(old: Protocol, new: Protocol) -> list[Change]:
    before = {problem.code: problem for problem in old.problems}
    after = {problem.code: problem for problem in new.problems}
    changes = []
    for code in sorted(before.keys() & after.keys()):
        if before[code].status != after[code].status:
            changes.append(
                _change(
                    "problem-status-changed",
                    BREAKING,
                    "problem",
                    code,
                    f"status {before[code].status} -> {after[code].status}: old clients branching on the status "
                    "misread it",
                    "/status",
                )
            )
        if (before[code].title, before[code].description) != (after[code].title, after[code].description):
            changes.append(_change("problem-text-changed", COMPATIBLE, "problem", code, "title or description changed"))
    for code in sorted(after.keys() - before.keys()):
        changes.append(_change("problem-added", COMPATIBLE, "problem", code, "problem declared"))
    for code in sorted(before.keys() - after.keys()):
        changes.append(_change("problem-removed", COMPATIBLE, "problem", code, "problem no longer declared"))
    return changes
