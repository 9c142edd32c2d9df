"""The bounded history replays every frame after a seq, or says it cannot (never a partial replay)."""

from __future__ import annotations

from beeflow_websocket.core.history import MemoryHistory


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def fill(history: MemoryHistory, count: int, *, session: str = "s") -> None:
    for seq in range(1, count + 1):
        history.record(session, seq, f"frame-{seq}")


async def test_replays_every_frame_after_the_seq_in_order() -> None:
    history = MemoryHistory()
    fill(history, 5)
    assert await history.replay("s", 2) == ["frame-3", "frame-4", "frame-5"]
    assert await history.replay("s", 5) == []
    assert await history.replay("s", 0) == [f"frame-{seq}" for seq in range(1, 6)]


async def test_unknown_session_or_a_seq_never_sent_cannot_be_replayed() -> None:
    history = MemoryHistory()
    fill(history, 3)
    assert await history.replay("other", 0) is None
    assert await history.replay("s", 4) is None
    assert await history.replay("s", -1) is None


async def test_a_gap_past_the_count_limit_is_refused_not_replayed_in_part() -> None:
    history = MemoryHistory(max_events=3)
    fill(history, 5)
    assert await history.replay("s", 1) is None  # frame 2 was evicted
    assert await history.replay("s", 2) == ["frame-3", "frame-4", "frame-5"]


async def test_the_byte_limit_evicts_the_oldest_frames() -> None:
    history = MemoryHistory(max_bytes=len("frame-1") * 2)
    fill(history, 4)
    assert await history.replay("s", 1) is None
    assert await history.replay("s", 2) == ["frame-3", "frame-4"]


async def test_frames_older_than_max_age_are_gone_when_the_client_comes_back() -> None:
    clock = Clock()
    history = MemoryHistory(max_age=10, clock=clock)
    fill(history, 2)
    clock.now = 11
    assert await history.replay("s", 0) is None
    assert await history.replay("s", 2) == []


async def test_a_session_recorded_from_a_later_seq_cannot_replay_before_it() -> None:
    history = MemoryHistory()
    history.record("s", 7, "frame-7")
    assert await history.replay("s", 5) is None
    assert await history.replay("s", 6) == ["frame-7"]


async def test_forget_drops_the_session() -> None:
    history = MemoryHistory()
    fill(history, 2)
    await history.forget("s")
    assert await history.replay("s", 0) is None
