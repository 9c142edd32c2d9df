"""The Redis hub's journal against a real redis-server, in one process: two hubs stand for two workers.

A member that says it is ``journaled`` (a resumable session another worker may adopt) gets every
delivery with a mark, in mark order, its own worker's included and exactly once; the journal
answers what came after a mark, and ``None`` when it cannot tell all of it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
from redis.asyncio import Redis

from beeflow_websocket.core.hub import Delivery
from beeflow_websocket.core.recipient_registry import Address
from beeflow_websocket.redis import RedisHub

from .conftest import RedisServer


class Member:
    def __init__(self, websocket_id: str, user_key: str | None, *, journaled: bool) -> None:
        self.websocket_id = websocket_id
        self.user_key = user_key
        self.journaled = journaled
        self.got: list[Delivery] = []
        self.since: dict[Address, int] = {}
        self.mark = 0

    async def deliver(self, delivery: Delivery) -> None:
        if delivery.mark:  # as a session: a mark it numbered already is a duplicate
            if delivery.mark <= self.mark:
                return
            self.mark = delivery.mark
        self.got.append(delivery)

    def watching(self, address: Address, mark: int) -> None:
        self.since.setdefault(address, mark)


async def eventually(condition: Callable[[], bool], *, attempts: int = 500) -> None:
    for _ in range(attempts):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")


@pytest.fixture
async def hubs(redis_server: RedisServer) -> AsyncIterator[list[RedisHub]]:
    prefix = f"j{id(object())}"
    made = [RedisHub(redis_server.url, channel_prefix=prefix, journal_events=50) for _ in range(2)]
    try:
        yield made
    finally:
        for hub in made:
            await hub.aclose()


async def test_a_session_gets_every_delivery_once_with_marks_in_order_its_own_worker_s_too(
    hubs: list[RedisHub],
) -> None:
    here, there = hubs
    session = Member("ws-s", "alice", journaled=True)
    plain = Member("ws-p", "alice", journaled=False)
    await here.attach(session)
    await here.attach(plain)
    await here.join(session, "room")
    assert set(session.since) == {Address("websocket", "ws-s"), Address("user", "alice"), Address("group", "room")}
    for n in range(10):
        hub = here if n % 2 else there
        address = Address("user", "alice") if n % 3 else Address("group", "room")
        await hub.deliver(Delivery(address, f'{{"n":{n}}}'))
    await eventually(lambda: len(session.got) == 10 and len(plain.got) == 6)
    await asyncio.sleep(0.1)  # nothing more comes
    assert [delivery.tail for delivery in session.got] == [f'{{"n":{n}}}' for n in range(10)]
    marks = [delivery.mark for delivery in session.got]
    assert marks == sorted(marks)
    assert len(set(marks)) == 10
    assert min(marks) > min(session.since.values())
    assert len(plain.got) == 6  # the user's deliveries only, once each (its own worker's directly)

    journal = await there.since(dict.fromkeys(session.since, session.got[3].mark))
    assert journal is not None
    assert [delivery.tail for delivery in journal] == [f'{{"n":{n}}}' for n in range(4, 10)]
    assert [delivery.mark for delivery in journal] == marks[4:]


async def test_a_session_gets_what_was_published_while_its_worker_s_subscriber_reconnected(
    redis_server: RedisServer,
) -> None:
    prefix = f"r{id(object())}"
    here = RedisHub(redis_server.url, channel_prefix=prefix, min_backoff=0.5, max_backoff=0.5)
    there = RedisHub(redis_server.url, channel_prefix=prefix)
    client = Redis.from_url(redis_server.url)
    try:
        session = Member("ws-r", "dora", journaled=True)
        plain = Member("ws-r1", "dora", journaled=False)
        await here.attach(session)
        await here.attach(plain)
        user = Address("user", "dora")
        for n in range(5):
            await there.deliver(Delivery(user, f'{{"n":{n}}}'))
        await eventually(lambda: len(session.got) == 5)
        await client.execute_command("CLIENT", "KILL", "TYPE", "pubsub")  # here's subscriber goes
        for n in range(5, 10):  # while it waits 0.5 s before connecting again
            await there.deliver(Delivery(user, f'{{"n":{n}}}'))
        await eventually(lambda: here.health().connected and here.health().outages == 1)
        await there.deliver(Delivery(user, '{"n":10}'))
        await eventually(lambda: len(session.got) == 11)
        await asyncio.sleep(0.1)
        assert [delivery.tail for delivery in session.got] == [f'{{"n":{n}}}' for n in range(11)]
        assert [delivery.tail for delivery in plain.got][-1] == '{"n":10}'
        assert len(plain.got) < 11  # a connection without a session has no journal: pub/sub lost those
    finally:
        await client.aclose()
        for hub in (here, there):
            await hub.aclose()


async def test_a_journal_trimmed_past_a_mark_or_gone_cannot_answer(
    hubs: list[RedisHub], redis_server: RedisServer
) -> None:
    here, there = hubs
    session = Member("ws-t", "bob", journaled=True)
    await here.attach(session)
    user = Address("user", "bob")
    start = session.since[user]
    for n in range(400):  # journal_events=50: the oldest entries go
        await there.deliver(Delivery(user, f'{{"n":{n}}}'))
    await eventually(lambda: len(session.got) == 400)
    assert await there.since({user: start}) is None
    recent = await there.since({user: session.got[-10].mark})
    assert recent is not None
    assert len(recent) == 9
    assert await there.since({Address("user", "nobody"): 0}) is None


async def test_an_address_without_a_session_is_published_without_a_journal(
    hubs: list[RedisHub], redis_server: RedisServer
) -> None:
    here, there = hubs
    plain = Member("ws-v1", "carol", journaled=False)
    await here.attach(plain)
    await there.deliver(Delivery(Address("user", "carol"), '{"n":1}'))
    await eventually(lambda: len(plain.got) == 1)
    assert plain.got[0].mark == 0
    client = Redis.from_url(redis_server.url)
    try:
        assert await client.exists(f"{here.channel_prefix}:a:u:carol") == 0
    finally:
        await client.aclose()
