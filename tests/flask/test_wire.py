"""What the adapter relies on in simple-websocket (no public API covers it), pinned by test:
it takes its socket from the WSGI environ, keeps it as ``sock`` and writes every byte through
``sock.send``; ``event`` wakes a thread blocked in ``receive``."""

from __future__ import annotations

import base64
import os
import socket
from typing import Any

from simple_websocket import Server  # type: ignore[import-untyped]

from beeflow_websocket.flask.wire import Wire, install_wire, text_frame


class CountingWire(Wire):
    def __init__(self, raw: Any) -> None:
        super().__init__(raw)
        self.writes: list[bytes] = []

    def send(self, data: bytes, flags: int = 0) -> int:
        self.writes.append(bytes(data))
        return super().send(data, flags)


def test_simple_websocket_writes_everything_through_the_installed_wire() -> None:
    server_side, client_side = socket.socketpair()
    try:
        key = base64.b64encode(os.urandom(16)).decode()
        environ: dict[str, Any] = {
            "werkzeug.socket": server_side,
            "HTTP_HOST": "localhost",
            "HTTP_CONNECTION": "Upgrade",
            "HTTP_UPGRADE": "websocket",
            "HTTP_SEC_WEBSOCKET_KEY": key,
            "HTTP_SEC_WEBSOCKET_VERSION": "13",
        }
        wire = install_wire(environ)
        assert isinstance(wire, Wire)
        assert wire.raw is server_side
        counting = environ["werkzeug.socket"] = CountingWire(server_side)
        websocket = Server(environ)
        assert websocket.sock is counting
        assert counting.writes
        assert counting.writes[0].startswith(b"HTTP/1.1 101")
        websocket.close(1000, "bye")
        assert counting.writes[-1][:1] == b"\x88"  # the close frame, through the wire too
        assert hasattr(websocket, "event")
        assert hasattr(websocket.event, "set")
    finally:
        client_side.close()
        server_side.close()


def test_text_frames_are_rfc_6455_server_frames() -> None:
    assert text_frame("hi") == b"\x81\x02hi"
    assert text_frame("x" * 200)[:4] == b"\x81\x7e\x00\xc8"
    assert text_frame("x" * 70_000)[:10] == b"\x81\x7f" + (70_000).to_bytes(8, "big")
    assert text_frame("ż") == b"\x81\x02" + "ż".encode()
