"""The reader thread's short path gives simple-websocket the same messages, closes and errors as wsproto.

Each case feeds the same client bytes, cut into the same chunks, to a server-side wsproto connection
and to a :class:`FrameReader` around another one, and compares what comes out, message by message.
"""

from __future__ import annotations

import itertools
import os
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, BytesMessage, CloseConnection, Ping, Request, TextMessage

from beeflow_websocket.flask.incoming import SHORT_FRAME, FrameReader


def _server() -> WSConnection:
    client = WSConnection(ConnectionType.CLIENT)
    server = WSConnection(ConnectionType.SERVER)
    server.receive_data(client.send(Request(host="localhost", target="/ws/")))
    assert any(isinstance(event, Request) for event in server.events())
    client.receive_data(server.send(AcceptConnection()))
    return server


def frame(payload: bytes, *, first: int = 0x81, masked: bool = True, long_form: int = 0) -> bytes:
    """A client frame; ``long_form`` 2 or 8 writes the length in that many bytes even when shorter would do."""
    size = len(payload)
    mask_bit = 0x80 if masked else 0
    if long_form == 8 or size >= 65536:
        head = bytes((first, mask_bit | 127)) + size.to_bytes(8, "big")
    elif long_form == 2 or size >= 126:
        head = bytes((first, mask_bit | 126)) + size.to_bytes(2, "big")
    else:
        head = bytes((first, mask_bit | size))
    if not masked:
        return head + payload
    mask = os.urandom(4)
    return head + mask + bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))


def outcome(connection: Any, chunks: list[bytes]) -> list[Any]:
    """Whole messages and other events, in order, as simple-websocket would see them; then any error."""
    seen: list[Any] = []
    pending: list[Any] = []
    try:
        for chunk in chunks:
            connection.receive_data(chunk)
            for event in connection.events():
                if isinstance(event, TextMessage | BytesMessage):
                    pending.append(event.data)
                    if event.message_finished:
                        kind = "text" if isinstance(event, TextMessage) else "bytes"
                        joined = "".join(pending) if kind == "text" else b"".join(bytes(part) for part in pending)
                        seen.append((kind, joined))
                        pending = []
                elif isinstance(event, CloseConnection):
                    seen.append(("close", event.code))
                    pending = []  # simple-websocket stops here: a message begun is never delivered
                else:
                    seen.append((type(event).__name__, getattr(event, "payload", None)))
    except Exception as error:  # wsproto's LocalProtocolError after a close, say
        seen.append(("raised", type(error).__name__))
    if pending:
        seen.append(("partial", len(pending) > 0))
    return seen


def cut(stream: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({point % (len(stream) + 1) for point in cuts} | {0, len(stream)})
    return [stream[start:end] for start, end in itertools.pairwise(points) if end > start]


def same(stream: bytes, cuts: list[int]) -> list[Any]:
    chunks = cut(stream, cuts)
    expected = outcome(_server(), chunks)
    assert outcome(FrameReader(_server()), chunks) == expected
    return expected


def test_pipelined_text_frames_arrive_whole_and_in_order_however_the_bytes_are_cut() -> None:
    stream = b"".join(frame(f"request {index}".encode()) for index in range(20))
    for cuts in ([], [1], [3, 7, 40], list(range(0, len(stream), 5))):
        assert same(stream, cuts) == [("text", f"request {index}") for index in range(20)]


def test_pings_between_frames_are_answered_by_wsproto_and_the_frames_still_arrive() -> None:
    stream = frame(b"a") + frame(b"are you there", first=0x89) + frame(b"b") + frame(b"", first=0x8A) + frame(b"c")
    assert same(stream, [2, 9]) == [
        ("text", "a"),
        ("Ping", b"are you there"),
        ("text", "b"),
        ("Pong", b""),
        ("text", "c"),
    ]


def test_a_close_ends_the_short_path_and_wsproto_treats_what_follows() -> None:
    stream = frame(b"a") + frame((1000).to_bytes(2, "big") + b"bye", first=0x88) + frame(b"after")
    assert same(stream, [])[:2] == [("text", "a"), ("close", 1000)]


def test_invalid_utf8_fails_the_connection_with_1007_as_wsproto_does() -> None:
    assert same(frame(b"ok") + frame(b"\xff\xfe") + frame(b"never"), [])[:2] == [("text", "ok"), ("close", 1007)]


def test_unmasked_reserved_bits_and_long_length_forms_are_refused_as_wsproto_refuses_them() -> None:
    for bad in (
        frame(b"x", masked=False),
        frame(b"x", first=0xC1),  # RSV1 without a compression extension
        frame(b"x", first=0x83),  # reserved opcode
        frame(b"x", long_form=2),
        frame(b"x" * 200, long_form=8),
    ):
        result = same(frame(b"first") + bad + frame(b"later"), [4])
        assert result[0] == ("text", "first")
        assert result[1][0] == "close"


def test_fragmented_and_long_messages_go_through_wsproto_unchanged() -> None:
    fragmented = frame(b"he", first=0x01) + frame(b"ll", first=0x00) + frame(b"o", first=0x80)
    long_text = frame(b"y" * (SHORT_FRAME + 10))
    huge = frame(b"z" * 70_000, first=0x82)
    stream = fragmented + frame(b"short") + long_text + huge + frame(b"end")
    assert same(stream, [5, 1000, 20_000, 40_000]) == [
        ("text", "hello"),
        ("text", "short"),
        ("text", "y" * (SHORT_FRAME + 10)),
        ("bytes", b"z" * 70_000),
        ("text", "end"),
    ]


_frames = st.one_of(
    st.text(max_size=300).map(lambda text: frame(text.encode())),
    st.binary(max_size=300).map(lambda data: frame(data, first=0x82)),
    st.binary(max_size=20).map(lambda data: frame(data)),  # often invalid UTF-8
    st.binary(max_size=125).map(lambda data: frame(data, first=0x89)),
    st.binary(max_size=125).map(lambda data: frame(data, first=0x8A)),
    st.binary(min_size=1, max_size=30).map(lambda data: frame(data, first=0x01) + frame(data, first=0x80)),
    st.integers(min_value=0, max_value=255).map(lambda first: frame(b"odd", first=first)),
    st.just(frame((1000).to_bytes(2, "big"), first=0x88)),
    st.just(frame(b"x" * (SHORT_FRAME + 1))),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_frames, max_size=12), st.lists(st.integers(min_value=0, max_value=100_000), max_size=8))
def test_any_stream_gives_what_wsproto_gives(frames: list[bytes], cuts: list[int]) -> None:
    same(b"".join(frames), cuts)


def test_other_attributes_are_the_wrapped_connections() -> None:
    server = _server()
    reader = FrameReader(server)
    assert reader.state is server.state
    assert reader.send(Ping(b"x"))[:1] == b"\x89"  # wsproto writes the server's frames
