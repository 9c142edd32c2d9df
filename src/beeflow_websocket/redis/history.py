"""The history of resumable sessions in Redis, so it outlives the process that recorded it.

Each session's frames go to a Redis Stream ``<prefix>:h:<session>`` (one entry per frame: ``s`` its
seq, ``f`` the frame), trimmed to about ``max_events`` entries and expiring ``max_age`` seconds after
the last write. :meth:`RedisHistory.record` never waits: frames are queued and a writer task sends
them in pipelines as soon as the event loop is free. A session sends a frame to its client only
once its write is acknowledged (``write_before_send``, on by default; see
:class:`~beeflow_websocket.core.history.WrittenLater`): what a ``kill -9`` of the process loses from
that queue was never sent, so the process adopting the session numbers it again (deliveries, from
the hub's journal) or answers its action as interrupted. While Redis is unreachable frames are sent
unwritten, and a resume that needs one of them gets ``history-gap``, never a partial replay.

The *epoch* is the key ``<prefix>:epoch``, set once with ``SET NX`` by the first process to reach
the Redis, and checked on every write. A Redis that lost its data (a restart without persistence,
a flush) no longer has it: the next process to notice sets a new one, every process adopts it, and
a client naming the old one gets ``epoch-changed``.

While Redis is reachable, a delivery waits (:meth:`RedisHistory.room`) while more than
``max_pending`` frames are queued, so a broadcast to more sessions than that goes at Redis's pace and
drops nothing. While Redis is unreachable, frames wait in the queue (at most ``max_pending``); past
that the oldest are dropped and their sessions can no longer be replayed from before them
(``history-gap``).
"""

from __future__ import annotations

import asyncio
import hashlib
import heapq
import itertools
import logging
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import NoScriptError, RedisError

from .client import RedisClientSettings
from .health import HealthTracker
from .wire import DEFAULT_PREFIX

__all__ = ["HistoryHealth", "RedisHistory"]

logger = logging.getLogger("beeflow_websocket")

#: Frames sent in one pipeline.
_BATCH = 512

