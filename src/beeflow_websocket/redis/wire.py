"""What goes over Redis: one pub/sub channel per address, one message per delivery.

A channel is named ``<prefix>:<w|u|g>:<key>`` (websocket, user, group). Redis channel names are
binary-safe, so the key is used as it is; the kind letter and the colon after it keep the three
kinds apart whatever the key holds.

A message is a header line, then the encoded event exactly as the core made it::

    ["<origin>", "<exclude websocket id or null>"]\\n{"event": ...}

``origin`` names the process (and event loop) that published it: that process already delivered to
its own connections, so it ignores its own copy. JSON escapes newlines, so the first ``\\n`` ends
the header.
"""

from __future__ import annotations

import json
from typing import NamedTuple

from beeflow_websocket.core.hub import Delivery
from beeflow_websocket.core.recipient_registry import Address

__all__ = ["DEFAULT_PREFIX", "Message", "channel_name", "decode_message", "encode_message"]

DEFAULT_PREFIX = "beeflow"

_KINDS = {"websocket": "w", "user": "u", "group": "g"}


def channel_name(prefix: str, address: Address) -> bytes:
    """The pub/sub channel of an address."""
    return f"{prefix}:{_KINDS[address.kind]}:{address.key}".encode("utf-8", "surrogatepass")


def encode_message(origin: str, delivery: Delivery) -> bytes:
    header = json.dumps([origin, delivery.exclude], ensure_ascii=False)
    return f"{header}\n{delivery.tail}".encode("utf-8", "surrogatepass")


class Message(NamedTuple):
    origin: str
    exclude: str | None
    tail: str


def decode_message(data: bytes) -> Message:
    """The parts of a message; raises ``ValueError`` for anything :func:`encode_message` did not make."""
    text = data.decode("utf-8", "surrogatepass")
    header, separator, tail = text.partition("\n")
    parts = json.loads(header)
    if not separator or not isinstance(parts, list) or len(parts) != 2:
        raise ValueError("not a beeflow-websocket delivery")
    origin, exclude = parts
    if not isinstance(origin, str) or not (exclude is None or isinstance(exclude, str)):
        raise ValueError("not a beeflow-websocket delivery")
    return Message(origin, exclude, tail)
