"""What goes over Redis: one pub/sub channel per address, one message per delivery.

A channel is named ``<prefix>:<w|u|g>:<key>`` (websocket, user, group). Redis channel names are
binary-safe, so the key is used as it is; the kind letter and the colon after it keep the three
kinds apart whatever the key holds.

A message is a header line, then the encoded event exactly as the core made it::

    ["<origin>", "<exclude websocket id or null>"]\\n{"event": ...}

``origin`` names the process (and event loop) that published it: that process already delivered to
its own connections, so it ignores its own copy. JSON escapes newlines, so the first ``\\n`` ends
the header.

A delivery that was also appended to its address's journal (a stream ``<prefix>:a:<w|u|g>:<key>``,
kept while a resumable session listens on the address) is published with the journal number
first, on a line of its own: ``<mark>\\n`` then the message above.
"""

from __future__ import annotations

import json
from typing import NamedTuple

from beeflow_websocket.core.hub import Delivery
from beeflow_websocket.core.recipient_registry import Address

__all__ = [
    "DEFAULT_PREFIX",
    "Message",
    "channel_name",
    "counter_name",
    "decode_message",
    "encode_message",
    "journal_name",
]

DEFAULT_PREFIX = "beeflow"

_KINDS = {"websocket": "w", "user": "u", "group": "g"}


def channel_name(prefix: str, address: Address) -> bytes:
    """The pub/sub channel of an address."""
    return f"{prefix}:{_KINDS[address.kind]}:{address.key}".encode("utf-8", "surrogatepass")


def journal_name(prefix: str, address: Address) -> bytes:
    """The stream that journals the deliveries to an address while a resumable session listens on it."""
    return f"{prefix}:a:{_KINDS[address.kind]}:{address.key}".encode("utf-8", "surrogatepass")


def counter_name(prefix: str) -> bytes:
    """The counter that numbers journaled deliveries (their *mark*), shared by every address."""
    return f"{prefix}:a".encode()


def encode_message(origin: str, delivery: Delivery) -> bytes:
    header = json.dumps([origin, delivery.exclude], ensure_ascii=False)
    return f"{header}\n{delivery.tail}".encode("utf-8", "surrogatepass")


class Message(NamedTuple):
    origin: str
    exclude: str | None
    tail: str
    #: The journal number of the delivery, 0 when it was not journaled.
    mark: int = 0


def decode_message(data: bytes) -> Message:
    """The parts of a message; raises ``ValueError`` for anything :func:`encode_message` did not make."""
    text = data.decode("utf-8", "surrogatepass")
    mark = 0
    if text[:1].isdigit():
        number, _, text = text.partition("\n")
        if not number.isdigit():
            raise ValueError("not a beeflow-websocket delivery")
        mark = int(number)
    header, separator, tail = text.partition("\n")
    parts = json.loads(header)
    if not separator or not isinstance(parts, list) or len(parts) != 2:
        raise ValueError("not a beeflow-websocket delivery")
    origin, exclude = parts
    if not isinstance(origin, str) or not (exclude is None or isinstance(exclude, str)):
        raise ValueError("not a beeflow-websocket delivery")
    return Message(origin, exclude, tail, mark)
