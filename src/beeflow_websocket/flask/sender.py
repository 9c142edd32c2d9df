"""Writes one connection's frames in order without ever blocking the event loop on a slow client.

The core calls ``send`` and ``close`` on the process loop. On a plain socket behind a
:class:`.wire.Wire` (the adapter's handshake hook installs it) a frame is encoded at once and
written on the loop: the frames a connection sends within one pass of the loop (the answers to a
batch of pipelined requests, an event and its completion frame) leave together in one
non-blocking write under the wire's lock, made when the feed's pump stops (or by a callback right
after the pass, for frames sent elsewhere), or at once when :data:`FLUSH_BYTES` are waiting.
Whatever the socket does not take, and every frame after it until the backlog is gone, is queued
for a writer thread of the connection's own (started the first time it is needed), which writes
whole frames under the same lock. Frames leave in the order the core made them either way, and
simple-websocket's own writes (pings, pongs, close replies) fall between frames, never inside one.

Writing on the loop saves a thread switch per frame and writing a pass's frames together saves a
system call per frame, the largest costs of a threaded server (see ``benchmarks/flask_adapter.py``).
Anything else than a plain socket (TLS sockets, gevent, eventlet, other socket objects) always goes
through the writer thread, with ``websocket.send``.

How far a connection may fall behind is the core's business (:mod:`beeflow_websocket.core.outgoing`):
``send`` only waits while the writer thread holds :data:`HIGH_WATER` frames.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from queue import SimpleQueue
from typing import NamedTuple, Protocol

from ._simple_websocket import transport, wake_receiver
from .wire import Wire, text_frame

__all__ = ["FLUSH_BYTES", "HIGH_WATER", "LOW_WATER", "Sender", "SocketGoneError", "SyncWebSocket"]

logger = logging.getLogger("beeflow_websocket")

#: Frames queued for the writer thread before ``send`` waits for it to catch up.
HIGH_WATER = 256
#: ``send`` resumes once the writer thread is back under this many queued frames.
LOW_WATER = 64
#: Encoded frames waiting for the end of the loop's pass are written at once when they reach this size.
FLUSH_BYTES = 64 * 1024


class SyncWebSocket(Protocol):
    """What the adapter uses of flask-sock's socket (a ``simple_websocket.Server``)."""

    subprotocol: str | None

    def send(self, data: str | bytes) -> None: ...
    def receive(self, timeout: float | None = None) -> str | bytes | None: ...
    def close(self, reason: int | None = None, message: str | None = None) -> None: ...


class SocketGoneError(ConnectionError):
    """The socket failed or was closed: the core stops answering this connection."""


class _Close(NamedTuple):
    code: int
    reason: str


class _Rest(NamedTuple):
    """The unwritten tail of frames the loop began to write (it holds the wire's lock for them)."""

    data: bytes


class _Encoded(NamedTuple):
    """Whole encoded frames the loop could not write (another thread held the wire's lock)."""

    data: bytes


_STOP = None


