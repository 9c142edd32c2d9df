"""Frames go from simple-websocket's reader thread straight to the process loop.

simple-websocket reads a socket on a thread of its own and leaves each message in the socket's
``input_buffer``, then sets its ``event``. Handing every frame to the request thread first and
from there to the loop costs two thread switches per frame, the largest cost of a request under
load. A :class:`Feed` takes the socket's ``event``: when the reader thread announces a frame, the
loop is asked (once, however many frames follow) to run the buffered frames through
``Connection.receive``, one after another, in arrival order. The request thread only waits for the
socket to end.

Only one frame of a connection is in the core at a time (``receive`` returns once the action is
finished, or, with ``max_in_flight`` above 1, once it has started); the rest wait in the buffer as
simple-websocket left them, so a busy connection holds its frames as text, never as tasks. Frames
run in a copy of the request thread's context variables (``flask.current_app`` works in handlers).
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from typing import Any

from beeflow_websocket.core.connection import Connection

from ._simple_websocket import connected, feedable, frame_event, input_buffer, replace_frame_event
from .loop import submit
from .sender import Sender

__all__ = ["Feed", "feedable"]


class _Signal:
    """Stands in for the socket's ``event``: a frame wakes the loop, anything else the request thread."""

    def __init__(self, feed: Feed, event: threading.Event) -> None:
        self._feed = feed
        self._event = event

    def set(self) -> None:
        feed = self._feed
        if connected(feed.websocket) and feed.buffer:
            feed.kick()  # a frame: the request thread need not wake
        else:
            self._event.set()  # closed, refused, or woken by the adapter: the request thread looks

    def clear(self) -> None:
        self._event.clear()

    def is_set(self) -> bool:
        return self._event.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._event.wait(timeout)


class Feed:
    """Runs one socket's frames on the loop as the reader thread reads them (see the module docstring)."""

    def __init__(
        self, websocket: Any, connection: Connection, loop: asyncio.AbstractEventLoop, sender: Sender | None = None
    ) -> None:
        self.websocket = websocket
        self._sender = sender  # the pump writes what its frames' answers sent, in one go, when it stops
        self.buffer = input_buffer(websocket)
        self._event = frame_event(websocket)
        self._connection = connection
        self._loop = loop
        self._context = contextvars.copy_context()
        self._lock = threading.Lock()
        self._scheduled = False  # a pump is queued for the loop or running: the next kick does nothing
        self._idle: list[asyncio.Future[None]] = []
        self.failed: BaseException | None = None

    def run(self, timeout: float) -> None:
        """In the request thread: feed frames until the socket or the connection ends.

        Wakes at least every ``timeout`` seconds (simple-websocket can close without setting its event).
        """
        replace_frame_event(self.websocket, _Signal(self, self._event))
        self.kick()  # frames read before the signal was in place
        connection, websocket, event = self._connection, self.websocket, self._event
        while connected(websocket) and not connection.closed and self.failed is None:
            event.wait(timeout)
            event.clear()
            if connected(websocket) and self.buffer:
                self.kick()  # announced on the event itself, just before the signal took its place

    def kick(self) -> None:
        """Have the loop run the buffered frames (from any thread)."""
        if self._scheduled:
            # The pump clears the flag before its last look at the buffer: it will see this frame.
            return
        with self._lock:
            if self._scheduled:
                return
            self._scheduled = True
        submit(self._loop, self._pump, None)

    async def finished(self) -> None:
        """On the loop: wait until every frame read before the end has gone through the core."""
        while True:
            with self._lock:
                idle = not self._scheduled
            if idle and (not self.buffer or self._connection.closed or self.failed is not None):
                break
            if idle:
                self.kick()
            waiter = self._loop.create_future()
            self._idle.append(waiter)
            await waiter
        if self.failed is not None:
            raise self.failed

    def _pump(self, _: Any = None) -> None:
        sender = self._sender
        if sender is None:
            self._pump_frames()
            return
        sender.holding = True
        try:
            self._pump_frames()
        finally:
            sender.holding = False
            sender.flush()

    def _pump_frames(self) -> None:
        # On the loop: one frame at a time; an action that waits resumes the pump when it is done.
        connection, buffer = self._connection, self.buffer
        while True:
            if not buffer or connection.closed or self.failed is not None:
                with self._lock:
                    self._scheduled = False
                if buffer and not connection.closed and self.failed is None:
                    self.kick()  # a frame came after the look above: a kick that saw the flag set skipped it
                break
            frame = buffer.pop(0)  # only the pump takes frames; the reader thread only appends
            task = asyncio.Task(
                connection.receive(frame), loop=self._loop, context=self._context.copy(), eager_start=True
            )
            if not task.done():
                task.add_done_callback(self._resume)
                return
            self._finish(task)
        idle, self._idle = self._idle, []
        for waiter in idle:
            if not waiter.done():
                waiter.set_result(None)
        if connection.closed or self.failed is not None:
            self._event.set()  # the request thread stops waiting for the socket

    def _resume(self, task: asyncio.Task[None]) -> None:
        self._finish(task)
        self._pump()

    def _finish(self, task: asyncio.Task[None]) -> None:
        # An exception out of the core ends the connection, as it would have in the request thread.
        if not task.cancelled() and self.failed is None:
            self.failed = task.exception()
