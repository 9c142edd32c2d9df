"""Writes one connection's frames in order without ever blocking the event loop on a slow client.

The core calls ``send`` and ``close`` on the process loop. A frame goes out right there when the
socket can take all of it at once: a non-blocking write (``MSG_DONTWAIT``) of the bytes
simple-websocket would write. Whatever does not fit, and every frame after it until the backlog is
gone, is queued for a writer thread of the connection's own (started the first time it is needed),
which writes with ordinary blocking calls. Frames leave in the order the core made them either way.

Writing on the loop saves a thread switch per frame, the largest cost of a threaded server (see
``benchmarks/flask_adapter.py``). It needs a plain socket in blocking mode under a
``simple_websocket.Server``; anything else (TLS sockets, gevent, eventlet, other socket objects)
always goes through the writer thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
from queue import SimpleQueue
from typing import Any, NamedTuple, Protocol

from wsproto.events import TextMessage

__all__ = ["HIGH_WATER", "LOW_WATER", "Sender", "SocketGoneError", "SyncWebSocket"]

logger = logging.getLogger("beeflow_websocket")

#: Frames queued for the writer thread before ``send`` waits for it to catch up.
HIGH_WATER = 256
#: ``send`` resumes once the writer thread is back under this many queued frames.
LOW_WATER = 64


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
    """The unwritten tail of a frame the loop began to write."""

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
        self._direct = _direct_socket(websocket)
        self._queue: SimpleQueue[str | _Close | _Rest | None] = SimpleQueue()
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
        """Write ``frame`` now if the socket takes it whole, else queue it. Raises :exc:`SocketGoneError`."""
        if self._gone or self._stopped:
            raise SocketGoneError("the websocket is closed")
        if self._direct is not None and self._queued == self._written:
            rest = self._write_now(frame)
            if not rest:
                return
            self._enqueue(_Rest(rest))
        else:
            self._enqueue(frame)
        if self.backlog >= HIGH_WATER:
            await self._drained()

    async def close(self, code: int, reason: str) -> None:
        """Close after the frames sent before (on the writer thread: a close may wait for the client)."""
        if not (self._gone or self._stopped):
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

    def _write_now(self, frame: str) -> bytes:
        """Write on the loop without waiting; return the part the socket did not take."""
        assert self._direct is not None
        websocket, sock = self._direct
        try:
            if not websocket.connected:
                raise SocketGoneError("the websocket is closed")
            data: bytes = websocket.ws.send(TextMessage(data=frame))
            try:
                written = sock.send(data, socket.MSG_DONTWAIT)
            except BlockingIOError:
                written = 0
        except SocketGoneError:
            self._gone = True
            raise
        except Exception as error:
            self._gone = True
            raise SocketGoneError(f"websocket write failed: {error!r}") from error
        return data[written:]

    def _enqueue(self, item: str | _Close | _Rest) -> None:
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
        websocket, queue = self._websocket, self._queue
        while True:
            item = queue.get()
            if item is _STOP:
                self._gone = True
                self._wake_waiter()
                return
            if not self._gone:
                try:
                    if isinstance(item, str):
                        websocket.send(item)
                    elif isinstance(item, _Rest):
                        assert self._direct is not None
                        self._direct[1].sendall(item.data)
                    else:
                        websocket.close(item.code, item.reason)
                        _wake_reader(websocket)
                except Exception as error:
                    self._gone = True
                    logger.debug("websocket write failed: %r; dropping the frames still queued", error)
            self._written += 1
            if self._waiter is not None and (self._gone or self.backlog < LOW_WATER):
                self._wake_waiter()

    def _wake_waiter(self) -> None:
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            self._loop.call_soon_threadsafe(_set_done, waiter)


def _direct_socket(websocket: SyncWebSocket) -> tuple[Any, socket.socket] | None:
    """simple-websocket's socket when the loop may write to it without blocking, else ``None``."""
    sock = getattr(websocket, "sock", None)
    if type(sock) is not socket.socket or sock.gettimeout() is not None:
        return None  # TLS, green or timeout sockets: MSG_DONTWAIT would be refused or could still wait
    if not hasattr(websocket, "ws") or not hasattr(websocket, "connected"):
        return None
    return websocket, sock


def _wake_reader(websocket: SyncWebSocket) -> None:
    # simple-websocket's close() does not wake a thread blocked in receive(); its reader thread
    # does once the client answers the close. Set the same event so that the request thread stops
    # now, even when a client never answers.
    event = getattr(websocket, "event", None)
    if event is not None:
        event.set()


def _set_done(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)
