"""The Sender without a server: order, closes after frames, backpressure, a socket that goes away."""

from __future__ import annotations

import asyncio
import socket
import threading
from typing import Any

import pytest

from beeflow_websocket.flask.loop import call, process_loop
from beeflow_websocket.flask.sender import FLUSH_BYTES, HIGH_WATER, Sender, SocketGoneError
from beeflow_websocket.flask.wire import Wire


class SlowSocket:
    """A simple-websocket stand-in with no plain socket (so every write goes to the writer thread)."""

    subprotocol: str | None = None

    def __init__(self) -> None:
        self.written: list[Any] = []
        self.gate = threading.Event()
        self.fail = False

    def send(self, data: str | bytes) -> None:
        self.gate.wait(10)
        if self.fail:
            raise ConnectionError("gone")
        self.written.append(data)

    def receive(self, timeout: float | None = None) -> str | bytes | None:
        return None

    def close(self, reason: int | None = None, message: str | None = None) -> None:
        self.written.append(("close", reason, message))


def test_frames_and_the_close_after_them_leave_in_order() -> None:
    websocket = SlowSocket()
    sender = Sender(websocket, process_loop(), name="beeflow-websocket-sender-test")

    async def produce() -> None:
        for index in range(50):
            await sender.send(f"frame {index}")
        await sender.close(1009, "message too big")

    call(produce())
    websocket.gate.set()
    sender.stop()
    assert websocket.written == [*(f"frame {index}" for index in range(50)), ("close", 1009, "message too big")]


def test_send_waits_while_the_writer_thread_is_far_behind() -> None:
    websocket = SlowSocket()
    sender = Sender(websocket, process_loop(), name="beeflow-websocket-sender-test")
    produced: list[int] = []

    async def produce() -> None:
        for index in range(HIGH_WATER * 2):
            await sender.send(str(index))
            produced.append(index)

    future = asyncio.run_coroutine_threadsafe(produce(), process_loop())
    with pytest.raises(TimeoutError):
        future.result(timeout=0.3)  # the socket takes nothing: send() stops at the high-water mark
    assert len(produced) == HIGH_WATER - 1  # the send() that queued frame number HIGH_WATER is waiting
    websocket.gate.set()
    future.result(timeout=10)
    sender.stop()
    assert websocket.written == [str(index) for index in range(HIGH_WATER * 2)]


def test_a_failed_socket_makes_send_raise_and_drops_the_rest() -> None:
    websocket = SlowSocket()
    websocket.fail = True
    websocket.gate.set()
    sender = Sender(websocket, process_loop(), name="beeflow-websocket-sender-test")

    async def produce() -> int:
        for index in range(HIGH_WATER * 4):
            try:
                await sender.send(str(index))
            except SocketGoneError:
                return index
        return -1

    assert call(produce()) > 0
    sender.stop()
    assert websocket.written == []
    with pytest.raises(SocketGoneError):
        call(sender.send("late"))


class PlainSocket:
    """A simple-websocket stand-in on a real socket behind a Wire: frames are written on the loop."""

    subprotocol: str | None = None

    def __init__(self, sock: socket.socket) -> None:
        self.sock = Wire(sock)

    def send(self, data: str | bytes) -> None:
        raise AssertionError("frames on a plain socket never go through websocket.send")

    def receive(self, timeout: float | None = None) -> str | bytes | None:
        return None

    def close(self, reason: int | None = None, message: str | None = None) -> None:
        payload = (reason or 1000).to_bytes(2, "big") + (message or "").encode()
        self.sock.send(bytes((0x88, len(payload))) + payload)


def _read_frames(sock: socket.socket, count: int) -> list[tuple[int, bytes]]:
    """``count`` unmasked server frames as (opcode, payload); at most 10 s."""
    sock.settimeout(10)
    data = b""
    frames: list[tuple[int, bytes]] = []
    while len(frames) < count:
        chunk = sock.recv(1 << 20)
        assert chunk, "the socket closed early"
        data += chunk
        while len(data) >= 2:
            size, start = data[1] & 0x7F, 2
            if size == 126:
                size, start = int.from_bytes(data[2:4], "big"), 4
            elif size == 127:
                size, start = int.from_bytes(data[2:10], "big"), 10
            if len(data) < start + size:
                break
            frames.append((data[0] & 0x0F, data[start : start + size]))
            data = data[start + size :]
    return frames


def test_frames_sent_in_one_pass_leave_in_order_with_the_close_after_them() -> None:
    server_side, client_side = socket.socketpair()
    try:
        sender = Sender(PlainSocket(server_side), process_loop(), name="beeflow-websocket-sender-test")
        big = "x" * (FLUSH_BYTES // 3)  # a few of these go out before the pass ends

        async def produce() -> None:
            for index in range(40):
                await sender.send(f"frame {index}" if index % 10 else big + str(index))
            await sender.close(1000, "bye")

        call(produce())
        frames = _read_frames(client_side, 41)
        sender.stop()
        expected = [(1, (f"frame {index}" if index % 10 else big + str(index)).encode()) for index in range(40)]
        assert frames[:40] == expected
        assert frames[40] == (8, (1000).to_bytes(2, "big") + b"bye")
    finally:
        client_side.close()
        server_side.close()


def test_frames_sent_in_one_pass_are_written_when_the_pass_ends() -> None:
    server_side, client_side = socket.socketpair()
    try:
        sender = Sender(PlainSocket(server_side), process_loop(), name="beeflow-websocket-sender-test")

        async def produce() -> None:
            for index in range(5):
                await sender.send(f"frame {index}")

        call(produce())  # no close and no stop: the frames still leave
        assert _read_frames(client_side, 5) == [(1, f"frame {index}".encode()) for index in range(5)]
        sender.stop()
    finally:
        client_side.close()
        server_side.close()
