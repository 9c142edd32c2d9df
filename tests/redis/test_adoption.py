"""Sessions adopted across processes through RedisSessionStore (two dispatchers stand in for two workers)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis

from beeflow_websocket.core.config import ProtocolConfig, ResumeConfig
from beeflow_websocket.core.dispatcher import Dispatcher
from beeflow_websocket.core.handshake import ResumeRequest
from beeflow_websocket.redis import RedisHistory, RedisSessionStore
from beeflow_websocket.testing import AsyncWebSocketTestClient
from tests.core.conftest import Kit, kit
from tests.resume.test_sessions import Gate, gate

from .conftest import RedisServer

__all__ = ["gate", "kit"]


class Worker:
    def __init__(self, url: str, config: ProtocolConfig, name: str) -> None:
        self.history = RedisHistory(url, key_prefix="ad", timeout=1.0, min_backoff=0.05, max_backoff=0.2)
        self.store = RedisSessionStore(self.history, window=config.resume.window, owner=name)
        self.dispatcher = Dispatcher(config, history=self.history, store=self.store)

    async def aclose(self) -> None:
        await self.dispatcher.sessions.close()
        await self.store.aclose()
        await self.history.aclose()


@pytest.fixture
async def pair(redis_server: RedisServer, request: pytest.FixtureRequest) -> AsyncIterator[tuple[Worker, Worker]]:
    window = getattr(request, "param", 60.0)
    config = ProtocolConfig(resume=ResumeConfig(window=window))
    first, second = Worker(redis_server.url, config, "a"), Worker(redis_server.url, config, "b")
    try:
        yield first, second
    finally:
        await first.aclose()
        await second.aclose()
        async with Redis.from_url(redis_server.url) as client:
            await client.flushdb()


def said(worker: Worker, kit: Kit, text: str) -> Any:
    return worker.dispatcher.push(kit.echo_event(recipient="group", recipient_id="room", payload={"text": text}))


def texts(frames: list[dict[str, Any]]) -> list[str]:
    return [frame["payload"]["text"] for frame in frames if "event" in frame]


def seqs(frames: list[dict[str, Any]]) -> list[int]:
    return [frame["seq"] for frame in frames if "seq" in frame]


def resume_of(client: AsyncWebSocketTestClient) -> ResumeRequest:
    session: Any = client.session
    return ResumeRequest(session["id"], session["epoch"], client.last_seq)


async def test_a_session_parked_on_one_worker_resumes_on_the_other(
    pair: tuple[Worker, Worker], kit: Kit, redis_server: RedisServer
) -> None:
    a, b = pair
    async with AsyncWebSocketTestClient(a.dispatcher, sessions=True, user_id="ann") as client:
        await client.request("room.join", {"room": "room"})
        await said(a, kit, "seen")
        assert await a.history.flush()  # write, then send: the client has it once Redis has it
        assert texts(client.received) == ["seen"]
        await client.drop()
        for number in range(20):
            await said(a, kit, f"missed {number}")
        assert await a.history.flush()
        session_id = client.session["id"]
        async with AsyncWebSocketTestClient(b.dispatcher, user_id="ann", resume=resume_of(client)) as again:
            assert again.session is not None
            assert again.session.get("resync") is None
            assert texts(again.replayed) == [f"missed {number}" for number in range(20)]
            assert again.connection.groups == {"room"}
            await said(b, kit, "live")
            assert await b.history.flush()
            assert texts(again.received)[-1] == "live"
            numbered = seqs(client.received) + seqs(again.received)
            assert numbered == list(range(1, len(numbered) + 1))
            assert await b.history.flush()
            async with Redis.from_url(redis_server.url, decode_responses=True) as redis:
                record = await redis.hgetall(f"ad:s:{session_id}")
                assert (record["owner"], record["fence"], record["seq"]) == ("b", "1", str(numbered[-1]))
                assert 0 < await redis.pttl(f"ad:s:{session_id}") <= 60_000
            # The old worker still holds a parked copy; its next write is refused and it lets go.
            await said(a, kit, "to the old copy")
            for _ in range(100):
                if a.dispatcher.sessions.get(session_id) is None:
                    break
                await asyncio.sleep(0.02)
            assert a.dispatcher.sessions.get(session_id) is None
            assert await b.history.replay(session_id, numbered[-2]) == [again.raw[-1]]  # nothing from the old copy


async def test_another_user_does_not_claim_the_session(pair: tuple[Worker, Worker], kit: Kit) -> None:
    a, b = pair
    async with AsyncWebSocketTestClient(a.dispatcher, sessions=True, user_id="ann") as client:
        await client.request("room.join", {"room": "room"})
        await client.drop()
        await said(a, kit, "for ann")
        assert await a.history.flush()
        async with AsyncWebSocketTestClient(b.dispatcher, user_id="mallory", resume=resume_of(client)) as intruder:
            assert intruder.session is not None
            assert intruder.session["resync"] == "user-changed"
        await said(a, kit, "still ann's")
        assert await a.history.flush()
        assert a.dispatcher.sessions.get(client.session["id"]) is not None
        async with AsyncWebSocketTestClient(b.dispatcher, user_id="ann", resume=resume_of(client)) as ann:
            assert texts(ann.replayed) == ["for ann", "still ann's"]


@pytest.mark.parametrize("pair", [0.2], indirect=True)
async def test_after_the_window_the_other_worker_answers_unknown_session(
    pair: tuple[Worker, Worker], kit: Kit, redis_server: RedisServer
) -> None:
    a, b = pair
    async with AsyncWebSocketTestClient(a.dispatcher, sessions=True) as client:
        await client.request("echo", {"text": "a"})
        await client.drop()
        assert await a.history.flush()
        key = f"ad:s:{client.session['id']}"
        async with Redis.from_url(redis_server.url) as redis:
            for _ in range(100):
                if not await redis.exists(key):
                    break
                await asyncio.sleep(0.02)
            assert not await redis.exists(key)
        async with AsyncWebSocketTestClient(b.dispatcher, resume=resume_of(client)) as again:
            assert again.session is not None
            assert again.session["resync"] == "unknown-session"


async def test_an_action_running_on_the_old_worker_is_answered_503_on_the_new_one(
    pair: tuple[Worker, Worker], kit: Kit, gate: Gate
) -> None:
    a, b = pair
    async with AsyncWebSocketTestClient(a.dispatcher, sessions=True) as client:
        waiting = asyncio.create_task(client.send("wait", {"text": "late"}))
        await asyncio.wait_for(gate.started.wait(), 5)
        assert await a.history.flush()  # write, then send: the client has what the action said so far
        await client.drop()
        async with AsyncWebSocketTestClient(b.dispatcher, resume=resume_of(client)) as again:
            problems = [frame for frame in again.received if "status" in frame]
            assert [(p["status"], p["code"]) for p in problems] == [(503, "websocket_action_interrupted")]
            gate.opened.set()  # the old copy's next frame is refused: it lets the session go
            for _ in range(100):
                if a.dispatcher.sessions.get(client.session["id"]) is None:
                    break
                await asyncio.sleep(0.02)
            assert a.dispatcher.sessions.get(client.session["id"]) is None
            assert await b.history.flush()
            assert texts(again.received) == []  # nothing of the interrupted action reached the new front
            replay = await b.history.replay(client.session["id"], client.last_seq)
            assert replay is not None
            assert len(replay) == 1  # only the 503
        waiting.cancel()
        await asyncio.gather(waiting, return_exceptions=True)


async def test_the_old_worker_hears_of_the_claim_without_writing_again(
    pair: tuple[Worker, Worker], kit: Kit, redis_server: RedisServer
) -> None:
    a, b = pair
    async with AsyncWebSocketTestClient(a.dispatcher, sessions=True) as client:
        await client.request("room.join", {"room": "room"})
        await client.drop()
        assert await a.history.flush()
        async with Redis.from_url(redis_server.url) as redis:
            for _ in range(100):  # A's listener subscribes in the background
                if dict(await redis.pubsub_numsub("ad:lost:a")).get(b"ad:lost:a"):
                    break
                await asyncio.sleep(0.02)
        async with AsyncWebSocketTestClient(b.dispatcher, resume=resume_of(client)) as again:
            assert again.session is not None
            assert again.session["resumed"] is True
            for _ in range(100):
                if a.dispatcher.sessions.get(client.session["id"]) is None:
                    break
                await asyncio.sleep(0.02)
            assert a.dispatcher.sessions.get(client.session["id"]) is None


async def test_redis_restarting_empty_makes_the_resume_elsewhere_a_resync(
    pair: tuple[Worker, Worker], kit: Kit, redis_server: RedisServer
) -> None:
    a, b = pair
    async with AsyncWebSocketTestClient(a.dispatcher, sessions=True) as client:
        await client.request("room.join", {"room": "room"})
        await said(a, kit, "before")
        await client.drop()
        assert await a.history.flush()
        redis_server.kill()
        redis_server.start()
        await said(a, kit, "after the restart")  # A's write finds no record: it lets the session go
        async with AsyncWebSocketTestClient(b.dispatcher, resume=resume_of(client)) as again:
            assert again.session is not None
            assert again.session["resumed"] is False
            assert again.session["resync"] in {"epoch-changed", "unknown-session", "history-gap"}
            assert again.received[1:] == []


async def test_redis_down_during_the_claim_makes_the_resume_a_history_gap(
    pair: tuple[Worker, Worker], kit: Kit, redis_server: RedisServer
) -> None:
    a, b = pair
    async with AsyncWebSocketTestClient(a.dispatcher, sessions=True) as client:
        await client.request("room.join", {"room": "room"})
        await said(a, kit, "before")
        await client.drop()
        assert await a.history.flush()
        await b.history.ready()  # B has been running: it knows the epoch (one that never reached Redis cannot)
        redis_server.stop()
        try:
            # B cannot read the record: the session may exist, so not unknown-session, and nothing is replayed.
            async with AsyncWebSocketTestClient(b.dispatcher, resume=resume_of(client)) as again:
                assert again.session is not None
                assert again.session["resumed"] is False
                assert again.session["resync"] == "history-gap"
                assert again.session["id"] != client.session["id"]
                assert again.received[1:] == []
                [echoed] = texts((await again.request("echo", {"text": "still served"})).frames)
                assert echoed == "still served"
        finally:
            redis_server.start()
