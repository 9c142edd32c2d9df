"""The FastAPI adapter in process: the 0.3.0 README, Starlette's TestClient, auth and pushes."""

from __future__ import annotations

import re
import textwrap
import threading
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import Depends, FastAPI, WebSocket
from fastapi.testclient import TestClient
from pydantic import BaseModel
from starlette.websockets import WebSocketDisconnect

from beeflow_websocket.core.action_registry import ActionContext, ActionRegistryMeta
from beeflow_websocket.core.action_set import ActionSet
from beeflow_websocket.core.event_registry import WebSocketEvent
from beeflow_websocket.core.events.health import HealthEvent
from beeflow_websocket.fastapi import (
    AccessTokenAuth,
    configure_beeflow_websocket,
    get_dispatcher,
    handle_beeflow_websocket,
)

# The 0.3.0 README's sections, copied verbatim from ../shared/seed (a test checks they still match).
README_SECTIONS = Path(__file__).with_name("readme_0_3_0_fastapi.md")
SEED_README = Path(__file__).resolve().parents[3] / "shared" / "seed" / "beeflow-websocket-0.3.0-README.md"


def action(name: str = "health", payload: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"msg_id": str(uuid.uuid4()), "req_id": str(uuid.uuid4()), "action": name, "payload": payload or {}}


def readme_blocks(section: str) -> list[str]:
    text = README_SECTIONS.read_text()
    body = text.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", body, re.S)


@pytest.mark.skipif(not SEED_README.exists(), reason="the 0.3.0 README lives in ../shared/seed beside the checkout")
def test_copied_sections_match_the_seed_readme() -> None:
    seed = SEED_README.read_text()
    for section in ("Plugin Autodiscover", "FastAPI Setup"):
        for block in readme_blocks(section):
            assert block in seed


def test_readme_fastapi_section_runs_as_written() -> None:
    [app_block] = readme_blocks("FastAPI Setup")
    namespace: dict[str, Any] = {"__name__": "readme_fastapi_app"}
    exec(compile(textwrap.dedent(app_block), "README.md", "exec", dont_inherit=True), namespace)
    app = namespace["app"]
    with TestClient(app) as client, client.websocket_connect("/ws/") as ws:
        frame = action()
        ws.send_json(frame)
        event = ws.receive_json()
    assert (event["event"], event["req_id"], event["seq"]) == ("health", frame["req_id"], 1)


def test_readme_autodiscover_snippet_configures_an_app() -> None:
    [snippet] = [block for block in readme_blocks("Plugin Autodiscover") if "configure_beeflow_websocket" in block]
    app = FastAPI()
    namespace: dict[str, Any] = {"app": app, "configure_beeflow_websocket": configure_beeflow_websocket}
    exec(compile(snippet, "README.md", "exec", dont_inherit=True), namespace)
    assert get_dispatcher(app).config.problem_type_base_url == "https://example.com/problems/websocket"


def make_app(**options: Any) -> FastAPI:
    app = FastAPI()
    configure_beeflow_websocket(app, autodiscover=False, **options)
    return app


def test_starlette_testclient_works_with_completion_and_problems() -> None:
    app = make_app(problem_type_base_url="https://example.com/p/")

    @app.websocket("/ws/")
    async def endpoint(websocket: WebSocket) -> None:
        await handle_beeflow_websocket(websocket, user_id=7)

    with TestClient(app) as client, client.websocket_connect("/ws/", subprotocols=["beeflow.v1"]) as ws:
        assert ws.accepted_subprotocol == "beeflow.v1"
        frame = action()
        ws.send_json(frame)
        assert ws.receive_json()["event"] == "health"
        completion = ws.receive_json()
        assert (completion["req_id"], completion["completed"], completion["events"]) == (frame["req_id"], "health", 1)
        ws.send_bytes(b"\xff")
        problem = ws.receive_json()
        assert problem["type"] == "https://example.com/p/invalid-message"
        ws.send_json(action())
        assert ws.receive_json()["seq"] == 2


def test_token_dependency_sync_resolver_runs_off_the_loop() -> None:
    threads: list[str] = []

    def resolver(token: str) -> int | None:
        threads.append(threading.current_thread().name)
        return 42 if token == "good" else None

    app = make_app()
    auth = AccessTokenAuth(resolver)

    @app.websocket("/ws/")
    async def endpoint(websocket: WebSocket, user_id: int = Depends(auth)) -> None:
        await handle_beeflow_websocket(websocket, user_id=user_id)

    with TestClient(app) as client:
        with client.websocket_connect("/ws/", subprotocols=["access-token", "good"]) as ws:
            assert ws.accepted_subprotocol == "access-token"
            ws.send_json(action())
            assert ws.receive_json()["event"] == "health"
        with (
            pytest.raises(WebSocketDisconnect) as refused,
            client.websocket_connect("/ws/", subprotocols=["access-token", "bad"]),
        ):
            pass
        assert refused.value.code == 1008
        with pytest.raises(WebSocketDisconnect), client.websocket_connect("/ws/"):
            pass
    assert threads
    assert all(name != threading.main_thread().name for name in threads)


