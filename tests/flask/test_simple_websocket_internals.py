"""What the Flask adapter relies on in simple-websocket beyond its documented API, as installed.

The adapter puts its :class:`~beeflow_websocket.flask.wire.Wire` where simple-websocket takes the
request's socket (``werkzeug.socket`` or ``gunicorn.socket`` in the WSGI environ), finds it again
as the socket's ``sock`` attribute (``flask/sender.py``, ``flask/adapter.py``), and waits for the
reader ``thread`` to end before it ends the TCP connection (``flask/adapter.py``). Each test fails
when a new release moves one of these.
"""

from __future__ import annotations

import base64
import os
import socket
import threading
from collections.abc import Iterator

import pytest
from simple_websocket import Server  # type: ignore[import-untyped]

from beeflow_websocket.flask.wire import Wire, install_wire


def _environ(key: str, sock: socket.socket) -> dict[str, object]:
    return {
        key: sock,
        "HTTP_HOST": "127.0.0.1",
        "HTTP_UPGRADE": "websocket",
        "HTTP_CONNECTION": "Upgrade",
        "HTTP_SEC_WEBSOCKET_KEY": base64.b64encode(os.urandom(16)).decode(),
        "HTTP_SEC_WEBSOCKET_VERSION": "13",
    }


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    server_side, client_side = socket.socketpair()
    client_side.settimeout(5)
    yield server_side, client_side
    client_side.close()
    server_side.close()


@pytest.mark.parametrize("key", ["werkzeug.socket", "gunicorn.socket"])
def test_the_socket_simple_websocket_writes_through_is_the_wire_in_the_environ(
    key: str, pair: tuple[socket.socket, socket.socket]
) -> None:
    server_side, client_side = pair
    environ = _environ(key, server_side)
    wire = install_wire(environ)
    assert isinstance(wire, Wire)
    websocket = Server(environ)
    try:
        assert websocket.sock is wire
        assert client_side.recv(4096).startswith(b"HTTP/1.1 101")
    finally:
        websocket.close()


def test_the_reader_thread_ends_when_the_peer_goes(pair: tuple[socket.socket, socket.socket]) -> None:
    server_side, client_side = pair
    environ = _environ("werkzeug.socket", server_side)
    install_wire(environ)
    websocket = Server(environ)
    reader = websocket.thread
    assert isinstance(reader, threading.Thread)
    assert reader.is_alive()
    client_side.recv(4096)  # the handshake's answer
    client_side.shutdown(socket.SHUT_RDWR)
    reader.join(5)
    assert not reader.is_alive()
    assert not websocket.connected
