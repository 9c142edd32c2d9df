"""RedisHistory's write, then send: a session's frame reaches its client only once Redis holds it,
and a broadcast to more sessions than ``max_pending`` goes at Redis's pace instead of dropping frames.

Redis is held with ``CLIENT PAUSE <ms> WRITE`` (its writes wait, its reads do not), standing in for
the moment between a frame being numbered and its write being acknowledged: the moment a
``kill -9`` of the worker would make a frame the client saw one that no other worker can replay.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import BaseModel
from redis.asyncio import Redis

from beeflow_websocket.core.action_registry import ActionContext, ActionRegistryMeta
from beeflow_websocket.core.config import ProtocolConfig
from beeflow_websocket.core.dispatcher import Dispatcher
from beeflow_websocket.core.handshake import ResumeRequest, negotiate
from beeflow_websocket.core.outgoing import OutgoingLimits
from beeflow_websocket.redis import RedisHistory
from beeflow_websocket.testing import AsyncWebSocketTestClient
from tests.core.conftest import Kit, kit

from .conftest import RedisServer

__all__ = ["kit"]


@pytest.fixture
async def redis(redis_server: RedisServer) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_server.url)
    try:
        yield client
    finally:
        await client.execute_command("CLIENT", "UNPAUSE")
        await client.flushdb()
        await client.aclose()


def texts(frames: list[dict[str, Any]]) -> list[str]:
    return [frame["payload"]["text"] for frame in frames if "event" in frame]


async def stream_length(redis: Redis, prefix: str, session: str) -> int:
    length: int = await redis.xlen(f"{prefix}:h:{session}")
    return length


@pytest.mark.parametrize("write_before_send", [True, False])
async def test_a_frame_reaches_the_client_only_once_redis_holds_it(
    redis_server: RedisServer, redis: Redis, kit: Kit, write_before_send: bool
) -> None:
    history = RedisHistory(redis_server.url, key_prefix="wts", write_before_send=write_before_send)
    dispatcher = Dispatcher(history=history)
    try:
        async with AsyncWebSocketTestClient(dispatcher, sessions=True) as client:
            await client.request("room.join", {"room": "room"})
            assert await history.flush()
            session = client.session["id"]  # type: ignore[index]
            await redis.execute_command("CLIENT", "PAUSE", "2000", "WRITE")
            event = kit.echo_event(recipient="group", recipient_id="room", payload={"text": "held"})
            await dispatcher.push(event)
            await asyncio.sleep(0.3)  # the writer sent the frame to Redis, which holds the write
            written = await stream_length(redis, "wts", session)
            seen = texts(client.received)
            await redis.execute_command("CLIENT", "UNPAUSE")
            assert await history.flush()
            if write_before_send:
                assert (seen, written) == ([], 1)  # not yet written: not yet sent (1: the join's completion)
                assert texts(client.received) == ["held"]  # written: sent
            else:
                assert (seen, written) == (["held"], 1)  # the documented cost of turning it off
            assert [frame["seq"] for frame in client.received[1:]] == [1, 2]
    finally:
        await dispatcher.sessions.close()
        await history.aclose()


async def test_an_action_s_own_frames_wait_for_the_write_and_keep_their_order(
    redis_server: RedisServer, redis: Redis, kit: Kit
) -> None:
    history = RedisHistory(redis_server.url, key_prefix="wto")
    dispatcher = Dispatcher(history=history)
    try:
        async with AsyncWebSocketTestClient(dispatcher, sessions=True) as client:
            assert await history.flush()
            await redis.execute_command("CLIENT", "PAUSE", "2000", "WRITE")
            request = asyncio.create_task(client.request("echo", {"text": "one"}))
            await asyncio.sleep(0.3)
            seen = len(client.received)
            await redis.execute_command("CLIENT", "UNPAUSE")
            reply = await asyncio.wait_for(request, 10)
            assert seen == 1  # only the session frame: the echo and its completion wait for their write
            assert reply.ok
            assert [frame["seq"] for frame in client.received[1:]] == [1, 2]
            assert texts(client.received) == ["one"]
    finally:
        await dispatcher.sessions.close()
        await history.aclose()


async def test_an_action_that_streams_past_the_write_ahead_bound_keeps_every_frame_in_order(
    redis_server: RedisServer, redis: Redis, kit: Kit
) -> None:
    """1,000 events of one action (more than the 256 that may wait for their write) interleaved with
    deliveries to the session's group: every frame once, ``seq`` 1, 2, 3, ... on the socket."""
    echoed = kit.echo_event

    class StreamPayload(BaseModel):
        count: int

    class Stream(metaclass=ActionRegistryMeta, name="stream"):
        async def execute(self, payload: StreamPayload, context: ActionContext) -> Any:
            for number in range(payload.count):
                yield echoed(recipient="websocket", recipient_id=context.websocket_id, payload={"text": f"s {number}"})

    history = RedisHistory(redis_server.url, key_prefix="wtl")
    dispatcher = Dispatcher(history=history)
    try:
        async with AsyncWebSocketTestClient(dispatcher, sessions=True) as client:
            await client.request("room.join", {"room": "room"})
            streaming = asyncio.create_task(client.request("stream", {"count": 1000}))
            for number in range(50):
                await dispatcher.push(echoed(recipient="group", recipient_id="room", payload={"text": f"g {number}"}))
                await asyncio.sleep(0)
            reply = await asyncio.wait_for(streaming, 30)
            assert reply.ok
            assert await history.flush()
            await client.connection.wait_idle()
            said = texts(client.received)
            assert [text for text in said if text.startswith("s ")] == [f"s {n}" for n in range(1000)]
            assert [text for text in said if text.startswith("g ")] == [f"g {n}" for n in range(50)]
            seqs = [frame["seq"] for frame in client.received[1:]]
            assert seqs == list(range(1, len(seqs) + 1))
            replayed = await history.replay(client.session["id"], seqs[-1] - 500)  # type: ignore[index]
            assert replayed == client.raw[-500:]  # what was sent is what Redis holds
    finally:
        await dispatcher.sessions.close()
        await history.aclose()


