"""A raw WebSocket client for hostile tests: it writes the handshake and frames byte by byte."""

from __future__ import annotations

import base64
import os
import socket
import struct


def handshake(
    port: int, *, path: str = "/ws/", extensions: str | None = None, token: str = "token-raw"
) -> tuple[socket.socket, dict[str, str]]:
    """Open a WebSocket on 127.0.0.1:``port``; return the socket and the response headers (lower-case names)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
        f"Sec-WebSocket-Protocol: beeflow.v1, access-token, {token}",
    ]
    if extensions is not None:
        lines.append(f"Sec-WebSocket-Extensions: {extensions}")
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    response = b""
    while b"\r\n\r\n" not in response:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError(f"the server closed during the handshake: {response!r}")
        response += chunk
    head = response.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    if " 101 " not in head[0] + " ":
        raise ConnectionError(f"handshake refused: {head[0]}")
    headers = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return sock, headers


def frame(payload: bytes, *, opcode: int = 0x1, rsv1: bool = False) -> bytes:
    """One masked, final client frame."""
    first = 0x80 | (0x40 if rsv1 else 0) | opcode
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", first, 0x80 | length)
    elif length < 1 << 16:
        header = struct.pack("!BBH", first, 0x80 | 126, length)
    else:
        header = struct.pack("!BBQ", first, 0x80 | 127, length)
    mask = os.urandom(4)
    repeated = (mask * (length // 4 + 1))[:length]
    masked = (
        (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(length, "big") if length else b""
    )
    return header + mask + masked


def read_close_code(sock: socket.socket) -> int | None:
    """Read server frames until a close frame (its code) or the end of the stream (None)."""
    buffer = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            return None
        if not chunk:
            return None
        buffer += chunk
        while len(buffer) >= 2:
            opcode, length = buffer[0] & 0x0F, buffer[1] & 0x7F
            offset = 2
            if length == 126:
                if len(buffer) < 4:
                    break
                length, offset = struct.unpack("!H", buffer[2:4])[0], 4
            elif length == 127:
                if len(buffer) < 10:
                    break
                length, offset = struct.unpack("!Q", buffer[2:10])[0], 10
            if len(buffer) < offset + length:
                break
            body, buffer = buffer[offset : offset + length], buffer[offset + length :]
            if opcode == 0x8:
                return struct.unpack("!H", body[:2])[0] if len(body) >= 2 else 1005
