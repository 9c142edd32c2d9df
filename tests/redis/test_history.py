"""RedisHistory on a real redis-server: the epoch, writes that never wait, contiguous replays only."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from beeflow_websocket.core.config import ResumeConfig
from beeflow_websocket.core.hub import LocalHub
from beeflow_websocket.core.sessions import Sessions
from beeflow_websocket.redis import RedisHistory

from .conftest import RedisServer


def fill(history: RedisHistory, count: int, *, session: str = "s", start: int = 1) -> None:
    for seq in range(start, start + count):
        history.record(session, seq, f"frame-{seq}")


@pytest.fixture
async def history(redis_server: RedisServer) -> AsyncIterator[RedisHistory]:
    history = RedisHistory(redis_server.url, key_prefix="t", timeout=1.0, min_backoff=0.05, max_backoff=0.2)
    await history.ready()
    try:
        yield history
    finally:
        await history.aclose()
        async with Redis.from_url(redis_server.url) as client:
            await client.flushdb()


async def test_every_process_on_one_redis_shares_one_epoch(redis_server: RedisServer) -> None:
    first = RedisHistory(redis_server.url, key_prefix="e")
    second = RedisHistory(redis_server.url, key_prefix="e")
    assert first.epoch != second.epoch  # proposals, before either reached Redis
    await first.ready()
    await second.ready()
    assert first.epoch == second.epoch
    assert len(first.epoch) == 16
    await first.aclose()
    await second.aclose()


async def test_record_does_not_wait_and_replay_sees_every_frame_recorded_before_it(history: RedisHistory) -> None:
    fill(history, 5)
    assert history.health().pending == 5  # nothing was sent yet: record only queued
    assert await history.replay("s", 2) == ["frame-3", "frame-4", "frame-5"]
    assert await history.replay("s", 0) == [f"frame-{seq}" for seq in range(1, 6)]
    assert await history.replay("s", 5) == []
    assert history.health().pending == 0


async def test_frames_are_in_a_stream_per_session_with_an_expiry(
    history: RedisHistory, redis_server: RedisServer
) -> None:
    fill(history, 3, session="abc")
    assert await history.flush()
    async with Redis.from_url(redis_server.url) as client:
        entries = await client.xrange("t:h:abc")
        assert [(fields[b"s"], fields[b"f"]) for _, fields in entries] == [
            (b"1", b"frame-1"), (b"2", b"frame-2"), (b"3", b"frame-3"),
        ]  # fmt: skip
        assert 0 < await client.pttl("t:h:abc") <= 120_000
    await history.forget("abc")
    assert await history.flush()
    async with Redis.from_url(redis_server.url) as client:
        assert await client.exists("t:h:abc") == 0
    assert await history.replay("abc", 0) is None


async def test_unknown_session_or_a_seq_never_sent_cannot_be_replayed(history: RedisHistory) -> None:
    fill(history, 3)
    assert await history.replay("other", 0) is None
    assert await history.replay("s", 4) is None
    assert await history.replay("s", -1) is None


async def test_a_gap_past_the_trimmed_stream_is_refused_not_replayed_in_part(redis_server: RedisServer) -> None:
    history = RedisHistory(redis_server.url, key_prefix="m", max_events=10)
    # MAXLEN ~ trims whole stream nodes: write enough that the oldest frames are surely gone.
    fill(history, 1000)
    assert await history.replay("s", 0) is None
    assert await history.replay("s", 995) == [f"frame-{seq}" for seq in range(996, 1001)]
    await history.aclose()


async def test_a_frame_missing_in_redis_is_a_gap(history: RedisHistory, redis_server: RedisServer) -> None:
    fill(history, 4)
    assert await history.flush()
    async with Redis.from_url(redis_server.url) as client:
        entries = await client.xrange("t:h:s")
        await client.xdel("t:h:s", entries[2][0])  # frame 3
    assert await history.replay("s", 1) is None
    assert await history.replay("s", 3) == ["frame-4"]


async def test_redis_losing_its_data_changes_the_epoch(history: RedisHistory, redis_server: RedisServer) -> None:
    before = history.epoch
    fill(history, 3)
    assert await history.flush()
    async with Redis.from_url(redis_server.url) as client:
        await client.flushdb()
    assert await history.replay("s", 0) is None  # the stream is gone, and the epoch with it
    fill(history, 1, start=4)
    assert await history.flush()
    await history.ready()
    assert history.epoch != before
    assert history.health().epoch_changes == 1


async def test_sessions_resume_through_redis_history_and_refuse_an_old_epoch(redis_server: RedisServer) -> None:
    from beeflow_websocket.core.handshake import ResumeRequest

    history = RedisHistory(redis_server.url, key_prefix="x")
    sessions = Sessions(ResumeConfig(), LocalHub(), history)
    front = _Front()
    session, greeting = await sessions.open(front, None)  # type: ignore[arg-type]
    assert greeting.resync is None
    session.lost(front)  # type: ignore[arg-type]
    for number in range(3):
        session.offer(lambda seq, number=number: f"event-{number}-{seq}")
    other = _Front()
    request = ResumeRequest(session.id, history.epoch, 1)
    resumed, greeting = await sessions.open(other, request)  # type: ignore[arg-type]
    assert resumed is session
    assert greeting.resumed
    assert greeting.frames[1:] == ["event-1-2", "event-2-3"]
    stale = ResumeRequest(session.id, "0" * 16, 3)
    _, greeting = await sessions.open(_Front(), stale)  # type: ignore[arg-type]
    assert greeting.resync == "epoch-changed"
    await sessions.close()
    await history.aclose()


class _Front:
    """The least of a connection that ``Sessions.open`` and ``Session.take`` use."""

    def __init__(self) -> None:
        self.websocket_id = f"ws-{id(self)}"
        self.user_id = None
        self.user_key = None

    def taken_over(self) -> None:
        pass


async def test_redis_down_buffers_within_the_bound_then_drops_and_refuses_the_gap(
    redis_server: RedisServer,
) -> None:
    history = RedisHistory(redis_server.url, key_prefix="d", max_pending=5, timeout=0.5, min_backoff=0.05)
    await history.ready()
    fill(history, 2)
    assert await history.flush()
    redis_server.kill()
    try:
        fill(history, 1, start=3)
        for _ in range(100):  # the writer notices the outage within one timeout
            if not history.health().connected:
                break
            await asyncio.sleep(0.05)
        assert not history.health().connected
        fill(history, 7, start=4)  # 3..10: 3, 4 and 5 no longer fit the queue
        assert history.health().dropped == 3
        assert await history.replay("s", 1) is None  # needs the dropped frames
        assert await history.replay("s", 8) is None  # Redis down: no replay, at once
    finally:
        redis_server.start()
    # The restarted Redis lost everything (no persistence): the pending frames go to a new epoch.
    assert await history.flush(10.0)
    assert history.health().connected
    assert history.health().epoch_changes == 1
    assert await history.replay("s", 1) is None
    assert await history.replay("s", 5) == [f"frame-{seq}" for seq in range(6, 11)]
    await history.aclose()


async def test_frames_with_colons_and_multibyte_text_replay_intact(history: RedisHistory) -> None:
    frames = ['{"text":"a:1:b"}', '{"text":"zażółć 🐝 : 12:"}', "", "3:x:"]
    for seq, frame in enumerate(frames, start=1):
        history.record("u", seq, frame)
    assert await history.replay("u", 0) == frames


async def test_a_frame_written_twice_is_replayed_once(history: RedisHistory, redis_server: RedisServer) -> None:
    fill(history, 3)
    assert await history.flush()
    async with Redis.from_url(redis_server.url) as client:
        await client.xadd("t:h:s", {"s": "3", "f": "frame-3"})  # as a retried pipeline would
    history.record("s", 4, "frame-4")
    assert await history.replay("s", 1) == ["frame-2", "frame-3", "frame-4"]


async def test_a_greeting_after_the_outage_finds_redis_back_without_a_write(redis_server: RedisServer) -> None:
    history = RedisHistory(redis_server.url, key_prefix="g", timeout=0.5)
    await history.ready()
    redis_server.kill()
    try:
        await history.ready()  # the next greeting: Redis is gone, nothing raised
        fill(history, 1)
        assert not await history.flush(2.0)
        assert not history.health().connected
    finally:
        redis_server.start()
    await history.ready()  # Redis is back and answers: the history says so without waiting for a write
    assert history.health().connected
    assert history.health().epoch_changes == 1
    await history.aclose()
