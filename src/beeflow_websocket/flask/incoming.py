"""The client's frames as simple-websocket's reader thread reads them, with a short path for the usual ones.

simple-websocket's reader thread hands every byte it reads to wsproto, whose pure-Python frame
parser is the largest cost of a request left on the server (more than the core's). Most frames a
beeflow client sends are simple: one masked, unfragmented, uncompressed text or binary frame of a
few hundred bytes. :class:`FrameReader` takes wsproto's place on the reader thread
(:func:`.._simple_websocket.read_frames_with`) and turns such a frame, once it has arrived whole,
into the same ``TextMessage`` or ``BytesMessage`` event wsproto would have made. Every other frame
goes to wsproto, as it arrived and at the place it arrived, so everything the protocol says about
it is wsproto's and simple-websocket's business, unchanged:

- control frames (ping, pong, close) go to wsproto, and after a close, or any frame that is not
  simple (fragments, compressed or unmasked frames, reserved bits or opcodes, lengths not in their
  shortest form), every later byte of the connection does too;
- a frame above :data:`SHORT_FRAME` bytes is streamed to wsproto as it arrives, so
  simple-websocket's message size cap cuts it off just as early as before;
- a text frame that is not valid UTF-8 goes to wsproto, which fails the connection with 1007.

Events come out in the order of the frames, whichever path each took.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from wsproto.connection import ConnectionState
from wsproto.events import BytesMessage, Event, TextMessage

__all__ = ["SHORT_FRAME", "FrameReader"]

#: The largest frame (header included) read on the short path; a larger one streams through wsproto.
SHORT_FRAME = 16 * 1024

_READING = (ConnectionState.OPEN, ConnectionState.LOCAL_CLOSING)
_TEXT = 0x81  # FIN, no reserved bits, opcode text
_BINARY = 0x82  # FIN, no reserved bits, opcode binary
_PING = 0x89
_PONG = 0x8A


class FrameReader:
    """Stands in for simple-websocket's wsproto connection (``ws``): same ``receive_data`` and ``events``.

    Everything else (``send``, ``state``, ...) is the wrapped connection's. Used by the reader thread only.
    """

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self._buffer = bytearray()
        self._owed = 0  # bytes of the current frame that still go to wsproto
        self._short = True  # False for good: every byte goes to wsproto
        self._fed = False  # wsproto was given bytes since its events were last read

    def __getattr__(self, name: str) -> Any:
        return getattr(self.connection, name)

    def receive_data(self, data: bytes | None) -> None:
        if self._short:
            if data is not None and self.connection.state in _READING:
                self._buffer += data
                return
            self._short = False
            if self._buffer:
                self._pass(bytes(self._buffer))
                self._buffer.clear()
        self._pass(data)

    def events(self) -> Generator[Event]:
        buffer = self._buffer
        while buffer and self._short:
            if self._owed:
                chunk = bytes(buffer[: self._owed])
                del buffer[: len(chunk)]
                self._owed -= len(chunk)
                self._pass(chunk)
                yield from self._wsproto_events()
                continue
            header = _header(buffer)
            if header is None:
                break  # the header has not arrived whole
            first, start, length = header
            end = start + length
            if first in (_TEXT, _BINARY):
                if end > SHORT_FRAME:
                    self._owed = end  # streamed through wsproto, under simple-websocket's size cap
                    continue
                if len(buffer) < end:
                    break
                payload = _unmask(buffer[start:end], bytes(buffer[start - 4 : start]))
                if first == _TEXT:
                    try:
                        text = payload.decode()
                    except UnicodeDecodeError:
                        self._short = False  # wsproto fails the connection with 1007
                        break
                    del buffer[:end]
                    yield TextMessage(data=text)
                else:
                    del buffer[:end]
                    yield BytesMessage(data=payload)
            elif first in (_PING, _PONG) and length < 126:
                self._owed = end  # wsproto answers it; the frames after it take the short path again
            else:
                self._short = False
        if not self._short and buffer:
            rest = bytes(buffer)
            buffer.clear()
            self._pass(rest)
        if self._fed or not self._short:
            yield from self._wsproto_events()

    def _pass(self, data: bytes | None) -> None:
        self._fed = True
        self.connection.receive_data(data)

    def _wsproto_events(self) -> Generator[Event]:
        self._fed = False
        yield from self.connection.events()


def _header(buffer: bytearray) -> tuple[int, int, int] | None:
    """(first byte, where the payload starts, payload length) of the frame at the buffer's start.

    ``None`` until the header has arrived; a first byte of 0 for a frame the short path leaves to
    wsproto for good (unmasked, or a length not in its shortest form).
    """
    size = len(buffer)
    if size < 2:
        return None
    second = buffer[1]
    if not second & 0x80:
        return 0, 0, 0
    length = second & 0x7F
    if length < 126:
        return buffer[0], 6, length
    if length == 126:
        if size < 4:
            return None
        length = (buffer[2] << 8) | buffer[3]
        return (buffer[0], 8, length) if length >= 126 else (0, 0, 0)
    if size < 10:
        return None
    length = int.from_bytes(buffer[2:10], "big")
    return (buffer[0], 14, length) if 65536 <= length < 1 << 63 else (0, 0, 0)


def _unmask(payload: bytearray, mask: bytes) -> bytes:
    size = len(payload)
    if not size:
        return b""
    key = (mask * (size // 4 + 1))[:size]
    return (int.from_bytes(payload, "little") ^ int.from_bytes(key, "little")).to_bytes(size, "little")
