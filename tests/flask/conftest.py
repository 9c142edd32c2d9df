"""Real werkzeug servers in the test process, and a small client for the Flask adapter tests.

The servers run in a thread of the test process (so tests can look at the adapter's loop and
threads) on a free 127.0.0.1 port, and are shut down when the test ends.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from websockets.sync.client import ClientConnection, connect
from werkzeug.serving import BaseWSGIServer, make_server

Frame = dict[str, Any]


class Served:
    """A running werkzeug server: where to connect."""

    def __init__(self, server: BaseWSGIServer) -> None:
        self.server = server
        self.port = server.server_port

    def url(self, path: str = "/ws/") -> str:
        return f"ws://127.0.0.1:{self.port}{path}"

    def http(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@contextmanager
def serve(app: Flask) -> Iterator[Served]:
    """Serve ``app`` on werkzeug's threaded server until the block ends."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="werkzeug-test-server", daemon=True)
    thread.start()
    try:
        yield Served(server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.fixture
def served() -> Iterator[Callable[[Flask], Served]]:
    """``served(app)`` starts a server for ``app``, stopped after the test."""
    stack: list[Any] = []

    def start(app: Flask) -> Served:
        context = serve(app)
        stack.append(context)
        return context.__enter__()

    yield start
    for context in reversed(stack):
        context.__exit__(None, None, None)


def open_ws(url: str, *subprotocols: str, origin: str | None = None, **options: Any) -> ClientConnection:
    return connect(
        url,
        subprotocols=list(subprotocols) or None,  # type: ignore[arg-type]
        origin=origin,  # type: ignore[arg-type]
        open_timeout=10,
        max_size=None,
        compression=None,
        **options,
    )


def action(name: str = "health", payload: Frame | None = None, *, req_id: str | None = None) -> str:
    return json.dumps(
        {"msg_id": str(uuid.uuid4()), "req_id": req_id or str(uuid.uuid4()), "action": name, "payload": payload or {}}
    )


def recv(ws: ClientConnection, timeout: float = 10) -> Frame:
    frame: Frame = json.loads(ws.recv(timeout=timeout))
    return frame


def request(ws: ClientConnection, name: str = "health", payload: Frame | None = None) -> list[Frame]:
    """Send an action on a ``beeflow.v1`` connection; the frames answering it, completion or problem last."""
    req_id = str(uuid.uuid4())
    ws.send(action(name, payload, req_id=req_id))
    frames = []
    while True:
        frame = recv(ws)
        if frame.get("req_id") == req_id:
            frames.append(frame)
            if "completed" in frame or "status" in frame:
                return frames
