"""On every adapter's real server: pings never land inside a frame, and a member that stops
reading blocks neither the broadcaster nor the other members, and is closed."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.conformance.servers import Server

from .rawclient import RawClient
from .servers import KINDS, hardening_server

#: Characters of each echoed or broadcast text: large frames, under the apps' 64 KiB frame limit.
TEXT_SIZE = 60_000


@pytest.fixture(scope="module", params=sorted(KINDS))
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    name: str = request.param
    with hardening_server(name, tmp_path_factory.mktemp(name)) as running:
        yield running


def test_pings_never_land_inside_a_stream_of_large_frames(server: Server) -> None:
    # A small receive window and a reader that pauses: the server writes most frames in pieces,
    # with pings due all the while (before the fix, Flask wrote 0x89 0x00 inside a text frame).
    client = RawClient(server.port, receive_buffer=8192)
    try:
        for round_number in range(8):
            text = f"{round_number}" * TEXT_SIZE
            req_id = client.send_action("echo", {"text": text, "count": 100})
            events = []
            while True:
                frame = client.frame()
                assert frame is not None, f"closed with {client.close_code}"
                if "event" in frame:
                    events.append(frame)
                    if len(events) % 10 == 0:
                        time.sleep(0.002)
                if frame.get("req_id") == req_id and "completed" in frame:
                    break
            assert [frame["payload"]["text"] == text for frame in events] == [True] * 100
        if server.name.startswith(("flask", "fastapi")):
            assert client.pings > 0  # pings were due while the frames were being written
    finally:
        client.close()


def test_a_member_that_stops_reading_holds_up_nobody_and_is_closed(server: Server) -> None:
    # A tiny receive window: the server's buffers and the outgoing queue fill after a few frames.
    slow = RawClient(server.port, token="token-slow", receive_buffer=4096)
    healthy = RawClient(server.port, token="token-healthy")
    speaker = RawClient(server.port, token="token-speaker")
    try:
        for member in (slow, healthy):
            assert member.request("room.join", {"room": "lobby"})[-1]["completed"] == "room.join"
        said = 200
        for number in range(said):
            # Each broadcast completes although one member has stopped reading.
            frames = speaker.request("room.say", {"room": "lobby", "text": f"{number:>8}" + "x" * TEXT_SIZE})
            assert frames[-1]["completed"] == "room.say"
            frames = healthy.until_terminal(healthy.send_action("whoami"))
            events = [frame for frame in frames if frame.get("event") == "said"]
            assert [frame["payload"]["text"][:8] for frame in events] == [f"{number:>8}"]
        # The slow member was closed: what it gets, when it reads again, is valid and ends.
        received = slow.drain_to_end()
        said_events = [frame for frame in received if frame.get("event") == "said"]
        assert len(said_events) < said
        assert slow.close_code in (None, 1013)
    finally:
        for client in (slow, healthy, speaker):
            client.close()


@pytest.fixture(scope="module", params=sorted(KINDS))
def strict_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server whose application closes slow connections with 1008, after a 5 s grace (Flask pings
    at its default interval: a pong missed while the member reads nothing would end it first)."""
    name: str = request.param
    env = {"BEEFLOW_TEST_OUTGOING": "32:262144:5:1008", "BEEFLOW_TEST_PING": "25"}
    with hardening_server(name, tmp_path_factory.mktemp(name), **env) as running:
        yield running


def test_a_slow_member_gets_the_close_code_the_application_chose(strict_server: Server) -> None:
    slow = RawClient(strict_server.port, token="token-slow", receive_buffer=4096)
    speaker = RawClient(strict_server.port, token="token-speaker")
    try:
        assert slow.request("room.join", {"room": "lobby"})[-1]["completed"] == "room.join"
        # Flask's writer thread holds up to 256 frames of its own before the core's queue fills;
        # smaller frames fill it before its write timeout (the grace) would drop the socket.
        for number in range(2000):
            frames = speaker.request("room.say", {"room": "lobby", "text": f"{number:>8}" + "x" * 8000})
            assert frames[-1]["completed"] == "room.say"
            if "closing a slow websocket (1008)" in strict_server.logs():
                break
        else:
            pytest.fail("2,000 broadcasts to a member that reads nothing, and it was never found slow")
        # It reads again within the grace, slowly (Daphne used to abort the connection when its 1 s
        # closing handshake ran out): every queued frame, whole and in order, then the close.
        started = time.monotonic()
        events = [frame for frame in slow.drain_to_end(slow_for=1.5) if "event" in frame]
        print(f"{strict_server.name}: {len(events)} queued events read in {time.monotonic() - started:.2f} s")
        assert [frame["seq"] for frame in events] == list(range(1, len(events) + 1))
        assert slow.close_code == 1008
    finally:
        for client in (slow, speaker):
            client.close()
