"""A WebSocket server that speaks a spec's protocol from the schema alone: ``beeflow-websocket mock SPEC``.

The Python package ``generate`` would write is generated into a temporary folder and imported, so
the mock runs the real runtime: payloads are validated by the generated models (an invalid one is
answered with the runtime's 400 problem), unknown actions get ``unknown_websocket_action``, frames,
``req_id``\\s, ``seq`` and completion are those of beeflow-websocket. Each action is answered with
each of its reply events, sent to the connection that asked; a reply's payload is the event's first
message example, else a value made up from its schema, with the members it shares with the action's
payload copied over (``chat.join {room: "lobby"}`` answers ``chat.joined {room: "lobby", ...}``).
``--problem ACTION=CODE`` makes an action answer with one of its declared problems instead.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from beeflow_websocket_codegen.errors import Diagnostic, SpecError
from beeflow_websocket_codegen.ir import Action, Protocol, build_protocol
from beeflow_websocket_codegen.python.emitter import emit_python
from beeflow_websocket_codegen.spec import Location, Workspace, load_spec

from .values import sample

__all__ = ["MockPlan", "build_app", "plan_mock"]

PACKAGE = "beeflow_websocket_mock_api"


@dataclass(frozen=True)
class MockPlan:
    """What the mock answers: per action, the reply events with the payload each starts from."""

    protocol: Protocol
    replies: dict[str, list[tuple[str, dict[str, Any]]]]
    path: str
    #: events whose payload is no object (the mock leaves them out)
    missing: list[str]
    #: actions answered with one of their declared problems instead of their replies (``--problem``)
    problems: dict[str, str] = field(default_factory=dict)


def _first_example(workspace: Workspace, location: Location) -> Any:
    if location.pointer is None:
        return None
    message, _, _ = workspace.resolve("#" + location.pointer, location.uri, location)
    for item in (message.get("examples") if isinstance(message, dict) else None) or []:
        if isinstance(item, dict) and isinstance(item.get("payload"), dict):
            return item["payload"]
    return None


def _path(workspace: Workspace) -> str:
    for channel in (workspace.root.data.get("channels") or {}).values():
        address = channel.get("address") if isinstance(channel, dict) else None
        if isinstance(address, str) and address.startswith("/") and "{" not in address:
            return address
    return "/ws/"


def plan_mock(spec: Path, problems: list[str] | None = None) -> MockPlan:
    """What the mock answers; ``problems`` holds ``ACTION=CODE`` choices (an action and a problem it declares)."""
    workspace = load_spec(spec)
    protocol = build_protocol(workspace, spec)
    chosen = _chosen_problems(protocol, problems or [])
    replies: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    missing = []
    for action in protocol.actions:
        answers = []
        for name in action.replies:
            event = protocol.event(name)
            payload = _first_example(workspace, event.message.location)
            if payload is None:
                payload = sample({"$ref": f"#/$defs/{event.payload}"}, protocol.schemas)
            if isinstance(payload, dict):
                answers.append((name, payload))
            else:
                missing.append(name)
        replies[action.name] = answers
    return MockPlan(protocol, replies, _path(workspace), missing, chosen)


def _chosen_problems(protocol: Protocol, choices: list[str]) -> dict[str, str]:
    actions = {action.name: action for action in protocol.actions}
    chosen = {}
    for choice in choices:
        name, _, code = choice.rpartition("=")
        action = actions.get(name)
        if action is None:
            known = ", ".join(sorted(actions)) or "none"
            raise SpecError(Diagnostic(f"--problem {choice!r}: no action {name!r} (actions: {known}); use ACTION=CODE"))
        if code not in action.problems:
            declared = ", ".join(action.problems) or "none"
            raise SpecError(
                Diagnostic(f"--problem {choice!r}: {name!r} does not declare problem {code!r} (x-problems: {declared})")
            )
        chosen[name] = code
    return chosen


def _import_generated(plan: MockPlan, workdir: Path) -> Any:
    output = emit_python(plan.protocol, spec="(mock)", line_length=120, format_assertion=False)
    package = workdir / PACKAGE
    for relative, text in output.generated.items():
        if relative == "__init__.py":
            continue  # it imports the user's handler modules; the mock defines its handlers itself
        target = package / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    (package / "__init__.py").write_text("", encoding="utf-8")
    sys.path.insert(0, str(workdir))
    return SimpleNamespace(
        **{
            name: importlib.import_module(f"{PACKAGE}._generated.{name}")
            for name in ("models", "events", "actions", "problems")
        }
    )


def _handler(action: Action, plan: MockPlan, generated: Any, unfit: list[str]) -> type:
    from beeflow_websocket.core.action_registry import ActionContext

    base = getattr(generated.actions, action.base_name)
    answers = []
    for name, payload in plan.replies[action.name]:
        event = plan.protocol.event(name)
        model = getattr(generated.models, event.payload)
        try:
            model.model_validate_json(json.dumps(payload))
        except ValueError:
            unfit.append(name)
            continue
        answers.append((getattr(generated.events, event.class_name), model, payload))

    code = plan.problems.get(action.name)
    problem = getattr(generated.problems, plan.protocol.problem(code).class_name) if code is not None else None

    async def execute(self: Any, payload: Any, context: ActionContext) -> AsyncIterator[Any]:
        if problem is not None:
            raise problem(f"The mock answers {action.name!r} with this problem (--problem).")
        sent = payload.model_dump(mode="json", by_alias=True)
        for event_class, model, start in answers:
            fitted = None
            for candidate in ({**start, **{key: sent[key] for key in start.keys() & sent.keys()}}, start):
                try:
                    fitted = model.model_validate_json(json.dumps(candidate))
                    break
                except ValueError:
                    continue
            if fitted is not None:
                yield event_class(recipient="websocket", recipient_id=context.websocket_id, payload=fitted)

    namespace = {"execute": execute, "payload_model": base.payload_model, "__module__": f"{PACKAGE}.mock"}
    return type(action.class_name, (base,), namespace)


def build_app(plan: MockPlan, workdir: Path) -> tuple[Any, list[str]]:
    """A FastAPI application serving the mock at ``plan.path``, and the reply events it cannot send.

    A reply is left out when neither the event's example nor the value made up from its schema
    passes the generated model (a ``pattern`` no simple string matches, say).
    """
    try:
        import uvicorn  # noqa: F401 - the command serves the app with it
        from fastapi import FastAPI, WebSocket

        from beeflow_websocket.fastapi import configure_beeflow_websocket, handle_beeflow_websocket
    except ImportError as error:
        raise SpecError(
            Diagnostic(
                f"the mock server needs FastAPI and uvicorn: pip install 'beeflow-websocket[fastapi]' uvicorn ({error})"
            )
        ) from None
    generated = _import_generated(plan, workdir)
    unfit: list[str] = []
    for action in plan.protocol.actions:
        _handler(action, plan, generated, unfit)
    app = FastAPI(title=f"{plan.protocol.title} (mock)")
    configure_beeflow_websocket(app, autodiscover=False)

    async def endpoint(websocket: WebSocket) -> None:
        await handle_beeflow_websocket(websocket, user_id=websocket.query_params.get("user"))

    # FastAPI reads the parameter's type to inject the socket; WebSocket is imported here, not at module level.
    endpoint.__annotations__ = {"websocket": WebSocket, "return": None}
    app.add_api_websocket_route(plan.path, endpoint)
    return app, sorted(set(unfit) | set(plan.missing))
