"""The Python package generated from a :class:`~beeflow_websocket_codegen.ir.Protocol`.

Layout of ``--python-out my_app/ws``::

    my_app/ws/__init__.py            generated: imports _generated, then every handler module
    my_app/ws/_generated/__init__.py generated: checks that the runtime is new enough
    my_app/ws/_generated/models.py   generated: payload models (see .models)
    my_app/ws/_generated/events.py   generated: one WebSocketEvent subclass per event
    my_app/ws/_generated/actions.py  generated: one base class per action, answering 501
    my_app/ws/_generated/problems.py generated: one WebSocketProblem subclass per x-problems entry
    my_app/ws/<action>.py            yours, created once per action: the subclass you implement

Handler modules sit next to ``_generated/`` so that they import it with sibling-relative imports
(``from ._generated import models``): those sort the same under every isort configuration, and
no linter bans them.

Names are computed here and in :mod:`..ir`; the jinja templates only lay the code out.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from functools import cache
from typing import Any

import jinja2

from beeflow_websocket_codegen import __version__
from beeflow_websocket_codegen.ir import Action, Event, Problem, Protocol

from .formatting import format_python
from .layout import GENERATED_DIR, HEADER_MARK
from .models import generate_models

__all__ = ["GENERATED_DIR", "HEADER_MARK", "RUNTIME_API", "PythonOutput", "emit_python", "header"]

#: The runtime API level the generated code needs (see ``beeflow_websocket.runtime``).
RUNTIME_API = 3


@dataclass(frozen=True)
class PythonOutput:
    """Files by path relative to the output package (POSIX separators)."""

    #: rewritten on every run
    generated: dict[str, str]
    #: created when missing, never overwritten
    user: dict[str, str]
    #: user-owned handler module of each action, by wire name
    handler_modules: dict[str, str]


def header(spec: str) -> str:
    """The first lines of every generated file."""
    return (
        f"{HEADER_MARK} {__version__}, do not edit.\n"
        f"# Source: {spec}\n"
        "# Change the schema, then run `beeflow-websocket generate`."
    )


def _escape(text: str) -> str:
    text = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if text.endswith('"'):
        text = text[:-1] + '\\"'
    return text


def _docstring(text: str, indent: int, width: int) -> str:
    """``text`` escaped for a docstring, paragraphs wrapped to ``width``."""
    paragraphs = [paragraph.strip("\n") for paragraph in text.strip().split("\n\n") if paragraph.strip()]
    lines: list[str] = []
    room = max(40, width - indent)
    for index, paragraph in enumerate(paragraphs):
        if index:
            lines.append("")
        raw_lines = paragraph.splitlines()
        structured = any(
            line.lstrip().startswith(("- ", "* ", "```", "|")) or line.startswith("  ") for line in raw_lines
        )
        if structured:
            lines.extend(line.rstrip() for line in raw_lines)
        else:
            first_room = room - 3 if not lines else room
            wrapped = textwrap.wrap(" ".join(line.strip() for line in raw_lines), width=first_room)
            if wrapped and len(wrapped) > 1:
                rest = textwrap.wrap(" ".join(wrapped[1:]), width=room)
                wrapped = [wrapped[0], *rest]
            lines.extend(wrapped)
    pad = " " * indent
    body = "\n".join((pad + line if line and number else line) for number, line in enumerate(lines))
    if len(lines) > 1:
        body += "\n" + pad
    return _escape(body)


@cache
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("beeflow_websocket_codegen.python", "templates"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    environment.filters["pystr"] = lambda value: json.dumps(str(value), ensure_ascii=False)
    environment.filters["rst"] = lambda value: _escape(str(value))
    return environment


def _describe(*parts: str | None) -> str:
    return "\n\n".join(part for part in parts if part)


def _event_view(event: Event, payload_class: str) -> dict[str, Any]:
    message = event.message
    doc = _describe(
        message.summary or message.title or f"The ``{event.name}`` event.",
        message.description,
    )
    return {"class_name": event.class_name, "name": event.name, "payload": payload_class, "doc": doc}


def _action_view(
    action: Action, protocol: Protocol, payload_class: str, event_payloads: dict[str, str]
) -> dict[str, Any]:
    message = action.message
    replies = [protocol.event(name) for name in action.replies]
    reply_type = " | ".join(f"events.{event.class_name}" for event in replies) or "WebSocketEvent"
    notes = []
    if replies:
        notes.append("Replies: " + ", ".join(f"``{event.name}``" for event in replies) + ".")
    if action.problems:
        problems = [protocol.problem(code) for code in action.problems]
        notes.append("Problems: " + ", ".join(f"``{item.code}`` ({item.status})" for item in problems) + ".")
    doc = _describe(
        message.summary or message.title or f"The ``{action.name}`` action.", message.description, " ".join(notes)
    )
    if replies:
        first = replies[0]
        hint = [
            "Yield the events that answer the action, e.g. (with",
            "`from ._generated import events`):",
            f"yield events.{first.class_name}(",
            '    recipient="websocket",',
            "    recipient_id=context.websocket_id,",
            f"    payload=models.{event_payloads[first.name]}(...),",
            ")",
        ]
    else:
        hint = ["This action declares no reply events: yield none, or events you choose."]
    return {
        "name": action.name,
        "class_name": action.class_name,
        "base_name": action.base_name,
        "reply_name": action.reply_name,
        "reply_type": reply_type,
        "payload": payload_class,
        "module": action.module,
        "doc": doc,
        "hint": hint,
        "uses_events": bool(replies),
    }


def _problem_view(problem: Problem) -> dict[str, Any]:
    title = problem.title or problem.code.replace("_", " ").replace("-", " ").capitalize()
    doc = _describe(f"{problem.status} ``{problem.code}``: {title}.", problem.description)
    return {
        "class_name": problem.class_name,
        "status": problem.status,
        "code": problem.code,
        "title": title,
        "doc": doc,
    }


def emit_python(
    protocol: Protocol, *, spec: str, line_length: int = 88, format_assertion: bool = False
) -> PythonOutput:
    """Render, format and return every file of the package (nothing is written here)."""
    roots = frozenset(
        message.payload for message in [*(a.message for a in protocol.actions), *(e.message for e in protocol.events)]
    )
    generated_models = generate_models(protocol.schemas, roots=roots, format_assertion=format_assertion)
    names = generated_models.class_names
    environment = _environment()
    context: dict[str, Any] = {
        "header": header(spec),
        "title": protocol.title or "this protocol",
        "runtime_api": RUNTIME_API,
        "docstring": lambda text, indent: _docstring(text, indent, line_length),
    }
    event_payloads = {event.name: names[event.payload] for event in protocol.events}
    events = [_event_view(event, names[event.payload]) for event in protocol.events]
    actions = [_action_view(action, protocol, names[action.payload], event_payloads) for action in protocol.actions]
    problems = [_problem_view(problem) for problem in protocol.problems]

    def render(template: str, **extra: Any) -> str:
        return environment.get_template(template).render(**context, **extra)

    models_source = render("models_header.py.jinja") + _strip_future_header(generated_models.source)
    generated = {
        "__init__.py": render("package_init.py.jinja", actions=actions),
        f"{GENERATED_DIR}/__init__.py": render("generated_init.py.jinja"),
        f"{GENERATED_DIR}/models.py": models_source,
        f"{GENERATED_DIR}/events.py": render("events.py.jinja", events=events),
        f"{GENERATED_DIR}/actions.py": render(
            "actions.py.jinja",
            actions=actions,
            needs_events=any(action["uses_events"] for action in actions),
            needs_websocket_event=any(not action["uses_events"] for action in actions),
        ),
        f"{GENERATED_DIR}/problems.py": render("problems.py.jinja", problems=problems),
    }
    if "from ._runtime import" in models_source:
        generated[f"{GENERATED_DIR}/_runtime.py"] = render("runtime.py.jinja")
    user = {}
    handler_modules = {}
    for view in actions:
        path = f"{view['module']}.py"
        user[path] = render("handler.py.jinja", action=view)
        handler_modules[view["name"]] = path
    formatted = format_python({**generated, **user}, line_length=line_length)
    return PythonOutput(
        generated={path: formatted[path] for path in generated},
        user={path: formatted[path] for path in user},
        handler_modules=handler_modules,
    )


def _strip_future_header(source: str) -> str:
    """The models module minus any leading comments and blank lines (our header is on top)."""
    lines = source.splitlines(keepends=True)
    while lines and (not lines[0].strip() or lines[0].startswith("#")):
        lines.pop(0)
    return "\n" + "".join(lines) if lines else ""