# The frames of a stream with a seq above ARGV[1], oldest first, as one string of
# ``<seq>:<bytes>:<frame>`` (one reply to parse instead of four per frame), and the epoch. Read
# newest first, ARGV[2] entries at a time, down to the first seq at or below ARGV[1].
_TAIL = """
local after, page = tonumber(ARGV[1]), tonumber(ARGV[2])
local parts, upper = {}, '+'
while true do
  local entries = redis.call('XREVRANGE', KEYS[1], upper, '-', 'COUNT', page)
  local reached = false
  for i = 1, #entries do
    local fields = entries[i][2]
    local seq, frame = '0', ''
    for j = 1, #fields, 2 do
      if fields[j] == 's' then seq = fields[j + 1] elseif fields[j] == 'f' then frame = fields[j + 1] end
    end
    if tonumber(seq) <= after then reached = true break end
    parts[#parts + 1] = seq .. ':' .. #frame .. ':' .. frame
  end
  if reached or #entries < page then break end
  upper = '(' .. entries[#entries][1]
end
local ordered = {}
for i = #parts, 1, -1 do ordered[#ordered + 1] = parts[i] end
return {redis.call('GET', KEYS[2]) or false, table.concat(ordered)}
"""
_TAIL_SHA = hashlib.sha1(_TAIL.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class HistoryHealth:
    """A snapshot of :meth:`RedisHistory.health`.

    ``connected`` is false from a failed write until one succeeds again; ``outages`` counts outages,
    ``dropped`` the frames dropped because the queue was full (their sessions resume with
    ``history-gap``), ``pending`` the frames queued now, ``epoch_changes`` how often this process
    found that Redis had lost its data.
    """

    connected: bool
    outages: int
    dropped: int
    pending: int
    epoch_changes: int
    last_error: str | None


@dataclass(slots=True)
class _Op:
    session: str
    seq: int  # 0: delete the session's stream
    frame: str
    #: The session's fence when a RedisSessionStore shares it (the write is refused at another).
    fence: int | None = None
    #: Not a frame: a store operation (``RedisSessionStore``) run as this Lua call.
    call: tuple[str, list[str], list[Any]] | None = None
    #: The req_id this frame is the last answer to (the store stops counting it as running).
    finishes: str | None = None
    #: The journal mark of the delivery this frame numbered (the store records it with the seq).
    mark: int = 0


class RedisHistory(RedisClientSettings):
    """A :class:`~beeflow_websocket.core.history.History` kept in Redis.

    ::

        configure_beeflow_websocket(app, hub=RedisHub(url), history=RedisHistory(url))

    ``max_events`` and ``max_age`` bound each session's stream (give them ``ResumeConfig``'s
    ``max_frames`` and its window or ``max_age``); ``max_pending`` bounds the frames this process
    holds while Redis is unreachable (while it is reachable, deliveries wait for the writer past
    it); ``timeout`` bounds each Redis call. ``write_before_send`` (default on): a session's frame
    goes to its client only once it is in Redis, so a ``kill -9`` of this process loses nothing a
    client saw (it costs each frame about one Redis round trip of latency). Give every application
    sharing a Redis database its own ``key_prefix``.
    """

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        *,
        key_prefix: str = DEFAULT_PREFIX,
        max_events: int = 1000,
        max_age: float = 120.0,
        max_pending: int = 10_000,
        timeout: float = 2.0,
        min_backoff: float = 0.1,
        max_backoff: float = 2.0,
        redis_options: dict[str, Any] | None = None,
        write_before_send: bool = True,
    ) -> None:
        if max_events < 1 or max_pending < 1 or max_age <= 0 or timeout <= 0:
            raise ValueError("RedisHistory needs max_events, max_pending, max_age and timeout above 0")
        super().__init__(
            "RedisHistory",
            url,
            timeout=timeout,
            min_backoff=min_backoff,
            max_backoff=max_backoff,
            redis_options=redis_options,
        )
        self.key_prefix = key_prefix
        self.max_events = max_events
        self.max_age = max_age
        self.max_pending = max_pending
        self.write_before_send = write_before_send
        self._epoch_key = f"{key_prefix}:epoch"
        # Until Redis is reached this process's own proposal; replaced by the one Redis holds.
        self._epoch = os.urandom(8).hex()
        self._epoch_checked = False
        self._epoch_known = False
        #: The last seq recorded per session, and the newest seq dropped before reaching Redis.
        self._last: dict[str, int] = {}
        self._dropped_through: dict[str, int] = {}
        self._pending: deque[_Op] = deque()
        self._queued = 0  # ops ever queued
        self._done = 0  # ops ever written or dropped
        self._waiters: list[tuple[int, asyncio.Future[bool], bool]] = []
        #: Callbacks of sessions waiting to send frames: (ticket, order, callback), a heap.
        self._acks: list[tuple[int, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: Redis | None = None
        self._health = HealthTracker(
            "Redis history",
            dropping=f"up to {max_pending} frames wait, resumes needing more get history-gap",
            dropped="frames were dropped meanwhile (their sessions resume with history-gap)",
        )
        self._epoch_changes = 0
        #: Set by a RedisSessionStore over this history: fences of the sessions this process owns.
        self._store: Any = None

    def __repr__(self) -> str:
        return f"<RedisHistory {self.url!r} prefix={self.key_prefix!r}: {len(self._last)} sessions>"

    # The History interface.

    @property
    def epoch(self) -> str:
        """16 hex characters shared by every process on this Redis, new when Redis lost its data."""
        return self._epoch

    async def ready(self) -> None:
        """Make :attr:`epoch` Redis's (once, and again after an outage); never raises."""
        self._bind()
        if self._epoch_checked:
            return
        try:
            await self._check_epoch(self._redis())
        except (RedisError, OSError) as error:
            self._failed(error)
        else:
            self._recovered()

    def record(self, session: str, seq: int, frame: str) -> None:
        self._bind()
        self._last[session] = seq
        store = self._store
        self._queue(_Op(session, seq, frame, None if store is None else store.fence_of(session)))

    def adopted(self, session: str, seq: int) -> None:
        """This process adopted ``session`` at ``seq`` (from the shared record): replay up to it."""
        self._last[session] = seq
        self._dropped_through.pop(session, None)

    async def replay(self, session: str, after_seq: int) -> list[str] | None:
        last = self._last.get(session)
        if last is None or after_seq < 0 or after_seq > last:
            return None
        if after_seq < self._dropped_through.get(session, 0):
            return None
        if after_seq == last:
            return []
        self._bind()
        if not await self._flushed(self._queued):
            return None
        if after_seq < self._dropped_through.get(session, 0):
            return None
        try:
            client = self._redis()
            keys = [self._stream(session), self._epoch_key]
            epoch, blob = await client.evalsha(_TAIL_SHA, 2, *keys, after_seq, last - after_seq + 1)
        except NoScriptError:
            try:
                epoch, blob = await client.eval(_TAIL, 2, *keys, after_seq, last - after_seq + 1)
            except (RedisError, OSError) as error:
                self._failed(error)
                return None
        except (RedisError, OSError) as error:
            self._failed(error)
            return None
        self._recovered()
        if epoch is None or epoch.decode() != self._epoch:
            self._epoch_checked = False  # Redis lost its data: the next write or greeting sets a new epoch
            return None
        return _contiguous(_entries(blob), after_seq, last)

    # Write, then send (WrittenLater).

    def ticket(self) -> int:
        """What the frame recorded last waits for before it is sent (0: nothing)."""
        if not self.write_before_send or self._health.down:
            return 0  # Redis unreachable: local connections keep getting their frames
        return self._queued

    def written(self, ticket: int) -> bool:
        # Redis down, or no writer any more (closed): nothing waits for a write that will not come.
        return ticket <= self._done or self._health.down or self._writer is None

    def when_written(self, ticket: int, callback: Callable[[], None]) -> None:
        heapq.heappush(self._acks, (ticket, next(self._order), callback))

    async def room(self) -> None:
        """Wait while more than ``max_pending`` frames are queued and Redis is reachable (at most ``timeout``)."""
        if len(self._pending) > self.max_pending and not self._health.down:
            await self._flushed(self._queued - self.max_pending)

    async def forget(self, session: str) -> None:
        if self._last.pop(session, None) is None:
            return
        self._dropped_through.pop(session, None)
        if self._store is not None:
            return  # the store's forget deletes the stream, only while this process owns the session
        self._bind()
        self._queue(_Op(session, 0, ""))

    # Health and shutdown.

    def health(self) -> HistoryHealth:
        health = self._health
        return HistoryHealth(
            not health.down, health.outages, health.dropped, len(self._pending), self._epoch_changes, health.last_error
        )

    async def flush(self, within: float | None = None) -> bool:
        """Wait until every frame recorded so far is in Redis (or dropped); false after ``within`` seconds
        (default ``timeout``), Redis being down or not."""
        if self._loop is None:
            return True
        return await self._flushed(self._queued, within, patient=True)

    async def aclose(self) -> None:
        """Write what is queued (within ``timeout``), stop the writer and close the connection."""
        if self._loop is None:
            return
        await self.flush()
        if self._writer is not None:
            self._writer.cancel()
            await asyncio.gather(self._writer, return_exceptions=True)
            self._writer = None
        self._fire_acks()
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        self._loop = None

    # The writer.

    def _stream(self, session: str) -> str:
        return f"{self.key_prefix}:h:{session}"

    def _bind(self) -> None:
        loop = asyncio.get_running_loop()
        if self._loop is loop:
            return
        if self._loop is not None and not self._loop.is_closed():
            raise RuntimeError("RedisHistory serves one event loop (the dispatcher's)")
        self._loop = loop
        self._client = None
        self._waiters = []  # futures of a closed loop: nobody waits on them any more
        self._acks = []
        self._wake = asyncio.Event()
        self._writer = loop.create_task(self._write_forever(), name="beeflow-websocket-redis-history")

    def _redis(self) -> Redis:
        if self._client is None:
            self._client = self.new_client()
        return self._client

    def _queue(self, op: _Op) -> None:
        self._pending.append(op)
        self._queued += 1
        # Only while Redis is unreachable: while it is not, deliveries wait for room (``room``).
        while len(self._pending) > self.max_pending and self._health.down:
            self._drop(self._pending.popleft())
        self._wake.set()

    def _drop(self, op: _Op) -> None:
        self._done += 1
        if op.seq > 0:
            self._health.drop()
            if op.session in self._last:
                self._dropped_through[op.session] = max(self._dropped_through.get(op.session, 0), op.seq)
        self._release()

    def _release(self) -> None:
        acks = self._acks
        while acks and acks[0][0] <= self._done:
            _call(heapq.heappop(acks)[2])
        waiting = []
        for mark, future, patient in self._waiters:
            if self._done >= mark:
                if not future.done():
                    future.set_result(True)
            elif not future.done():
                waiting.append((mark, future, patient))
        self._waiters = waiting

    async def _flushed(self, mark: int, within: float | None = None, *, patient: bool = False) -> bool:
        if self._done >= mark:
            return True
        if self._health.down and not patient:
            return False  # Redis is unreachable: answer now rather than after a timeout
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiters.append((mark, future, patient))
        try:
            async with asyncio.timeout(self.timeout if within is None else within):
                return await future
        except TimeoutError:
            return False

    async def _write_forever(self) -> None:
        delay = self.min_backoff
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                batch = [self._pending[index] for index in range(min(_BATCH, len(self._pending)))]
                try:
                    await self._write(batch)
                except (RedisError, OSError) as error:
                    self._failed(error)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, self.max_backoff)
                    continue
                delay = self.min_backoff
                self._recovered()
                # Ops may have been dropped from the front meanwhile: remove exactly those written.
                for op in batch:
                    if self._pending and self._pending[0] is op:
                        self._pending.popleft()
                        self._done += 1
                self._release()

    async def _write(self, batch: list[_Op]) -> None:
        client = self._redis()
        if not self._epoch_checked:
            await self._check_epoch(client)
        if self._store is not None:
            await self._store.load(client)
        expire_ms = max(1, round(self.max_age * 1000))
        async with client.pipeline(transaction=False) as pipe:
            pipe.get(self._epoch_key)
            touched: list[str] = []
            fenced: list[tuple[int, _Op]] = []
            for op in batch:
                key = self._stream(op.session)
                if op.call is not None:
                    fenced.append((len(pipe), op))
                    name, keys, args = op.call
                    self._store.call(pipe, name, keys, args)
                    continue
                if op.seq == 0:
                    pipe.delete(key)
                    continue
                if op.fence is not None:
                    fenced.append((len(pipe), op))
                    self._store.write_frame(pipe, op, key, expire_ms)
                    continue
                pipe.xadd(key, {"s": str(op.seq), "f": op.frame}, maxlen=self.max_events, approximate=True)
                if key not in touched:
                    touched.append(key)
            for key in touched:
                pipe.pexpire(key, expire_ms)
            results = await pipe.execute()
        for index, op in fenced:
            if results[index] == 0:
                self._store.refused(op.session)
        epoch = results[0]
        if epoch is None or epoch.decode() != self._epoch:
            # Redis lost its data since the last write: what it held of every session is gone.
            self._epoch_checked = False
            await self._check_epoch(client)

    async def _check_epoch(self, client: Redis) -> None:
        # The proposal becomes the epoch only if Redis holds none (SET NX and GET in one MULTI).
        # Once this process knew an epoch, a Redis without one lost its data: the proposal is new.
        proposal = os.urandom(8).hex() if self._epoch_known else self._epoch
        async with client.pipeline(transaction=True) as pipe:
            pipe.set(self._epoch_key, proposal, nx=True)
            pipe.get(self._epoch_key)
            _, held = await pipe.execute()
        epoch = held.decode()
        if epoch != self._epoch:
            if self._epoch_known:
                self._epoch_changes += 1
                logger.warning("Redis history: Redis lost its data; sessions recorded before resume with epoch-changed")
            self._epoch = epoch
        self._epoch_known = True
        self._epoch_checked = True

    def _failed(self, error: BaseException) -> None:
        self._health.failed("write", error)
        self._epoch_checked = False
        if self._store is not None:
            self._store.loaded = False  # a restarted Redis has no scripts
        # Sessions send what waited for its write unwritten (``written`` is true while Redis is down).
        self._fire_acks()
        # A replay does not wait for Redis to come back: it answers history-gap at once.
        for _, future, patient in self._waiters:
            if not patient and not future.done():
                future.set_result(False)
        self._waiters = [waiter for waiter in self._waiters if waiter[2]]

    def _recovered(self) -> None:
        self._health.recovered("write")

    def _fire_acks(self) -> None:
        acks, self._acks = self._acks, []
        for _, _, callback in sorted(acks):
            _call(callback)


def _call(callback: Callable[[], None]) -> None:
    # A session's callback must not stop the writer that serves every session.
    try:
        callback()
    except Exception:
        logger.exception("Redis history: sending frames after their write failed")


def _entries(blob: bytes) -> Iterator[tuple[int, bytes]]:
    """``(seq, frame)`` pairs from the tail script's ``<seq>:<bytes>:<frame>...`` string."""
    index, end = 0, len(blob)
    while index < end:
        colon = blob.index(b":", index)
        second = blob.index(b":", colon + 1)
        start = second + 1
        stop = start + int(blob[colon + 1 : second])
        yield int(blob[index:colon]), blob[start:stop]
        index = stop


def _contiguous(entries: Iterable[tuple[int, bytes]], after_seq: int, last: int) -> list[str] | None:
    """The frames ``after_seq + 1 .. last`` from stream entries, or ``None`` if any is missing."""
    frames: list[str] = []
    expected = after_seq + 1
    for seq, frame in entries:
        if seq < expected:
            continue  # a frame written twice (a pipeline retried after a broken connection)
        if seq != expected:
            return None
        frames.append(frame.decode())
        expected += 1
    return frames if expected == last + 1 else None
