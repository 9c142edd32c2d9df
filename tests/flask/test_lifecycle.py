"""Connections end cleanly: threads, hub membership, core closes, simple-websocket's own cut-off, forks."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_sock import Sock  # type: ignore[import-untyped]
from websockets.exceptions import ConnectionClosed
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, CloseConnection, Request, TextMessage

from beeflow_websocket.core.recipient_registry import Address
from beeflow_websocket.flask import adapter, configure_beeflow_websocket, get_dispatcher, handle_beeflow_websocket
from beeflow_websocket.flask.adapter import transport_limit
from tests.conformance.servers import PYTHON, free_port, run_server

from .conftest import Served, action, open_ws, recv, request
from .kit import register

LIMIT = 10_000


def make_app(**options: Any) -> tuple[Flask, threading.Semaphore]:
    """An app whose route releases the semaphore each time ``handle_beeflow_websocket`` returns."""
    app = Flask("lifecycle_test")
    sock = Sock(app)
    configure_beeflow_websocket(app, autodiscover=False, max_message_size=LIMIT, **options)
    ended = threading.Semaphore(0)

    @sock.route("/ws/<user>")  # type: ignore[untyped-decorator]
    def websocket_endpoint(websocket: Any, user: str) -> None:
        try:
            handle_beeflow_websocket(websocket, user_id=user)
        finally:
            ended.release()

    return app, ended


def senders() -> list[str]:
    return [thread.name for thread in threading.enumerate() if thread.name.startswith("beeflow-websocket-sender-")]


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_closed_connections_leave_no_threads_and_no_hub_entries(served: Any) -> None:
    register()
    app, ended = make_app()
    server: Served = served(app)
    with open_ws(server.url("/ws/eve"), "beeflow.v1") as one, open_ws(server.url("/ws/eve")) as two:
        request(one)
        two.send(action())
        recv(two)
        frames = request(one, "flood", {"count": 600, "size": 16 * 1024})  # big enough to need the writer thread
        assert frames[-1]["events"] == 600
    with open_ws(server.url("/ws/fay"), "beeflow.v1", close_timeout=0.5) as three:
        # Gone in the middle of a flood it stopped reading: the writer thread and the flood must end too.
        three.send(action("flood", {"count": 3000, "size": 16 * 1024}))
        recv(three)
    for _ in range(3):
        assert ended.acquire(timeout=10)
    assert wait_for(lambda: not senders()), senders()
    hub = get_dispatcher(app).hub
    assert not list(hub.members(Address("user", "eve")))  # type: ignore[attr-defined]
    assert not list(hub.members(Address("user", "fay")))  # type: ignore[attr-defined]


def raw_client(port: int, path: str) -> tuple[socket.socket, WSConnection]:
    """A WebSocket client that answers nothing unless told to (wsproto over a plain socket)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    client = WSConnection(ConnectionType.CLIENT)
    sock.sendall(client.send(Request(host="127.0.0.1", target=path, subprotocols=["beeflow.v1"])))
    while True:
        client.receive_data(sock.recv(65536))
        events = list(client.events())
        if events:
            assert isinstance(events[0], AcceptConnection), events
            return sock, client


def read_events(sock: socket.socket, client: WSConnection, until: type) -> list[Any]:
    events: list[Any] = []
    while not any(isinstance(event, until) for event in events):
        data = sock.recv(65536)
        if not data:
            break
        client.receive_data(data)
        events.extend(client.events())
    return events


def test_a_core_close_ends_the_connection_even_when_the_client_never_answers(
    served: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(adapter, "CLOSE_TIMEOUT", 1.0)
    app, ended = make_app()
    server: Served = served(app)
    sock, client = raw_client(server.port, "/ws/gus")
    with sock:
        sock.sendall(client.send(TextMessage(data="x" * (LIMIT + 100))))  # over our limit, under the transport's
        events = read_events(sock, client, CloseConnection)
        assert ended.acquire(timeout=5)  # the client still has not answered the close
        assert sock.recv(65536) == b""  # and the server has ended the TCP connection
    problem = json.loads(next(event.data for event in events if isinstance(event, TextMessage)))
    assert (problem["status"], problem["code"]) == (413, "websocket_message_too_large")
    assert next(event for event in events if isinstance(event, CloseConnection)).code == 1009


def test_frames_far_over_the_limit_are_cut_off_by_simple_websocket(
    served: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(adapter, "RECEIVE_TIMEOUT", 0.5)  # how soon a thread simple-websocket forgot gets back
    app, ended = make_app()
    server: Served = served(app)
    sock, client = raw_client(server.port, "/ws/hal")
    with sock:
        sock.sendall(client.send(TextMessage(data="x" * (transport_limit(LIMIT) + 100))))
        events = read_events(sock, client, CloseConnection)
        assert not [event for event in events if isinstance(event, TextMessage)]  # no problem frame
        assert next(event for event in events if isinstance(event, CloseConnection)).code == 1009
        assert ended.acquire(timeout=5)
    with open_ws(server.url("/ws/ida")) as ws:  # the server is fine
        ws.send(action())
        assert recv(ws)["event"] == "health"


def test_a_client_that_never_answers_pings_is_closed(served: Any) -> None:
    app, ended = make_app(ping_interval=0.2)
    server: Served = served(app)
    sock, client = raw_client(server.port, "/ws/lou")
    with sock:
        events = read_events(sock, client, CloseConnection)
        assert ended.acquire(timeout=5)
    assert next(event for event in events if isinstance(event, CloseConnection)).code == 1008


def test_oversized_frame_then_close_1009_through_a_normal_client(served: Any) -> None:
    app, ended = make_app()
    server: Served = served(app)
    with open_ws(server.url("/ws/jo"), "beeflow.v1") as ws:
        ws.send(action("health", {"pad": "y" * LIMIT}))
        assert recv(ws)["status"] == 413
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1009
    assert ended.acquire(timeout=5)


def test_gunicorn_preload_forks_after_configure_and_the_worker_gets_its_own_loop(tmp_path: Path) -> None:
    port = free_port()
    argv = [
        PYTHON, "-m", "gunicorn", "--preload", "--worker-class", "gthread", "--threads", "8", "--workers", "1",
        "--bind", f"127.0.0.1:{port}", "tests.flask.preload_app:app",
    ]  # fmt: skip
    with (
        run_server("gunicorn-preload", argv, port=port, log=tmp_path / "server.log") as server,
        open_ws(f"ws://127.0.0.1:{port}/ws/kim") as ws,
    ):
        ws.send(action())
        assert recv(ws)["seq"] == 1
        push = urllib.request.Request(f"http://127.0.0.1:{port}/push/kim", method="POST")
        with urllib.request.urlopen(push, timeout=15) as response:
            assert json.loads(response.read()) == {"ok": True}
        assert [recv(ws)["seq"], recv(ws)["seq"]] == [2, 3]
    assert "Traceback" not in server.logs()
