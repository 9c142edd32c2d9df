"""One writer per socket: every byte a flask-sock WebSocket writes goes through one :class:`Wire`.

simple-websocket writes from its reader thread (the handshake, pings, pongs, close replies) while
the adapter writes frames from the event loop and a writer thread of its own. Without a common
lock a ping lands in the middle of a large text frame and the stream is corrupt. The handshake
hook puts a :class:`Wire` where simple-websocket finds its socket (``werkzeug.socket`` or
``gunicorn.socket`` in the WSGI environ) before the socket is upgraded, so every write of
simple-websocket goes through :meth:`Wire.send`, and the adapter writes whole frames under the
same lock. A frame is never interleaved with another.

A write that makes no progress for ``stall_timeout`` seconds (a peer that stopped reading) shuts
the socket down, which ends the connection on every thread instead of blocking them forever.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from typing import Any

from ._simple_websocket import ENVIRON_SOCKET_KEYS

__all__ = ["STALL_TIMEOUT", "Wire", "WireStalledError", "install_wire", "text_frame"]

#: Seconds a write may make no progress before the connection is dropped (when not configured).
STALL_TIMEOUT = 5.0


class WireStalledError(ConnectionError):
    """The peer took no bytes for ``stall_timeout`` seconds; the socket was shut down."""


class Wire:
    """A socket whose writes hold one lock per whole frame; reads and the rest pass through.

    ``lock`` may be taken by another thread (the event loop) that writes a frame itself; whoever
    holds it writes whole frames only, so frames never interleave.
    """

    def __init__(self, raw: Any, stall_timeout: float = STALL_TIMEOUT) -> None:
        self.raw = raw
        self.lock = threading.Lock()
        self.stall_timeout = stall_timeout
        #: A plain blocking socket: writes can be made without blocking and bounded in time.
        self.plain = type(raw) is socket.socket and raw.gettimeout() is None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)  # recv, fileno, close, family, setsockopt, ...

    def send(self, data: bytes, flags: int = 0) -> int:
        """What simple-websocket calls for each of its writes: all of ``data``, under the lock."""
        with self.lock:
            self.write_locked(data)
        return len(data)

    sendall = send

    def write_locked(self, data: bytes | memoryview) -> None:
        """Write all of ``data``; the caller holds :attr:`lock`. Raises ``OSError`` when the peer is gone."""
        if not self.plain:
            self.raw.sendall(data)
            return
        view = memoryview(data)
        poller: select.poll | None = None
        while view:
            try:
                written = self.raw.send(view, socket.MSG_DONTWAIT)
            except BlockingIOError:
                written = 0
            if written:
                view = view[written:]
                continue
            if poller is None:
                poller = select.poll()
                poller.register(self.raw.fileno(), select.POLLOUT)
            if not poller.poll(self.stall_timeout * 1000):
                self.abort()
                raise WireStalledError(f"the peer took no bytes for {self.stall_timeout} s")

    def try_write(self, data: bytes) -> int | None:
        """From the event loop: write what the socket takes now, without waiting.

        Returns ``None`` when another thread holds the lock (nothing was written). Otherwise the
        number of bytes written; when that is short of ``len(data)`` the lock stays held, and
        whoever writes the rest must call ``lock.release()`` afterwards.
        """
        if not self.lock.acquire(blocking=False):
            return None
        try:
            written: int = self.raw.send(data, socket.MSG_DONTWAIT)
        except BlockingIOError:
            written = 0
        except BaseException:
            self.lock.release()
            raise
        if written == len(data):
            self.lock.release()
        return written

    def abort(self) -> None:
        """Shut the socket down: blocked reads and writes on every thread return at once."""
        with contextlib.suppress(OSError):
            self.raw.shutdown(socket.SHUT_RDWR)


def install_wire(environ: dict[str, Any], stall_timeout: float = STALL_TIMEOUT) -> Wire | None:
    """Put a :class:`Wire` where simple-websocket will find the request's socket."""
    for key in ENVIRON_SOCKET_KEYS:
        raw = environ.get(key)
        if raw is not None:
            if not isinstance(raw, Wire):
                environ[key] = raw = Wire(raw, stall_timeout)
            return raw
    return None


def text_frame(text: str) -> bytes:
    """An unmasked, unfragmented, uncompressed RFC 6455 text frame (what a server sends).

    Sending uncompressed messages is allowed when permessage-deflate was negotiated (RFC 7692 6).
    """
    payload = text.encode("utf-8")
    size = len(payload)
    if size < 126:
        return bytes((0x81, size)) + payload
    if size < 65536:
        return bytes((0x81, 126)) + size.to_bytes(2, "big") + payload
    return bytes((0x81, 127)) + size.to_bytes(8, "big") + payload
