"""What the Flask adapter relies on in simple-websocket beyond its documented API, as installed.

Every such access sits in ``flask/_simple_websocket.py``. The adapter puts its
:class:`~beeflow_websocket.flask.wire.Wire` where simple-websocket takes the request's socket
(``werkzeug.socket`` or ``gunicorn.socket`` in the WSGI environ) and finds it again as the socket's
``sock`` attribute; it waits for the reader ``thread`` to end before it ends the TCP connection; and
its feed takes frames from ``input_buffer`` when the reader thread sets ``event``; its reader
thread parses frames through the wsproto connection ``ws`` it wraps in ``thread_class``. Each test fails
when a new release moves one of these.
"""

from __future__ import annotations

import base64
import os
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from simple_websocket import Server  # type: ignore[import-untyped]

from beeflow_websocket.flask import _simple_websocket as internals
from beeflow_websocket.flask.incoming import FrameReader
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
        assert internals.transport(websocket) is wire
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


def _client_text(text: str) -> bytes:
    payload = text.encode()
    mask = os.urandom(4)
    return bytes((0x81, 0x80 | len(payload))) + mask + bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))


class _Signal:
    def __init__(self, event: threading.Event) -> None:
        self.event = event
        self.calls = 0

    def set(self) -> None:
        self.calls += 1
        self.event.set()

    def clear(self) -> None:
        self.event.clear()

    def is_set(self) -> bool:
        return self.event.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self.event.wait(timeout)


def test_the_reader_thread_buffers_each_message_and_signals_the_event_in_its_place(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    server_side, client_side = pair
    environ = _environ("werkzeug.socket", server_side)
    install_wire(environ)
    websocket = Server(environ)
    try:
        client_side.recv(4096)  # the handshake's answer
        assert internals.feedable(websocket)
        assert internals.connected(websocket)
        assert internals.reader_thread(websocket) is websocket.thread
        event = internals.frame_event(websocket)
        signal = _Signal(event)
        internals.replace_frame_event(websocket, signal)
        client_side.sendall(_client_text("hello"))
        assert event.wait(5)
        assert signal.calls >= 1
        assert internals.input_buffer(websocket) == ["hello"]
        event.clear()
        internals.wake_receiver(websocket)
        assert signal.calls >= 2
    finally:
        websocket.close()


def test_the_reader_thread_reads_through_the_connection_thread_class_wraps(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    server_side, client_side = pair
    environ = _environ("werkzeug.socket", server_side)
    install_wire(environ)
    wrapped: list[object] = []

    def wrap(connection: object) -> FrameReader:
        wrapped.append(connection)
        return FrameReader(connection)

    websocket = Server(environ, thread_class=internals.reading_with(wrap))
    try:
        client_side.recv(4096)  # the handshake's answer
        assert isinstance(websocket.ws, FrameReader)
        assert wrapped == [websocket.ws.connection]
        assert isinstance(websocket.thread, threading.Thread)
        client_side.sendall(_client_text("one") + _client_text("two"))
        for _ in range(250):  # at most 5 s
            if len(internals.input_buffer(websocket)) >= 2:
                break
            time.sleep(0.02)
        assert internals.input_buffer(websocket) == ["one", "two"]
    finally:
        websocket.close()
