"""What the Redis hub puts on the wire: channel names per address, and deliveries that survive the trip."""

from __future__ import annotations

import pytest

from beeflow_websocket.core.hub import Delivery
from beeflow_websocket.core.recipient_registry import Address
from beeflow_websocket.redis.wire import Message, channel_name, decode_message, encode_message


def test_the_three_kinds_never_share_a_channel() -> None:
    names = {channel_name("app", Address(kind, "42")) for kind in ("websocket", "user", "group")}
    assert names == {b"app:w:42", b"app:u:42", b"app:g:42"}
    # A key that looks like another kind's channel stays in its own kind.
    assert channel_name("app", Address("group", "u:42")) == b"app:g:u:42"
    assert channel_name("app", Address("group", "Küche")) == "app:g:Küche".encode()


@pytest.mark.parametrize("exclude", [None, "ws-1", 'quote " and\nnewline'])
def test_a_delivery_survives_the_trip(exclude: str | None) -> None:
    tail = '"event":"said","payload":{"text":"line one\\nline two \u2603"}}'
    data = encode_message("origin-1", Delivery(Address("user", "alice"), tail, exclude))
    assert decode_message(data) == Message("origin-1", exclude, tail)


@pytest.mark.parametrize("data", [b"\xff\xfe", b"no header", b'["only one"]\n{}', b'{"a": 1}\n{}', b"[1, 2]\n{}"])
def test_anything_else_is_refused(data: bytes) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - json and unicode errors are ValueErrors too
        decode_message(data)


def test_a_journaled_delivery_carries_its_mark() -> None:
    data = encode_message("origin-1", Delivery(Address("group", "room"), '{"n":1}', "ws-1"))
    assert decode_message(b"42\n" + data) == Message("origin-1", "ws-1", '{"n":1}', 42)
    assert decode_message(data).mark == 0
    with pytest.raises(ValueError):  # noqa: PT011
        decode_message(b"4x\n" + data)
