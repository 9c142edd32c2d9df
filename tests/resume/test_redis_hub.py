"""A parked session behind the Redis hub keeps getting deliveries from other workers; its resume
works on its own worker and is refused with a resync on another (the history is in the process)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from pydantic import BaseModel

from beeflow_websocket.core.dispatcher import Dispatcher
from beeflow_websocket.core.event_registry import WebSocketEvent
from beeflow_websocket.core.handshake import ResumeRequest
from beeflow_websocket.redis import RedisHub
from beeflow_websocket.testing import AsyncWebSocketTestClient
from tests.redis.conftest import RedisServer, redis_server

__all__ = ["redis_server"]


class NotePayload(BaseModel):
    n: int


@asynccontextmanager
async def workers(server: RedisServer) -> AsyncIterator[list[Dispatcher]]:
    dispatchers = [Dispatcher(hub=RedisHub(server.url, channel_prefix="resume")) for _ in range(2)]
    try:
        yield dispatchers
    finally:
        for dispatcher in dispatchers:
            await dispatcher.sessions.close()
            assert isinstance(dispatcher.hub, RedisHub)
            await dispatcher.hub.aclose()


async def eventually(condition: Callable[[], bool], *, attempts: int = 500) -> None:
    for _ in range(attempts):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")


async def test_a_parked_session_gets_other_workers_deliveries_and_resumes_on_its_worker(
    redis_server: RedisServer,
) -> None:
    class Note(WebSocketEvent, name="note"):
        payload: NotePayload

    async with (
        workers(redis_server) as (one, two),
        AsyncWebSocketTestClient(two, user_id="ann", sessions=True) as client,
    ):
        await client.join_group("room")
        await client.drop()
        session = two.sessions.get(client.session["id"])  # type: ignore[index]
        assert session is not None
        await one.push(Note(recipient="user", recipient_id="ann", payload=NotePayload(n=1)))
        await one.push(Note(recipient="group", recipient_id="room", payload=NotePayload(n=2)))
        await one.push(Note(recipient="websocket", recipient_id=client.websocket_id, payload=NotePayload(n=3)))
        await eventually(lambda: session.seq == 3)
        async with client.resume() as again:
            assert again.session is not None
            assert again.session["resumed"] is True
            assert [frame["payload"]["n"] for frame in again.replayed] == [1, 2, 3]
            assert [frame["seq"] for frame in again.replayed] == [1, 2, 3]
        request = ResumeRequest(again.session["id"], again.session["epoch"], again.last_seq)
        elsewhere = AsyncWebSocketTestClient(one, user_id="ann", resume=request)
        async with elsewhere:
            assert elsewhere.session is not None
            assert elsewhere.session["resync"] == "epoch-changed"
