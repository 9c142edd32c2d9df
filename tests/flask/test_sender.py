"""The Sender without a server: order, closes after frames, backpressure, a socket that goes away."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from beeflow_websocket.flask.loop import call, process_loop
from beeflow_websocket.flask.sender import HIGH_WATER, Sender, SocketGoneError


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