def test_origin_allowlist_refuses_before_accept() -> None:
    app = make_app(allowed_origins=["https://app.example.com"])

    @app.websocket("/ws/")
    async def endpoint(websocket: WebSocket) -> None:
        await handle_beeflow_websocket(websocket, user_id=1)

    with TestClient(app) as client:
        with (
            pytest.raises(WebSocketDisconnect) as refused,
            client.websocket_connect("/ws/", headers={"origin": "https://evil.example"}),
        ):
            pass
        assert refused.value.code == 1008
        with client.websocket_connect("/ws/", headers={"origin": "https://APP.example.com:443"}) as ws:
            ws.send_json(action())
            assert ws.receive_json()["event"] == "health"


def test_push_from_async_and_sync_http_views() -> None:
    app = make_app()

    @app.websocket("/ws/{user}")
    async def endpoint(websocket: WebSocket, user: str) -> None:
        await handle_beeflow_websocket(websocket, user_id=user)

    @app.post("/async-push/{user}")
    async def async_push(user: str) -> dict[str, bool]:
        await get_dispatcher(app).push(HealthEvent(recipient="user", recipient_id=user))
        return {"ok": True}

    @app.post("/sync-push/{user}")
    def sync_push(user: str) -> dict[str, bool]:
        get_dispatcher(app).push_sync(HealthEvent(recipient="user", recipient_id=user))
        return {"ok": True}

    with (
        TestClient(app) as client,
        client.websocket_connect("/ws/ann") as ann,
        client.websocket_connect("/ws/ben") as ben,
    ):
        ann.send_json(action())  # both sockets are registered once they have answered something
        ann.receive_json()
        ben.send_json(action())
        ben.receive_json()
        assert client.post("/async-push/ann").json() == {"ok": True}
        assert client.post("/sync-push/ben").json() == {"ok": True}
        pushed_ann, pushed_ben = ann.receive_json(), ben.receive_json()
    assert (pushed_ann["recipient_id"], pushed_ann["req_id"], pushed_ann["seq"]) == ("ann", None, 2)
    assert (pushed_ben["recipient_id"], pushed_ben["req_id"], pushed_ben["seq"]) == ("ben", None, 2)


def test_an_unconfigured_app_is_served_with_the_defaults_as_in_030() -> None:
    app = FastAPI()

    @app.websocket("/ws/")
    async def endpoint(websocket: WebSocket) -> None:
        await handle_beeflow_websocket(websocket, user_id=1)

    with TestClient(app) as client, client.websocket_connect("/ws/") as websocket:
        websocket.send_text("not json")
        problem = websocket.receive_json()
        frame = {"msg_id": str(uuid.uuid4()), "req_id": str(uuid.uuid4()), "action": "health", "payload": {}}
        websocket.send_json(frame)
        health = websocket.receive_json()
    assert (problem["type"], problem["status"]) == ("about:blank", 400)
    assert health["payload"] == {"status": "ok"}


def test_two_apps_in_one_process_serve_their_own_actions() -> None:
    class Text(BaseModel):
        text: str

    class Said(WebSocketEvent, name="fastapi.said"):
        payload: Text

    class Echo(metaclass=ActionRegistryMeta, name="fastapi.echo"):
        async def execute(self, payload: Text, context: ActionContext) -> AsyncIterator[Said]:
            yield Said(recipient="websocket", recipient_id=context.websocket_id, payload=payload)

    admin_actions = ActionSet()

    class Ban(metaclass=ActionRegistryMeta, name="fastapi.ban", registry=admin_actions):
        async def execute(self, payload: Text, context: ActionContext) -> AsyncIterator[Said]:
            yield Said(recipient="websocket", recipient_id=context.websocket_id, payload=Text(text="banned"))

    def mounted(**options: Any) -> FastAPI:
        app = make_app(**options)

        @app.websocket("/ws/")
        async def endpoint(websocket: WebSocket) -> None:
            await handle_beeflow_websocket(websocket, user_id=1)

        return app

    site = FastAPI()
    site.mount("/chat", mounted(actions=[Echo]))
    site.mount("/admin", mounted(actions=admin_actions))
    site.mount("/all", mounted())

    def answer(path: str, name: str) -> dict[str, Any]:
        with TestClient(site) as client, client.websocket_connect(path) as websocket:
            websocket.send_json(action(name, {"text": "hi"}))
            return dict(websocket.receive_json())

    assert answer("/chat/ws/", "fastapi.echo")["payload"] == {"text": "hi"}
    assert answer("/chat/ws/", "fastapi.ban")["code"] == "unknown_websocket_action"
    assert answer("/admin/ws/", "fastapi.ban")["payload"] == {"text": "banned"}
    assert answer("/admin/ws/", "fastapi.echo")["code"] == "unknown_websocket_action"
    # Without actions= an app serves every registered action, as in 0.3.0; Ban is the admin app's own.
    assert answer("/all/ws/", "fastapi.echo")["payload"] == {"text": "hi"}
    assert answer("/all/ws/", "fastapi.ban")["code"] == "unknown_websocket_action"
    for path in ("/chat/ws/", "/admin/ws/", "/all/ws/"):
        assert answer(path, "health")["event"] == "health"
