"""Sessions on beeflow.v2, in one process: replay, resync reasons, actions while away, expiry."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from pydantic import BaseModel

from beeflow_websocket.core.action_registry import ActionContext, ActionRegistryMeta
from beeflow_websocket.core.config import ProtocolConfig, ResumeConfig
from beeflow_websocket.core.dispatcher import Dispatcher
from beeflow_websocket.core.handshake import ResumeRequest, negotiate
from beeflow_websocket.core.outgoing import OutgoingLimits
from beeflow_websocket.testing import AsyncWebSocketTestClient

from .conftest import Kit

Frame = dict[str, Any]


def said(dispatcher: Dispatcher, kit: Kit, text: str, *, group: str = "room") -> Any:
    return dispatcher.push(kit.echo_event(recipient="group", recipient_id=group, payload={"text": text}))


def seqs(frames: list[Frame]) -> list[int]:
    return [frame["seq"] for frame in frames if "seq" in frame]


def texts(frames: list[Frame]) -> list[str]:
    return [frame["payload"]["text"] for frame in frames if "event" in frame]


class Gate:
    """An action ``wait`` that runs until the test opens the gate."""

    def __init__(self) -> None:
        self.opened = asyncio.Event()
        self.started = asyncio.Event()
        self.cancelled = False


@pytest.fixture
def gate(kit: Kit) -> Iterator[Gate]:
    gate = Gate()
    echoed = kit.echo_event

    class WaitPayload(BaseModel):
        text: str

    class Wait(metaclass=ActionRegistryMeta, name="wait"):
        payload_model = WaitPayload

        async def execute(self, payload: WaitPayload, context: ActionContext) -> AsyncIterator[Any]:
            yield echoed(recipient="websocket", recipient_id=context.websocket_id, payload={"text": "before"})
            gate.started.set()
            try:
                await gate.opened.wait()
            except asyncio.CancelledError:
                gate.cancelled = True
                raise
            yield echoed(recipient="websocket", recipient_id=context.websocket_id, payload={"text": payload.text})

    return gate


def test_negotiation_selects_v2_and_reads_the_resume_token() -> None:
    token = "beeflow.resume." + "a" * 32 + "." + "b" * 16 + ".42"
    handshake = negotiate(["beeflow.v2", "beeflow.v1", "access-token", "secret", token])
    assert handshake.subprotocol == "beeflow.v2"
    assert handshake.sessions
    assert handshake.completion
    assert handshake.token == "secret"
    assert handshake.resume == ResumeRequest("a" * 32, "b" * 16, 42)
    assert negotiate(["beeflow.v1", token]).resume is None  # only on v2
    assert negotiate(["beeflow.v2", "beeflow.resume.XYZ.b.1"]).resume is None
    assert negotiate(["beeflow.v1", "access-token", "t"]).subprotocol == "beeflow.v1"


async def test_a_v2_connection_gets_a_session_frame_then_seq_on_every_frame(kit: Kit) -> None:
    async with AsyncWebSocketTestClient(sessions=True) as client:
        assert client.handshake.subprotocol == "beeflow.v2"
        first = client.received[0]
        assert set(first) == {"msg_id", "session"}
        session = client.session
        assert session is not None
        assert len(session["id"]) == 32
        assert len(session["epoch"]) == 16
        assert session["resumed"] is False
        assert "resync" not in session
        reply = await client.request("echo", {"text": "a", "count": 2})
        problem = await client.request("forbid")
        assert [frame["seq"] for frame in reply.frames] == [1, 2, 3]
        assert reply.completion is not None
        assert reply.completion["seq"] == 3
        assert problem.problem is not None
        assert problem.problem["seq"] == 4


async def test_v1_and_030_clients_see_nothing_new(kit: Kit) -> None:
    async with AsyncWebSocketTestClient() as v1, AsyncWebSocketTestClient(completion=False) as old:
        assert v1.handshake.subprotocol == "beeflow.v1"
        reply = await v1.request("echo", {"text": "a"})
        problem = await v1.request("forbid")
        assert "seq" not in (reply.completion or {})
        assert problem.problem is not None
        assert "seq" not in problem.problem
        await old.request("echo", {"text": "a"})
        assert all("session" not in frame for frame in [*v1.received, *old.received])
        assert [sorted(frame) for frame in old.received] == [
            ["event", "msg_id", "payload", "recipient", "recipient_id", "req_id", "seq"]
        ]


async def test_resume_replays_byte_identical_frames_in_order_then_live(kit: Kit) -> None:
    dispatcher = Dispatcher()
    async with AsyncWebSocketTestClient(dispatcher, sessions=True) as client:
        await client.request("room.join", {"room": "room"})
        await said(dispatcher, kit, "seen")
        await client.drop()
        for number in range(5):
            await said(dispatcher, kit, f"missed {number}")
        async with client.resume() as again:
            assert again.session is not None
            assert again.session["resumed"] is True
            assert again.session["id"] == client.session["id"]
            assert texts(again.replayed) == [f"missed {number}" for number in range(5)]
            everything = client.raw[1:] + again.raw[1:]
            history = dispatcher.sessions.history
            assert again.raw[1:] == await history.replay(again.session["id"], client.last_seq)
            await said(dispatcher, kit, "live")
            assert texts(again.received)[-1] == "live"
            numbered = [json.loads(frame)["seq"] for frame in [*client.raw[1:], *again.raw[1:]]]
            assert numbered == list(range(1, len(everything) + 2))[: len(numbered)]
            assert numbered == sorted(set(numbered))  # no duplicate, no gap


async def test_groups_are_restored_and_the_seq_counter_kept(kit: Kit) -> None:
    dispatcher = Dispatcher()
    async with AsyncWebSocketTestClient(dispatcher, sessions=True, user_id="ann") as client:
        await client.request("room.join", {"room": "room"})
        await client.drop()
        async with client.resume() as again:
            assert again.connection.groups == {"room"}
            await said(dispatcher, kit, "hello")
            await dispatcher.push(kit.echo_event(recipient="user", recipient_id="ann", payload={"text": "to ann"}))
            assert texts(again.received) == ["hello", "to ann"]
            assert seqs(again.received) == [2, 3]  # 1 was the completion of room.join


async def test_a_resume_after_a_resume_keeps_counting(kit: Kit) -> None:
    dispatcher = Dispatcher()
    async with AsyncWebSocketTestClient(dispatcher, sessions=True) as first:
        await first.request("room.join", {"room": "room"})
        await first.drop()
        await said(dispatcher, kit, "one")
        async with first.resume() as second:
            await said(dispatcher, kit, "two")
            await second.drop()
            await said(dispatcher, kit, "three")
            async with second.resume() as third:
                assert texts(third.replayed) == ["three"]
                assert seqs(third.received) == [4]


async def test_the_user_is_checked_again(kit: Kit) -> None:
    dispatcher = Dispatcher()
    async with AsyncWebSocketTestClient(dispatcher, sessions=True, user_id="ann") as client:
        await client.request("room.join", {"room": "room"})
        await client.drop()
        await said(dispatcher, kit, "for ann only")
        async with client.resume(user_id="mallory") as intruder:
            assert intruder.session is not None
            assert intruder.session == {
                "id": intruder.session["id"],
                "epoch": client.session["epoch"],
                "resumed": False,
                "resync": "user-changed",
            }
            assert intruder.session["id"] != client.session["id"]
            assert intruder.received[1:] == []
            assert intruder.connection.groups == frozenset()
        async with client.resume() as ann:  # the session still waits for its user
            assert texts(ann.replayed) == ["for ann only"]


async def test_an_unknown_session_or_another_epoch_gets_a_new_session(kit: Kit) -> None:
    dispatcher = Dispatcher()
    epoch = dispatcher.sessions.history.epoch
    unknown = ResumeRequest("0" * 32, epoch, 3)
    async with AsyncWebSocketTestClient(dispatcher, resume=unknown) as client:
        assert client.session is not None
        assert client.session["resync"] == "unknown-session"
        assert client.session["resumed"] is False
    other_epoch = "f" * 16 if epoch != "f" * 16 else "e" * 16
    async with AsyncWebSocketTestClient(dispatcher, sessions=True) as first:
        await first.drop()
        restarted = ResumeRequest(first.session["id"], other_epoch, 0)
        async with AsyncWebSocketTestClient(dispatcher, resume=restarted) as client:
            assert client.session["resync"] == "epoch-changed"


async def test_a_frame_over_the_size_limit_ends_the_session(kit: Kit) -> None:
    dispatcher = Dispatcher(ProtocolConfig(max_message_size=1000))
    async with AsyncWebSocketTestClient(dispatcher, sessions=True) as client:
        await client.request("echo", {"text": "a"})
        frames = await client.send_frame(json.dumps({"action": "echo", "payload": {"text": "x" * 2000}}))
        assert [frame["status"] for frame in frames if "status" in frame] == [413]
        assert client.close_code == 1009
        async with client.resume() as again:  # nothing can answer the refused request: start afresh
            assert again.session["resync"] == "unknown-session"
            assert again.received[1:] == []
        assert dispatcher.sessions.get(client.session["id"]) is None


async def test_a_seq_the_session_never_sent_is_a_history_gap(kit: Kit) -> None:
    dispatcher = Dispatcher()
    async with AsyncWebSocketTestClient(dispatcher, sessions=True) as client:
        await client.request("echo", {"text": "a"})
        await client.drop()
        async with client.resume(after=9) as again:
            assert again.session["resync"] == "history-gap"


@pytest.mark.parametrize(
    "limits",
    [ResumeConfig(max_frames=3), ResumeConfig(max_bytes=600)],
    ids=["count", "bytes"],
)
async def test_a_gap_beyond_the_history_limits_is_a_resync_never_a_partial_replay(
    kit: Kit, limits: ResumeConfig
) -> None:
    dispatcher = Dispatcher(ProtocolConfig(resume=limits))
    async with AsyncWebSocketTestClient(dispatcher, sessions=True) as client:
        await client.request("room.join", {"room": "room"})
        await client.drop()
        for number in range(10):
            await said(dispatcher, kit, f"missed {number}")
        async with client.resume() as again:
            assert again.session["resync"] == "history-gap"
            assert again.session["resumed"] is False
            assert again.received[1:] == []
            assert again.connection.groups == frozenset()  # a new session
        assert dispatcher.sessions.get(client.session["id"]) is None  # the old one is gone


async def test_a_gap_older_than_max_age_is_a_resync(kit: Kit) -> None:
    dispatcher = Dispatcher(ProtocolConfig(resume=ResumeConfig(max_age=0.05)))
    async with AsyncWebSocketTestClient(dispatcher, sessions=True) as client:
        await client.request("room.join", {"room": "room"})
        await client.drop()
        await said(dispatcher, kit, "old")
        await asyncio.sleep(0.1)
        async with client.resume() as again:
            assert again.session["resync"] == "history-gap"


async def test_an_action_that_finishes_while_away_gives_its_completion_on_resume(kit: Kit, gate: Gate) -> None:
    dispatcher = Dispatcher()
    async with AsyncWebSocketTestClient(dispatcher, sessions=True) as client:
        sending = asyncio.create_task(client.send("wait", {"text": "after"}))  # returns when the action ends
        await asyncio.wait_for(gate.started.wait(), 5)
        await client.drop()
        gate.opened.set()
        for _ in range(100):
            if not dispatcher.sessions.get(client.session["id"]).tasks:  # type: ignore[union-attr]
                break
            await asyncio.sleep(0.01)
        req_id = await asyncio.wait_for(sending, 5)
        async with client.resume() as again:
            replayed = again.replayed
            assert texts(replayed) == ["after"]
            assert replayed[-1]["completed"] == "wait"
            assert replayed[-1]["req_id"] == req_id
            assert replayed[-1]["events"] == 2
            assert seqs(client.received) + seqs(replayed) == [1, 2, 3]
    assert not gate.cancelled


async def test_an_action_still_running_when_the_window_ends_is_cancelled(kit: Kit, gate: Gate) -> None:
    dispatcher = Dispatcher(ProtocolConfig(resume=ResumeConfig(window=0.05)))
    async with AsyncWebSocketTestClient(dispatcher, sessions=True) as client:
        sending = asyncio.create_task(client.send("wait", {"text": "never"}))
        await asyncio.wait_for(gate.started.wait(), 5)
        await client.drop()
        for _ in range(100):
            if gate.cancelled:
                break
            await asyncio.sleep(0.01)
        assert gate.cancelled
        assert len(dispatcher.sessions) == 0
        await asyncio.wait_for(sending, 5)
        async with client.resume() as again:
            assert again.session["resync"] == "unknown-session"


async def test_resume_takes_over_a_session_whose_old_socket_the_server_still_holds(kit: Kit) -> None:
    dispatcher = Dispatcher()
    async with AsyncWebSocketTestClient(dispatcher, sessions=True) as client:
        await client.request("room.join", {"room": "room"})
        async with client.resume() as again:
            assert again.session["resumed"] is True
            await asyncio.sleep(0)
            assert client.close_code == 1000
            assert client.connection.closed
            await said(dispatcher, kit, "only once")
            assert texts(again.received) == ["only once"]
            assert texts(client.received) == []


async def test_a_slow_consumer_closed_with_1013_resumes_without_losing_anything(kit: Kit) -> None:
    dispatcher = Dispatcher(ProtocolConfig(outgoing=OutgoingLimits(max_frames=4, grace=0.05)))
    stalled = asyncio.Event()
    wire: list[str] = []
    closed: list[int] = []

    async def send(text: str) -> None:
        wire.append(text)
        if len(wire) > 3:  # the client stops reading after the session frame and two frames
            await stalled.wait()

    async def close(code: int, reason: str) -> None:
        closed.append(code)

    connection = dispatcher.connection(send=send, close=close, user_id=1, handshake=negotiate(["beeflow.v2"]))
    await dispatcher.open(connection)
    await connection.join_group("room")
    session = json.loads(wire[0])["session"]
    for number in range(20):
        await said(dispatcher, kit, f"e{number}")
    for _ in range(100):
        if closed:
            break
        await asyncio.sleep(0.01)
    assert closed == [1013]
    for number in range(20, 25):
        await said(dispatcher, kit, f"e{number}")  # while parked
    await connection.shutdown()
    stalled.set()
    seen = [json.loads(frame) for frame in wire[1:]]
    last = 0
    for frame in seen:
        if frame["seq"] != last + 1:
            break
        last = frame["seq"]
    resume = ResumeRequest(session["id"], session["epoch"], last)
    async with AsyncWebSocketTestClient(dispatcher, resume=resume) as again:
        assert again.session["resumed"] is True
        assert texts(seen[:last]) + texts(again.replayed) == [f"e{number}" for number in range(25)]
