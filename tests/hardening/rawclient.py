"""A WebSocket client on a bare TCP socket that parses every byte the server writes (RFC 6455 5.2).

It offers no extension, so every frame must have its RSV bits clear; a control frame written into
the middle of another frame shows up as a bad opcode, a bad length or a payload that is not the
JSON text the protocol promises. Pings are answered with pongs, as a browser would.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

TEXT, BINARY, CLOSE, PING, PONG, CONTINUATION = 0x1, 0x2, 0x8, 0x9, 0xA, 0x0


class StreamCorruptError(AssertionError):
    """The server wrote bytes that are not a valid frame sequence."""


@dataclass
class RawClient:
    port: int
    path: str = "/ws/"
    token: str = "token-alice"
    receive_buffer: int | None = None
    timeout: float = 20.0
    sock: socket.socket = field(init=False)
    pings: int = 0
    close_code: int | None = None
    _buffer: bytearray = field(default_factory=bytearray)

    def __post_init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if self.receive_buffer is not None:  # before connect, so the window stays small
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.receive_buffer)
        self.sock.settimeout(self.timeout)
        self.sock.connect(("127.0.0.1", self.port))
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {self.path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Sec-WebSocket-Protocol: beeflow.v1, access-token, {self.token}\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        while b"\r\n\r\n" not in self._buffer:
            self._fill()
        head, _, rest = bytes(self._buffer).partition(b"\r\n\r\n")
        self._buffer = bytearray(rest)
        if not head.startswith(b"HTTP/1.1 101"):
            raise AssertionError(f"handshake refused: {head!r}")

    def close(self) -> None:
        self.sock.close()

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("the server closed the TCP connection")
        self._buffer += chunk

    def _take(self, size: int) -> bytes:
        while len(self._buffer) < size:
            self._fill()
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def send_frame(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        size = len(payload)
        if size < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | size)
        elif size < 65536:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, size)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, size)
        masked = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def send_text(self, text: str) -> None:
        self.send_frame(TEXT, text.encode())

    def send_action(self, action: str, payload: dict[str, Any] | None = None) -> str:
        req_id = str(uuid.uuid4())
        frame = {"msg_id": str(uuid.uuid4()), "req_id": req_id, "action": action, "payload": payload or {}}
        self.send_text(json.dumps(frame))
        return req_id

    def _frame(self) -> tuple[bool, int, bytes]:
        first, second = self._take(2)
        fin, rsv, opcode = bool(first & 0x80), first & 0x70, first & 0x0F
        if rsv:
            raise StreamCorruptError(f"RSV bits set without an extension: {first:#04x}")
        if second & 0x80:
            raise StreamCorruptError("a server frame is masked")
        size = second & 0x7F
        if opcode not in (TEXT, BINARY, CLOSE, PING, PONG, CONTINUATION):
            raise StreamCorruptError(f"reserved opcode {opcode:#x}")
        if opcode >= CLOSE and (not fin or size > 125):
            raise StreamCorruptError(f"control frame {opcode:#x} fragmented or {size} bytes long")
        if size == 126:
            size = struct.unpack("!H", self._take(2))[0]
        elif size == 127:
            size = struct.unpack("!Q", self._take(8))[0]
            if size >> 63:
                raise StreamCorruptError("64-bit length with the top bit set")
        return fin, opcode, self._take(size)

    def message(self) -> str | None:
        """The next text message (pings answered on the way); ``None`` after a close frame."""
        parts: list[bytes] = []
        while True:
            fin, opcode, payload = self._frame()
            if opcode == PING:
                self.pings += 1
                self.send_frame(PONG, payload)
                continue
            if opcode == PONG:
                continue
            if opcode == CLOSE:
                self.close_code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                return None
            if (opcode == CONTINUATION) != bool(parts):
                raise StreamCorruptError(f"unexpected opcode {opcode:#x} (message started: {bool(parts)})")
            if opcode == BINARY:
                raise StreamCorruptError("the protocol sends only text frames")
            parts.append(payload)
            if fin:
                try:
                    return b"".join(parts).decode("utf-8")
                except UnicodeDecodeError as error:
                    raise StreamCorruptError(f"text frame is not UTF-8: {error}") from None

    def frame(self) -> dict[str, Any] | None:
        """The next protocol frame as JSON; ``None`` after a close frame."""
        text = self.message()
        if text is None:
            return None
        try:
            decoded: dict[str, Any] = json.loads(text)
        except ValueError as error:
            raise StreamCorruptError(f"text frame is not JSON: {error}: {text[:80]!r}") from None
        return decoded

    def until_terminal(self, req_id: str) -> list[dict[str, Any]]:
        frames = []
        while True:
            frame = self.frame()
            if frame is None:
                raise AssertionError(f"closed with {self.close_code} before answering {req_id}")
            frames.append(frame)
            if frame.get("req_id") == req_id and ("completed" in frame or "status" in frame):
                return frames

    def request(self, action: str, payload: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return self.until_terminal(self.send_action(action, payload))

    def drain_to_end(self, slow_for: float = 0.0) -> list[dict[str, Any]]:
        """Every frame until the close frame or the end of the TCP stream, each one checked;
        for the first ``slow_for`` seconds, a reader that is slow but not stuck (5 ms a frame)."""
        frames = []
        slow_until = time.monotonic() + slow_for
        while True:
            if frames and time.monotonic() < slow_until:
                time.sleep(0.005)
            try:
                frame = self.frame()
            except (EOFError, ConnectionResetError):
                return frames
            if frame is None:
                return frames
            frames.append(frame)
