"""Handshake glue: SOCK_SERVER_OPTIONS, subprotocol selection, origins and access tokens."""

from __future__ import annotations

import asyncio
import threading
import urllib.request
from typing import Any

import pytest
from flask import Flask, current_app, g
from flask_sock import Sock  # type: ignore[import-untyped]
from websockets.exceptions import InvalidStatus

from beeflow_websocket.flask import configure_beeflow_websocket, get_dispatcher, handle_beeflow_websocket
from beeflow_websocket.flask.adapter import transport_limit
from beeflow_websocket.flask.handshake import Subprotocols, check_handshake

from .conftest import Served, action, open_ws, recv, request
from .kit import register


def make_app(**options: Any) -> tuple[Flask, list[Any]]:
    """An app whose /ws/ route serves beeflow; the list records each route call's user id."""
    app = Flask("handshake_test")
    sock = Sock(app)
    configure_beeflow_websocket(app, autodiscover=False, **options)
    served: list[Any] = []

    @sock.route("/ws/")  # type: ignore[untyped-decorator]
    def websocket_endpoint(websocket: Any) -> None:
        user_id = g.get("beeflow_user_id", "anonymous")
        served.append(user_id)
        handle_beeflow_websocket(websocket, user_id=user_id)

    @app.get("/page")
    def page() -> str:
        return "a page"

    return app, served


def test_sock_server_options_follow_our_limits_and_keep_the_apps_own() -> None:
    app = Flask("options")
    app.config["SOCK_SERVER_OPTIONS"] = {"subprotocols": ["chat"], "receive_bytes": 8192, "ping_interval": 5}
    configure_beeflow_websocket(app, autodiscover=False, max_message_size=100_000, ping_interval=12.5)
    options = app.config["SOCK_SERVER_OPTIONS"]
    assert options["receive_bytes"] == 8192
    assert options["ping_interval"] == 12.5
    assert options["max_message_size"] == transport_limit(100_000) == 125_000
    assert isinstance(options["subprotocols"], Subprotocols)
    assert options["subprotocols"].fallback == ("chat",)
    assert transport_limit(1000) == 1000 + 4096  # at least 4 KiB of slack
    configure_beeflow_websocket(app, autodiscover=False, ping_interval=None)  # configuring twice is fine
    assert app.config["SOCK_SERVER_OPTIONS"]["subprotocols"].fallback == ("chat",)
    assert app.config["SOCK_SERVER_OPTIONS"]["ping_interval"] is None
    assert app.before_request_funcs[None].count(check_handshake) == 1


@pytest.mark.parametrize(
    ("offered", "selected", "completion"),
    [
        # simple-websocket alone would pick the first offered one it knows: "access-token".
        (["access-token", "token-x", "beeflow.v1"], "beeflow.v1", True),
        (["beeflow.v1"], "beeflow.v1", True),
        (["access-token", "beeflow.v1-lookalike"], "access-token", False),
        (["other", "access-token", "token-y"], "access-token", False),
        (["chat"], "chat", False),  # the app's own list still applies when ours selects nothing
        (["unknown"], None, False),
        ([], None, False),
    ],
)
def test_subprotocol_selection_follows_the_core_rule(
    served: Any, offered: list[str], selected: str | None, completion: bool
) -> None:
    app = Flask("subprotocols")
    app.config["SOCK_SERVER_OPTIONS"] = {"subprotocols": ["chat"]}
    sock = Sock(app)
    configure_beeflow_websocket(app, autodiscover=False)

    @sock.route("/ws/")  # type: ignore[untyped-decorator]
    def websocket_endpoint(websocket: Any) -> None:
        handle_beeflow_websocket(websocket, user_id=1)

    server: Served = served(app)
    with open_ws(server.url(), *offered) as ws:
        assert ws.subprotocol == selected
        ws.send(action())
        assert recv(ws)["event"] == "health"
        if completion:
            assert recv(ws)["completed"] == "health"
        else:
            with pytest.raises(TimeoutError):
                ws.recv(timeout=0.2)


def test_sync_user_resolver_runs_in_the_request_thread_with_the_app_context(served: Any) -> None:
    calls: list[tuple[str, str]] = []

    def resolver(token: str) -> int | None:
        calls.append((threading.current_thread().name, current_app.name))
        return 42 if token == "good" else None

    register()
    app, routed = make_app(user_resolver=resolver)
    server: Served = served(app)
    with open_ws(server.url(), "beeflow.v1", "access-token", "good") as ws:
        assert ws.subprotocol == "beeflow.v1"
        [who, _] = request(ws, "whoami")
        assert who["payload"]["user_id"] == 42
    for refused in (["beeflow.v1", "access-token", "bad"], ["beeflow.v1"], ["access-token"]):
        with pytest.raises(InvalidStatus) as error:
            open_ws(server.url(), *refused)
        assert error.value.response.status_code == 403
    assert routed == [42]  # refused handshakes never reached the route
    assert calls[0][1] == "handshake_test"
    assert not calls[0][0].startswith("beeflow-websocket")


def test_async_user_resolver_runs_on_the_adapter_loop(served: Any) -> None:
    loops: list[asyncio.AbstractEventLoop] = []

    async def resolver(token: str) -> str | None:
        loops.append(asyncio.get_running_loop())
        return token.removeprefix("token-") if token.startswith("token-") else None

    register()
    app, _ = make_app(user_resolver=resolver)
    server: Served = served(app)
    with open_ws(server.url(), "access-token", "token-zoe") as ws:
        assert ws.subprotocol == "access-token"
        ws.send(action("whoami"))
        assert recv(ws)["payload"]["user_id"] == "zoe"
    assert loops == [get_dispatcher(app).loop]


def test_cross_origin_handshakes_get_403_before_the_websocket_exists(served: Any) -> None:
    app, routed = make_app(allowed_origins=["https://app.example.com"])
    server: Served = served(app)
    with pytest.raises(InvalidStatus) as refused:
        open_ws(server.url(), origin="https://evil.example")
    assert refused.value.response.status_code == 403
    assert routed == []
    for origin in ("https://APP.example.com:443", None):  # same origin spelled differently; not a browser
        with open_ws(server.url(), origin=origin) as ws:
            ws.send(action())
            assert recv(ws)["event"] == "health"
    # Plain HTTP routes are not WebSocket handshakes: the hook leaves them alone.
    page = urllib.request.Request(server.http("/page"), headers={"Origin": "https://evil.example"})
    with urllib.request.urlopen(page, timeout=10) as response:
        assert response.read() == b"a page"


def test_get_dispatcher_needs_configuration() -> None:
    with pytest.raises(RuntimeError, match="configure_beeflow_websocket"):
        get_dispatcher(Flask("unconfigured"))
