"""A static reference page of a protocol: ``beeflow-websocket docs SPEC --out DIR``.

One HTML file (``index.html``, styles inline, no JavaScript) lists the actions, events, replies and
problems, each payload schema with its members and constraints, the spec's examples, and the names
the generated code gives each (the Python handler, base, reply, event and model classes; the
TypeScript types and the client calls).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from beeflow_websocket_codegen import __version__
from beeflow_websocket_codegen.ir import Action, Event, Protocol, build_protocol
from beeflow_websocket_codegen.spec import Location, Workspace, load_spec
from beeflow_websocket_codegen.templates import template_environment
from beeflow_websocket_codegen.typescript.declarations import declarations

from .schema_view import Member, members, type_text

__all__ = ["render_reference", "write_reference"]

PAGE = "index.html"


@dataclass
class _MessageView:
    kind: str
    name: str
    anchor: str
    summary: str | None
    description: str | None
    payload: str
    python: list[tuple[str, str]]
    typescript: list[tuple[str, str]]
    members: list[Member]
    payload_type: str
    examples: list[tuple[str, str]] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)  # for events: the actions it replies to


def _anchor(kind: str, name: str) -> str:
    return f"{kind}-" + "".join(char if char.isalnum() or char in "-_." else "-" for char in name)


def _examples(workspace: Workspace, location: Location) -> list[tuple[str, str]]:
    """The message's ``examples`` (name, payload as indented JSON)."""
    if location.pointer is None:
        return []
    message, _, _ = workspace.resolve("#" + location.pointer, location.uri, location)
    found = message.get("examples") if isinstance(message, dict) else None
    views = []
    for index, item in enumerate(found if isinstance(found, list) else []):
        if isinstance(item, dict) and "payload" in item:
            name = item.get("name") or item.get("summary") or f"Example {index + 1}"
            views.append((str(name), json.dumps(item["payload"], indent=2, ensure_ascii=False)))
    return views


def _environment() -> jinja2.Environment:
    environment = template_environment(
        "beeflow_websocket_codegen.reference", autoescape=True, keep_trailing_newline=False
    )
    environment.filters["anchor"] = _anchor
    environment.filters["pretty"] = lambda value: json.dumps(value, indent=2, ensure_ascii=False)
    return environment


def render_reference(spec: Path) -> str:
    """The page for the spec at ``spec``."""
    workspace = load_spec(spec)
    protocol = build_protocol(workspace, spec, shared_schemas=True)
    ts_names = declarations(protocol.schemas).names
    views = _views(protocol, workspace, ts_names)
    schemas = [
        {
            "name": name,
            "anchor": _anchor("schema", name),
            "typescript": ts_names.get(name, name),
            "description": schema.get("description") if isinstance(schema, dict) else None,
            "type": type_text(schema),
            "members": members(schema, protocol.schemas),
            "schema": schema,
        }
        for name, schema in protocol.schemas.items()
    ]
    template = _environment().get_template("page.html.jinja")
    return template.render(
        protocol=protocol,
        actions=[view for view in views if view.kind == "action"],
        events=[view for view in views if view.kind == "event"],
        problems=protocol.problems,
        problem_users={
            problem.code: [action.name for action in protocol.actions if problem.code in action.problems]
            for problem in protocol.problems
        },
        schemas=schemas,
        version=__version__,
        spec_name=spec.name,
    )


def _views(protocol: Protocol, workspace: Workspace, ts_names: dict[str, str]) -> list[_MessageView]:
    views = []
    for action in protocol.actions:
        views.append(
            _view(
                "action",
                action,
                protocol,
                workspace,
                python=[
                    ("your handler", f"{action.class_name}({action.base_name}) in {action.module}.py"),
                    ("payload model", f"models.{action.payload}"),
                    ("reply type", f"actions.{action.reply_name}"),
                ],
                typescript=[
                    ("call", f"await client.request({json.dumps(action.name)}, payload)"),
                    ("payload type", "models." + ts_names.get(action.payload, action.payload)),
                ],
                replies=list(action.replies),
                problems=list(action.problems),
            )
        )
    for event in protocol.events:
        views.append(
            _view(
                "event",
                event,
                protocol,
                workspace,
                python=[("event class", f"events.{event.class_name}"), ("payload model", f"models.{event.payload}")],
                typescript=[
                    ("listen", f"client.on({json.dumps(event.name)}, (event) => ...)"),
                    ("payload type", "models." + ts_names.get(event.payload, event.payload)),
                ],
                answers=[action.name for action in protocol.actions if event.name in action.replies],
            )
        )
    return views


def _view(kind: str, item: Action | Event, protocol: Protocol, workspace: Workspace, **specific: Any) -> _MessageView:
    """What the views of actions and events have in common, from ``item``; ``specific`` holds the rest."""
    message = item.message
    return _MessageView(
        kind=kind,
        name=item.name,
        anchor=_anchor(kind, item.name),
        summary=message.summary or message.title,
        description=message.description,
        payload=item.payload,
        members=members(protocol.schemas.get(item.payload, {}), protocol.schemas),
        payload_type=item.payload,
        examples=_examples(workspace, message.location),
        **specific,
    )


def write_reference(spec: Path, out: Path) -> Path:
    """Write the page into the folder ``out`` (created if needed); return its path."""
    text = render_reference(spec)  # first, so a bad spec leaves no folder behind
    out.mkdir(parents=True, exist_ok=True)
    page = out / PAGE
    page.write_text(text, encoding="utf-8", newline="\n")
    return page