async def test_a_broadcast_to_more_parked_sessions_than_max_pending_drops_nothing(
    redis_server: RedisServer, redis: Redis, kit: Kit
) -> None:
    history = RedisHistory(redis_server.url, key_prefix="wtb", max_pending=20)
    dispatcher = Dispatcher(history=history)
    parked: list[AsyncWebSocketTestClient] = []
    try:
        for _ in range(150):  # more than 7 times max_pending
            client = AsyncWebSocketTestClient(dispatcher, sessions=True)
            await client.__aenter__()
            await client.request("room.join", {"room": "room"})
            await client.drop()
            parked.append(client)
        assert await history.flush(10.0)
        await dispatcher.push(kit.echo_event(recipient="group", recipient_id="room", payload={"text": "all"}))
        assert await history.flush(10.0)
        assert history.health().dropped == 0
        for client in parked:
            async with client.resume() as again:
                assert again.session is not None
                assert again.session.get("resync") is None  # not history-gap
                assert texts(again.replayed) == ["all"]
    finally:
        await dispatcher.sessions.close()
        await history.aclose()


async def test_a_slow_consumer_is_still_closed_with_1013_and_resumes_without_losing_anything(
    redis_server: RedisServer, redis: Redis, kit: Kit
) -> None:
    """``OutgoingLimits`` hold for frames that waited for their write: a member that stops reading
    is closed with 1013, and its resume replays from Redis what it did not take."""
    history = RedisHistory(redis_server.url, key_prefix="wtc")
    config = ProtocolConfig(outgoing=OutgoingLimits(max_frames=4, grace=0.05))
    dispatcher = Dispatcher(config, history=history)
    stalled = asyncio.Event()
    wire: list[str] = []
    closed: list[int] = []

    async def send(text: str) -> None:
        wire.append(text)
        if len(wire) > 3:  # the client stops reading after the session frame and two frames
            await stalled.wait()

    async def close(code: int, reason: str) -> None:
        closed.append(code)

    def said(text: str) -> Any:
        return dispatcher.push(kit.echo_event(recipient="group", recipient_id="room", payload={"text": text}))

    try:
        connection = dispatcher.connection(send=send, close=close, user_id=1, handshake=negotiate(["beeflow.v2"]))
        await dispatcher.open(connection)
        await connection.join_group("room")
        session = json.loads(wire[0])["session"]
        for number in range(20):
            await said(f"e{number}")
        assert await history.flush()
        for _ in range(100):
            if closed:
                break
            await asyncio.sleep(0.01)
        assert closed == [1013]
        for number in range(20, 25):
            await said(f"e{number}")  # while parked
        await connection.shutdown()
        stalled.set()
        seen = [json.loads(frame) for frame in wire[1:]]
        assert [frame["seq"] for frame in seen] == list(range(1, len(seen) + 1))
        resume = ResumeRequest(session["id"], session["epoch"], len(seen))
        async with AsyncWebSocketTestClient(dispatcher, resume=resume) as again:
            assert again.session is not None
            assert again.session["resumed"] is True
            assert texts(seen) + texts(again.replayed) == [f"e{number}" for number in range(25)]
    finally:
        await dispatcher.sessions.close()
        await history.aclose()
