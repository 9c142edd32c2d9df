"""The Redis hub against a real redis-server, in one process: two dispatchers stand for two workers.

Each dispatcher has a hub of its own (its own Redis connections and origin), exactly as two worker
processes would; the multi-process tests (test_workers.py) run the same paths through real servers.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager

import pytest
from pydantic import BaseModel
from redis.asyncio import Redis

from beeflow_websocket.core.action_registry import ActionContext, ActionRegistryMeta
from beeflow_websocket.core.dispatcher import Dispatcher
from beeflow_websocket.core.event_registry import WebSocketEvent
from beeflow_websocket.redis import RedisHub
from beeflow_websocket.testing import AsyncWebSocketTestClient

from .conftest import RedisServer

Frame = dict[str, object]


class NotePayload(BaseModel):
    n: int


def note_event() -> type[WebSocketEvent]:
    class Note(WebSocketEvent, name="note"):
        payload: NotePayload

    return Note


@pytest.fixture
def kit() -> None:
    """``room.say`` answers with an ``echoed`` event to the room."""

    class EchoedPayload(BaseModel):
        text: str

    class Echoed(WebSocketEvent, name="echoed"):
        payload: EchoedPayload

    class RoomPayload(BaseModel):
        room: str
        text: str

    class SayInRoom(metaclass=ActionRegistryMeta, name="room.say"):
        async def execute(self, payload: RoomPayload, context: ActionContext) -> AsyncIterator[Echoed]:
            yield Echoed(recipient="group", recipient_id=payload.room, payload=EchoedPayload(text=payload.text))


async def eventually(condition: Callable[[], bool], *, attempts: int = 500) -> None:
    """Wait for ``condition``, at most ``attempts`` times 10 ms."""
    for _ in range(attempts):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")


def notes(client: AsyncWebSocketTestClient) -> list[int]:
    return [frame["payload"]["n"] for frame in client.received if frame.get("event") == "note"]


@asynccontextmanager
async def workers(redis_server: RedisServer, count: int = 2) -> AsyncIterator[list[Dispatcher]]:
    dispatchers = [Dispatcher(hub=RedisHub(redis_server.url, channel_prefix="t")) for _ in range(count)]
    try:
        yield dispatchers
    finally:
        for dispatcher in dispatchers:
            assert isinstance(dispatcher.hub, RedisHub)
            await dispatcher.hub.aclose()


async def subscriptions(redis_server: RedisServer) -> dict[str, int]:
    """Channel -> number of subscribed processes, as Redis sees it."""
    async with Redis.from_url(redis_server.url) as client:
        channels = await client.pubsub_channels("t:*")
        counts = await client.pubsub_numsub(*channels) if channels else []
    return {name.decode() if isinstance(name, bytes) else name: count for name, count in counts}


async def test_every_recipient_kind_reaches_the_other_worker_once(redis_server: RedisServer) -> None:
    note = note_event()
    async with workers(redis_server) as (one, two), AsyncExitStack() as stack:
        alice_1 = await stack.enter_async_context(AsyncWebSocketTestClient(one, user_id="alice"))
        alice_2 = await stack.enter_async_context(AsyncWebSocketTestClient(two, user_id="alice"))
        bob_2 = await stack.enter_async_context(AsyncWebSocketTestClient(two, user_id="bob"))
        carol_1 = await stack.enter_async_context(AsyncWebSocketTestClient(one, user_id="carol"))
        await bob_2.join_group("room")
        await carol_1.join_group("room")

        await one.push(note(recipient="user", recipient_id="alice", payload=NotePayload(n=1)))
        await one.push(note(recipient="group", recipient_id="room", payload=NotePayload(n=2)))
        await one.push(note(recipient="websocket", recipient_id=bob_2.websocket_id, payload=NotePayload(n=3)))
        await eventually(lambda: len(notes(bob_2)) == 2 and len(notes(alice_2)) == 1)
        # A marker through the same channels: everything published before it has arrived.
        await one.push(note(recipient="group", recipient_id="room", payload=NotePayload(n=4)))
        await one.push(note(recipient="user", recipient_id="alice", payload=NotePayload(n=4)))
        await eventually(lambda: notes(bob_2)[-1:] == [4] and notes(alice_2)[-1:] == [4])

        assert notes(alice_1) == [1, 4]
        assert notes(alice_2) == [1, 4]
        assert notes(carol_1) == [2, 4]
        assert notes(bob_2) == [2, 3, 4]
        assert [frame["seq"] for frame in bob_2.received] == [1, 2, 3]


async def test_the_acting_connection_gets_its_copy_directly_and_once(redis_server: RedisServer, kit: None) -> None:
    async with workers(redis_server) as (one, two), AsyncExitStack() as stack:
        a_1 = await stack.enter_async_context(AsyncWebSocketTestClient(one, user_id="a"))
        b_1 = await stack.enter_async_context(AsyncWebSocketTestClient(one, user_id="b"))
        c_2 = await stack.enter_async_context(AsyncWebSocketTestClient(two, user_id="c"))
        for client in (a_1, b_1, c_2):
            await client.join_group("room")
        reply = await a_1.request("room.say", {"room": "room", "text": "hi"})
        assert reply.payloads("echoed") == [{"text": "hi"}]
        assert [frame["payload"] for frame in b_1.pushed()] == [{"text": "hi"}]  # same process: no Redis needed
        await eventually(lambda: len(c_2.received) == 1)
        await a_1.request("room.say", {"room": "room", "text": "marker"})
        await eventually(lambda: len(c_2.received) == 2)
        assert [frame["payload"]["text"] for frame in c_2.received] == ["hi", "marker"]
        assert [frame["payload"]["text"] for frame in b_1.received] == ["hi", "marker"]
        assert [frame.get("event") for frame in a_1.received] == ["echoed", None, "echoed", None]


async def test_a_process_subscribes_only_to_what_its_connections_need(redis_server: RedisServer) -> None:
    async with workers(redis_server) as (one, two), AsyncExitStack() as stack:
        first = await stack.enter_async_context(AsyncWebSocketTestClient(one, user_id="u1", websocket_id="w1"))
        second = await stack.enter_async_context(AsyncWebSocketTestClient(one, user_id="u1", websocket_id="w2"))
        other = await stack.enter_async_context(AsyncWebSocketTestClient(two, user_id="u2", websocket_id="w3"))
        await first.join_group("g")
        await second.join_group("g")
        await other.join_group("g")
        assert await subscriptions(redis_server) == {
            "t:w:w1": 1, "t:w:w2": 1, "t:w:w3": 1, "t:u:u1": 1, "t:u:u2": 1, "t:g:g": 2,
        }  # fmt: skip
        await first.connection.leave_group("g")
        await second.connection.shutdown()
        assert await subscriptions(redis_server) == {"t:w:w1": 1, "t:w:w3": 1, "t:u:u1": 1, "t:u:u2": 1, "t:g:g": 1}
        await first.connection.shutdown()
        await other.connection.shutdown()
    assert await subscriptions(redis_server) == {}


async def test_a_process_without_sockets_pushes_with_push_sync(redis_server: RedisServer) -> None:
    note = note_event()
    async with workers(redis_server, 1) as (worker,), AsyncWebSocketTestClient(worker, user_id="alice") as alice:
        job = Dispatcher(hub=RedisHub(redis_server.url, channel_prefix="t"))

        def run_job() -> None:
            for n in range(1, 51):  # each call runs on a fresh event loop of the job's thread
                job.push_sync(note(recipient="user", recipient_id="alice", payload=NotePayload(n=n)))

        await asyncio.to_thread(run_job)
        await eventually(lambda: len(notes(alice)) == 50)
        assert notes(alice) == list(range(1, 51))


async def test_order_is_kept_per_connection_across_kinds(redis_server: RedisServer) -> None:
    note = note_event()
    async with workers(redis_server) as (one, two), AsyncWebSocketTestClient(two, user_id="alice") as alice:
        await alice.join_group("room")
        kinds = [("user", "alice"), ("group", "room"), ("websocket", alice.websocket_id)]

        async def produce() -> None:
            for n in range(300):
                kind, key = kinds[n % 3]
                await one.push(note(recipient=kind, recipient_id=key, payload=NotePayload(n=n)))

        await asyncio.gather(produce())
        await eventually(lambda: len(notes(alice)) == 300)
        assert notes(alice) == list(range(300))
        assert [frame["seq"] for frame in alice.received] == list(range(1, 301))


async def test_a_message_that_is_not_a_delivery_is_ignored(redis_server: RedisServer) -> None:
    note = note_event()
    async with workers(redis_server, 1) as (worker,), AsyncWebSocketTestClient(worker, user_id="alice") as alice:
        async with Redis.from_url(redis_server.url) as client:
            await client.publish("t:u:alice", b"\xff not json")
            await client.publish("t:u:alice", b'["x"]\n{}')
        await worker.push(note(recipient="user", recipient_id="alice", payload=NotePayload(n=1)))
        other = Dispatcher(hub=RedisHub(redis_server.url, channel_prefix="t"))
        await other.push(note(recipient="user", recipient_id="alice", payload=NotePayload(n=2)))
        assert isinstance(other.hub, RedisHub)
        await other.hub.aclose()
        await eventually(lambda: len(notes(alice)) == 2)
        assert notes(alice) == [1, 2]


async def test_redis_down_then_back(redis_server: RedisServer, kit: None, caplog: pytest.LogCaptureFixture) -> None:
    """No exception reaches a handler, local delivery goes on, and remote delivery comes back."""
    caplog.set_level(logging.WARNING, logger="beeflow_websocket")
    hub_options = {"channel_prefix": "t", "min_backoff": 0.05, "max_backoff": 0.2}
    one = Dispatcher(hub=RedisHub(redis_server.url, **hub_options))  # type: ignore[arg-type]
    two = Dispatcher(hub=RedisHub(redis_server.url, **hub_options))  # type: ignore[arg-type]
    hub_one, hub_two = one.hub, two.hub
    assert isinstance(hub_one, RedisHub)
    assert isinstance(hub_two, RedisHub)
    try:
        async with (
            AsyncWebSocketTestClient(one, user_id="a") as a_1,
            AsyncWebSocketTestClient(one, user_id="b") as b_1,
            AsyncWebSocketTestClient(two, user_id="c") as c_2,
        ):
            for client in (a_1, b_1, c_2):
                await client.join_group("room")
            redis_server.kill()
            try:
                for n in range(5):
                    reply = await a_1.request("room.say", {"room": "room", "text": f"down {n}"})
                    assert reply.ok
                assert [frame["payload"]["text"] for frame in b_1.pushed()] == [f"down {n}" for n in range(5)]
                await eventually(lambda: not hub_two.health().connected)
                health = hub_one.health()
                assert not health.connected
                assert health.outages == 1
                assert health.dropped >= 1
                assert health.last_error
            finally:
                redis_server.start()
            await eventually(lambda: hub_one.health().connected and hub_two.health().connected)
            # The first publish after the backoff window goes through; Redis holds c_2's subscription again.
            for attempt in range(50):
                await a_1.request("room.say", {"room": "room", "text": f"probe {attempt}"})
                if c_2.received:
                    break
                await asyncio.sleep(0.05)
            # A marker: the probes still on their way arrive before it, then the slate is clean.
            await a_1.request("room.say", {"room": "room", "text": "marker"})
            await eventually(lambda: c_2.received[-1]["payload"]["text"] == "marker")
            c_2.pushed()
            b_1.pushed()
            for n in range(20):
                await a_1.request("room.say", {"room": "room", "text": f"up {n}"})
            await eventually(lambda: len(c_2.received) >= 21 and c_2.received[-1]["payload"]["text"] == "up 19")
            assert [frame["payload"]["text"] for frame in c_2.pushed()] == [f"up {n}" for n in range(20)]
            assert hub_one.health().outages == 1
            # One line when the outage begins and one when it ends, per hub, not one per dropped event.
            lines = [record.getMessage() for record in caplog.records]
            assert sum("Redis is unreachable" in line for line in lines) == 2
            assert sum("Redis is back after" in line for line in lines) == 2
    finally:
        await hub_one.aclose()
        await hub_two.aclose()


async def test_a_second_event_loop_in_a_serving_process_leaves_the_first_one_receiving(
    redis_server: RedisServer,
) -> None:
    note = note_event()
    async with (
        workers(redis_server) as (one, two),
        AsyncWebSocketTestClient(one, user_id="alice") as alice_1,
        AsyncWebSocketTestClient(two, user_id="bob") as bob_2,
    ):
        # A thread of worker one pushes on a loop of its own (asyncio.run), as a sync job would.
        await asyncio.to_thread(
            asyncio.run, one.push(note(recipient="user", recipient_id="bob", payload=NotePayload(n=1)))
        )
        await eventually(lambda: notes(bob_2) == [1])
        await two.push(note(recipient="user", recipient_id="alice", payload=NotePayload(n=2)))
        await eventually(lambda: notes(alice_1) == [2])
        await two.push(note(recipient="user", recipient_id="bob", payload=NotePayload(n=3)))
        await eventually(lambda: notes(bob_2) == [1, 3])


async def test_a_redis_that_stops_answering_is_noticed_by_ping(redis_server: RedisServer) -> None:
    note = note_event()
    options = {"channel_prefix": "t", "ping_interval": 0.2, "timeout": 0.5, "min_backoff": 0.05, "max_backoff": 0.2}
    one = Dispatcher(hub=RedisHub(redis_server.url, **options))  # type: ignore[arg-type]
    two = Dispatcher(hub=RedisHub(redis_server.url, **options))  # type: ignore[arg-type]
    hub_one = one.hub
    assert isinstance(hub_one, RedisHub)
    assert redis_server.process is not None
    try:
        async with AsyncWebSocketTestClient(one, user_id="alice") as alice:
            os.kill(redis_server.process.pid, signal.SIGSTOP)  # the socket stays open, nothing answers
            try:
                await eventually(lambda: not hub_one.health().connected)
            finally:
                os.kill(redis_server.process.pid, signal.SIGCONT)
            await eventually(lambda: hub_one.health().connected)
            for n in range(100):  # until the subscription is back in Redis
                await two.push(note(recipient="user", recipient_id="alice", payload=NotePayload(n=n)))
                if notes(alice):
                    break
                await asyncio.sleep(0.05)
            assert notes(alice)
    finally:
        await hub_one.aclose()
        assert isinstance(two.hub, RedisHub)
        await two.hub.aclose()


@pytest.mark.parametrize(
    "options",
    [{"min_backoff": 0}, {"min_backoff": 3, "max_backoff": 2}, {"ping_interval": 0}, {"timeout": -1}],
)
def test_nonsense_options_are_refused(options: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="RedisHub needs"):
        RedisHub(**options)  # type: ignore[arg-type]