class Sender:
    """The core's ``send`` and ``close`` callbacks for one simple-websocket socket.

    Call :meth:`send` and :meth:`close` on the event loop, and :meth:`stop` from the request thread
    once the connection has shut down.
    """

    def __init__(self, websocket: SyncWebSocket, loop: asyncio.AbstractEventLoop, *, name: str) -> None:
        self._websocket = websocket
        self._loop = loop
        self._name = name
        wire = transport(websocket)
        #: The connection's one writer when the handshake hook installed it, else ``None``.
        self._wire = wire if isinstance(wire, Wire) else None
        self._direct = self._wire is not None and self._wire.plain
        self._queue: SimpleQueue[str | _Close | _Rest | _Encoded | None] = SimpleQueue()
        #: Encoded frames for the flush at the end of the loop's pass (only while nothing is queued).
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        #: Set while a caller on the loop (the feed's pump) will call :meth:`flush` itself.
        self.holding = False
        # Each counter has one writer (the loop, the thread), so neither needs a lock.
        self._queued = 0
        self._written = 0
        self._thread: threading.Thread | None = None
        self._starting = threading.Lock()  # the thread starts at most once, and never after stop()
        self._stopped = False
        self._gone = False
        self._waiter: asyncio.Future[None] | None = None

    @property
    def backlog(self) -> int:
        """Items handed to the writer thread and not yet written."""
        return self._queued - self._written

    async def send(self, frame: str) -> None:
        """Write ``frame`` soon, after the frames sent before it. Raises :exc:`SocketGoneError`."""
        if self._gone or self._stopped:
            raise SocketGoneError("the websocket is closed")
        if self._direct and self._queued == self._written:
            try:
                data = text_frame(frame)
            except Exception as error:
                self._gone = True
                raise SocketGoneError(f"websocket write failed: {error!r}") from error
            pending = self._pending
            pending.append(data)
            self._pending_bytes += len(data)
            if self._pending_bytes >= FLUSH_BYTES:
                self.flush()
                if self._gone:
                    raise SocketGoneError("the websocket is closed")
            else:
                if len(pending) == 1 and not self.holding:
                    self._loop.call_soon(self.flush)
                return
        else:
            self._enqueue(frame)
        if self.backlog >= HIGH_WATER:
            await self._drained()

    async def close(self, code: int, reason: str) -> None:
        """Close after the frames sent before (on the writer thread: a close may wait for the client)."""
        if not (self._gone or self._stopped):
            self.flush()
            with contextlib.suppress(SocketGoneError):
                self._enqueue(_Close(code, reason))

    def stop(self) -> None:
        """Let the writer thread finish what is queued (unless the socket is gone) and wait for it."""
        with self._starting:
            self._stopped = True
            thread = self._thread
        if thread is not None:
            self._queue.put(_STOP)
            thread.join()

    def flush(self) -> None:
        """On the loop: write the frames sent so far in this pass, in one go (what fits without waiting).

        The rest goes to the writer thread; a socket that fails is gone (the next ``send`` raises).
        """
        pending = self._pending
        if not pending:
            return
        self._pending = []
        self._pending_bytes = 0
        if self._gone or self._stopped:
            return
        wire = self._wire
        assert wire is not None
        data = pending[0] if len(pending) == 1 else b"".join(pending)
        try:
            written = wire.try_write(data)
        except Exception as error:
            self._gone = True
            logger.debug("websocket write failed: %r; dropping the frames still queued", error)
            return
        try:
            if written is None:
                self._enqueue(_Encoded(data))
            elif written < len(data):
                self._enqueue(_Rest(data[written:]))
        except SocketGoneError:
            if written is not None:
                wire.lock.release()  # try_write kept it for the writer thread, which will not come
            self._gone = True

    def _enqueue(self, item: str | _Close | _Rest | _Encoded) -> None:
        if self._thread is None:
            with self._starting:
                if self._stopped:
                    raise SocketGoneError("the websocket is closed")
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
        self._queued += 1
        self._queue.put(item)

    async def _drained(self) -> None:
        waiter = self._loop.create_future()
        self._waiter = waiter
        # Checked after publishing the waiter: the thread either sees it or has already caught up.
        if self.backlog >= LOW_WATER and not self._gone:
            await waiter
        self._waiter = None
        if self._gone:
            raise SocketGoneError("the websocket is closed")

    def _run(self) -> None:
        queue = self._queue
        while True:
            item = queue.get()
            if item is _STOP:
                self._gone = True
                self._wake_waiter()
                return
            if not self._gone:
                try:
                    self._write(item)
                except Exception as error:
                    self._gone = True
                    logger.debug("websocket write failed: %r; dropping the frames still queued", error)
            elif isinstance(item, _Rest):
                assert self._wire is not None
                self._wire.lock.release()  # the loop began this frame; nobody will finish it
            self._written += 1
            if self._waiter is not None and (self._gone or self.backlog < LOW_WATER):
                self._wake_waiter()

    def _write(self, item: str | _Close | _Rest | _Encoded) -> None:
        """On the writer thread: one whole frame, under the wire's lock."""
        websocket, wire = self._websocket, self._wire
        if isinstance(item, _Rest):
            assert wire is not None
            try:
                wire.write_locked(item.data)  # the loop took the lock when it began this frame
            finally:
                wire.lock.release()
        elif isinstance(item, _Encoded):
            assert wire is not None
            with wire.lock:
                wire.write_locked(item.data)
        elif isinstance(item, str):
            if wire is None:
                websocket.send(item)
            else:
                with wire.lock:
                    wire.write_locked(text_frame(item))
        else:
            websocket.close(item.code, item.reason)  # simple-websocket writes it through the wire
            wake_receiver(websocket)  # the request thread stops now, even if the client never answers

    def _wake_waiter(self) -> None:
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            self._loop.call_soon_threadsafe(_set_done, waiter)


def _set_done(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)
