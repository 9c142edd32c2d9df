"""The test client's drop and resume (async and sync), the resume settings, and negotiated()."""

from __future__ import annotations

import pytest

from beeflow_websocket.core.config import ProtocolConfig, ResumeConfig, resume_config
from beeflow_websocket.core.dispatcher import Dispatcher, build_dispatcher
from beeflow_websocket.core.handshake import negotiated
from beeflow_websocket.testing import AsyncWebSocketTestClient, WebSocketTestClient

from .conftest import Kit


async def test_the_documented_recovery_test(kit: Kit) -> None:
    dispatcher = Dispatcher()
    async with (
        AsyncWebSocketTestClient(dispatcher, user_id="alice", sessions=True) as alice,
        AsyncWebSocketTestClient(dispatcher, user_id="bob") as bob,
    ):
        await alice.request("room.join", {"room": "lobby"})
        await bob.join_group("lobby")
        await alice.drop()
        await bob.request("room.say", {"room": "lobby", "text": "Are you there?"})
        async with alice.resume() as again:
            assert again.session is not None
            assert again.session["resumed"] is True
            [missed] = again.replayed
            assert missed["payload"]["text"] == "Are you there?"
            assert missed["seq"] == alice.last_seq + 1
            await bob.request("room.say", {"room": "lobby", "text": "live"})
            assert again.replayed == [missed]  # live frames are not part of the replay
            assert again.last_seq == missed["seq"] + 1


def test_the_sync_client_drops_and_resumes(kit: Kit) -> None:
    dispatcher = Dispatcher()
    with WebSocketTestClient(dispatcher, sessions=True) as client:
        client.request("room.join", {"room": "lobby"})
        client.drop()
        with WebSocketTestClient(dispatcher) as other:
            other.request("room.say", {"room": "lobby", "text": "hi"})
        with client.resume() as again:
            assert again.session is not None
            assert again.session["resumed"] is True
            assert [frame["payload"]["text"] for frame in again.replayed] == ["hi"]


def test_resume_settings() -> None:
    assert ProtocolConfig().resume == ResumeConfig(window=120, max_frames=1000, max_bytes=1024 * 1024)
    assert ResumeConfig().history_age == 120
    assert resume_config({"window": 30}).history_age == 30
    assert resume_config(False).window == 0
    assert (
        build_dispatcher(
            problem_type_base_url=None,
            max_message_size=1024,
            max_in_flight=1,
            allowed_origins=None,
            hub=None,
            resume={"max_frames": 5},
        ).sessions.history.max_events
        == 5
    )  # type: ignore[attr-defined]
    for bad in ({"window": -1}, {"max_frames": 0}, {"max_age": 0}, "forever"):
        with pytest.raises((ValueError, TypeError)):
            resume_config(bad)


async def test_without_a_window_a_session_ends_with_its_socket(kit: Kit) -> None:
    dispatcher = Dispatcher(ProtocolConfig(resume=False))
    async with AsyncWebSocketTestClient(dispatcher, sessions=True) as client:
        await client.drop()
        await client.connection.wait_idle()
        async with client.resume() as again:
            assert again.session is not None
            assert again.session["resync"] == "unknown-session"


def test_negotiated_keeps_the_resume_request_only_when_the_selection_is_the_cores() -> None:
    token = "beeflow.resume." + "a" * 32 + "." + "b" * 16 + ".0"
    offered = ["beeflow.v2", "beeflow.v1", token]
    assert negotiated(offered, "beeflow.v2").resume is not None
    chosen = negotiated(offered, "beeflow.v1")  # the application selected v1 itself
    assert chosen.sessions is False
    assert chosen.completion is True
    assert chosen.resume is None
    assert negotiated([], None).subprotocol is None
