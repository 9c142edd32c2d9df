"""The recent frames of a resumable session, so a client that reconnects gets what it missed.

A session numbers its frames with ``seq``; :class:`MemoryHistory` keeps the newest of them, bounded
by count, by bytes and by age. :meth:`MemoryHistory.replay` returns every frame after a ``seq`` the
client names, or ``None`` when the history cannot cover the gap (a frame was evicted, the session is
unknown, or the client names a ``seq`` the session never sent): a partial history is never returned
as if it were whole, so the caller tells the client to resync instead.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

__all__ = ["History", "MemoryHistory", "WrittenLater"]


class History(Protocol):
    """Where the frames of resumable sessions are kept.

    ``epoch`` names the store's current life: it changes when the store loses what it held (a
    process restart for :class:`MemoryHistory`), so a client naming another epoch is told to
    resync. ``record`` is called for every numbered frame, in ``seq`` order, and must not wait (a
    store over the network queues its writes); ``replay`` answers every frame after ``after_seq``
    in order, or ``None`` when it cannot answer all of them, and must see every frame ``record``
    was called with before it (the session relies on that to replay without a gap). ``ready`` is
    awaited before a session is opened or resumed: a store over the network makes ``epoch`` current
    there (it must not raise; it keeps the epoch it has when the store is unreachable).
    """

    @property
    def epoch(self) -> str: ...

    async def ready(self) -> None: ...

    def record(self, session: str, seq: int, frame: str) -> None: ...
    async def replay(self, session: str, after_seq: int) -> list[str] | None: ...
    async def forget(self, session: str) -> None: ...


@runtime_checkable
class WrittenLater(Protocol):
    """A :class:`History` that writes in the background (``RedisHistory``) and says when a frame is written.

    A session sends a frame only once the history holds it (write, then send), so a client never
    has a frame that a process adopting its session could not replay. ``ticket`` is what the frame
    recorded last waits for (0: nothing, it may be sent now: the history does not gate sends, or
    cannot write at the moment); ``written`` tells whether a ticket's write is done (or will not be
    waited for any more); ``when_written`` calls back once it is. ``room`` waits while the writer is
    too far behind, so a broadcast to many sessions goes at the history's pace.
    """

    def ticket(self) -> int: ...
    def written(self, ticket: int) -> bool: ...
    def when_written(self, ticket: int, callback: Callable[[], None]) -> None: ...
    async def room(self) -> None: ...


@dataclass(slots=True)
class _Entries:
    frames: deque[tuple[int, str, float, int]] = field(default_factory=deque)
    size: int = 0
    #: The newest seq that was evicted (0: nothing yet); a replay from before it would have a gap.
    evicted_through: int = 0
    last_seq: int = 0


class MemoryHistory:
    """Per-session history in this process, bounded by ``max_events``, ``max_bytes`` and ``max_age`` seconds."""

    def __init__(
        self,
        *,
        max_events: int = 1000,
        max_bytes: int = 1024 * 1024,
        max_age: float = 120.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_events < 1 or max_bytes < 1 or max_age <= 0:
            raise ValueError("MemoryHistory needs max_events, max_bytes and max_age above 0")
        self.max_events = max_events
        self.max_bytes = max_bytes
        self.max_age = max_age
        self._clock = clock
        self._sessions: dict[str, _Entries] = {}
        self._epoch = os.urandom(8).hex()

    @property
    def epoch(self) -> str:
        """16 hex characters, new for every instance (its frames die with it)."""
        return self._epoch

    async def ready(self) -> None:
        """Nothing to do: the epoch is this instance's."""

    def __len__(self) -> int:
        """Sessions with frames kept."""
        return len(self._sessions)

    def record(self, session: str, seq: int, frame: str) -> None:
        entries = self._sessions.get(session)
        if entries is None:
            entries = self._sessions[session] = _Entries(evicted_through=seq - 1)
        size = len(frame)
        entries.frames.append((seq, frame, self._clock(), size))
        entries.size += size
        entries.last_seq = seq
        self._evict(entries)

    async def replay(self, session: str, after_seq: int) -> list[str] | None:
        entries = self._sessions.get(session)
        if entries is None or after_seq < 0 or after_seq > entries.last_seq:
            return None
        self._evict(entries)
        if after_seq < entries.evicted_through:
            return None
        return [frame for seq, frame, _, _ in entries.frames if seq > after_seq]

    async def forget(self, session: str) -> None:
        self._sessions.pop(session, None)

    def _evict(self, entries: _Entries) -> None:
        frames = entries.frames
        oldest = self._clock() - self.max_age
        while frames and (len(frames) > self.max_events or entries.size > self.max_bytes or frames[0][2] < oldest):
            seq, _, _, size = frames.popleft()
            entries.size -= size
            entries.evicted_through = seq
