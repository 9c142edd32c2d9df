"""Sessions adopted by another dispatcher (a stand-in for another worker) through a shared SessionStore.

Two dispatchers with their own hubs share one history and one :class:`SharedMemoryStore`, as two
processes share a Redis: a client that resumes on the other one finds its session there.
"""

from __future__ import annotations

import asyncio
from typing import Any

from beeflow_websocket.core.config import ProtocolConfig, ResumeConfig
from beeflow_websocket.core.dispatcher import Dispatcher
from beeflow_websocket.core.handshake import ResumeRequest
from beeflow_websocket.core.history import MemoryHistory
from beeflow_websocket.core.session_store import SharedMemoryStore
from beeflow_websocket.testing import AsyncWebSocketTestClient
from tests import schema_oracle as oracle

from .conftest import Kit
from .test_sessions import Gate, gate, said, seqs, texts

__all__ = ["gate"]


def workers(config: ProtocolConfig | None = None) -> tuple[Dispatcher, Dispatcher, SharedMemoryStore]:
    history = MemoryHistory()
    shared = SharedMemoryStore()
    first = Dispatcher(config, history=history, store=shared.view("a"))
    second = Dispatcher(config, history=history, store=shared.view("b"))
    return first, second, shared


def request(client: AsyncWebSocketTestClient, after: int | None = None) -> ResumeRequest:
    session: Any = client.session
    return ResumeRequest(session["id"], session["epoch"], client.last_seq if after is None else after)


async def settle() -> None:
    for _ in range(5):  # the old owner hears of the claim on the next loop turns
        await asyncio.sleep(0)


async def test_a_parked_session_resumes_on_another_worker_with_its_groups_and_seq(kit: Kit) -> None:
    a, b, shared = workers()
    async with AsyncWebSocketTestClient(a, sessions=True, user_id="ann") as client:
        await client.request("room.join", {"room": "room"})
        await said(a, kit, "seen")
        await client.drop()
        for number in range(3):
            await said(a, kit, f"missed {number}")
        async with AsyncWebSocketTestClient(b, user_id="ann", resume=request(client)) as again:
            assert again.session is not None
            assert again.session.get("resync") is None
            assert again.session["resumed"] is True
            assert texts(again.replayed) == [f"missed {number}" for number in range(3)]
            assert again.connection.groups == {"room"}
            await settle()
            assert a.sessions.get(client.session["id"]) is None  # the old worker dropped its copy
            await said(a, kit, "to the old worker")  # nobody there any more
            await said(b, kit, "live")
            await b.push(kit.echo_event(recipient="user", recipient_id="ann", payload={"text": "to ann"}))
            assert texts(again.received) == ["missed 0", "missed 1", "missed 2", "live", "to ann"]
            numbered = seqs(client.received) + seqs(again.received)
            assert numbered == list(range(1, len(numbered) + 1))
            record = shared.records[client.session["id"]]
            assert (record.owner, record.fence, record.seq) == ("b", 1, numbered[-1])


async def test_a_live_session_taken_over_from_another_worker_closes_the_old_socket(kit: Kit) -> None:
    a, b, _ = workers()
    async with AsyncWebSocketTestClient(a, sessions=True) as client:
        await client.request("room.join", {"room": "room"})
        async with AsyncWebSocketTestClient(b, resume=request(client)) as again:
            await settle()
            assert client.close_code == 1000
            assert a.sessions.get(client.session["id"]) is None
            await said(b, kit, "here")
            assert texts(again.received) == ["here"]


async def test_another_user_does_not_take_the_session_from_its_worker(kit: Kit) -> None:
    a, b, shared = workers()
    async with AsyncWebSocketTestClient(a, sessions=True, user_id="ann") as client:
        await client.request("room.join", {"room": "room"})
        await client.drop()
        async with AsyncWebSocketTestClient(b, user_id="mallory", resume=request(client)) as intruder:
            assert intruder.session is not None
            assert intruder.session["resync"] == "user-changed"
        await settle()
        assert shared.records[client.session["id"]].owner == "a"
        await said(a, kit, "for ann")
        async with AsyncWebSocketTestClient(b, user_id="ann", resume=request(client)) as ann:
            assert texts(ann.replayed) == ["for ann"]


async def test_a_seq_beyond_the_shared_one_is_a_history_gap(kit: Kit) -> None:
    a, b, _ = workers()
    async with AsyncWebSocketTestClient(a, sessions=True) as client:
        await client.request("echo", {"text": "a"})
        await client.drop()
        async with AsyncWebSocketTestClient(b, resume=request(client, after=9)) as again:
            assert again.session is not None
            assert again.session["resync"] == "history-gap"


async def test_after_the_window_another_worker_answers_unknown_session(kit: Kit) -> None:
    a, b, shared = workers(ProtocolConfig(resume=ResumeConfig(window=0.05)))
    async with AsyncWebSocketTestClient(a, sessions=True) as client:
        await client.request("echo", {"text": "a"})
        await client.drop()
        for _ in range(100):
            if client.session["id"] not in shared.records:
                break
            await asyncio.sleep(0.02)
        async with AsyncWebSocketTestClient(b, resume=request(client)) as again:
            assert again.session is not None
            assert again.session["resync"] == "unknown-session"


async def test_the_old_workers_running_actions_are_cancelled_and_answered_503_on_the_new_front(
    kit: Kit, gate: Gate
) -> None:
    a, b, shared = workers()
    async with AsyncWebSocketTestClient(a, sessions=True) as client:
        waiting = asyncio.create_task(client.send("wait", {"text": "never"}))
        await asyncio.wait_for(gate.started.wait(), 5)
        [req_id] = shared.records[client.session["id"]].running
        await client.drop()
        async with AsyncWebSocketTestClient(b, resume=request(client)) as again:
            assert texts(again.replayed) == []
            [problem] = [frame for frame in again.received if "status" in frame]
            assert (problem["status"], problem["code"], problem["req_id"]) == (
                503,
                "websocket_action_interrupted",
                req_id,
            )
            assert problem["seq"] == client.last_seq + 1
            assert oracle.accepts(oracle.FRAME_FILES["problem"], problem)
            await settle()
            for _ in range(100):
                if gate.cancelled:
                    break
                await asyncio.sleep(0.01)
            assert gate.cancelled
            assert shared.records[client.session["id"]].running == frozenset()
        waiting.cancel()
        await asyncio.gather(waiting, return_exceptions=True)


async def test_finished_actions_are_not_answered_again(kit: Kit) -> None:
    a, b, shared = workers()
    async with AsyncWebSocketTestClient(a, sessions=True) as client:
        await client.request("echo", {"text": "a"})
        await client.drop()
        assert shared.records[client.session["id"]].running == frozenset()
        async with AsyncWebSocketTestClient(b, resume=request(client)) as again:
            assert again.received[1:] == []
