"""Resumable sessions shared through Redis, so a client can resume on any process.

:class:`RedisSessionStore` is the :class:`~beeflow_websocket.core.session_store.SessionStore` of a
:class:`~.history.RedisHistory`: both write through the history's queue, so a session's record and
its frames reach Redis in the order they were made. Each session has a hash ``<prefix>:s:<id>``
(``w`` websocket id, ``u`` user key, ``g`` groups as JSON, ``seq`` the last seq in the history,
``m`` the last journal mark numbered and ``j`` the mark each group was joined at (see
:mod:`.hub`), ``owner``, ``fence``) that expires ``window`` seconds after its last write; the owner refreshes it
every third of that while the session lives.

Every frame is written by one Lua call that checks the hash's fence, appends to the stream and sets
``seq``: once another process claimed the session (a higher fence), the old owner's writes are
refused. The claim also publishes ``<session> <fence>`` on ``<prefix>:lost:<old owner>``, which
each store subscribes to; either way the old owner is told (``on_lost``) that the session is no
longer its own. Frames
it had not written yet are not in the history: the ``seq`` the new owner continues from is the last
one written. The client has seen none of them (a frame is sent once written: ``write_before_send``),
unless they were sent while Redis was unreachable; a client that saw more is told ``history-gap``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from typing import TYPE_CHECKING, Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from beeflow_websocket.core.session_store import Lost, SessionRecord, StoreUnavailableError

if TYPE_CHECKING:
    from .history import RedisHistory, _Op

__all__ = ["RedisSessionStore"]

# KEYS: hash, stream. ARGV: fence, seq, frame, maxlen, stream ttl ms, hash ttl ms, finished req_id
# ('' for none: the frame is not the last answer to a request), journal mark ('' for none).
_FRAME = """
if redis.call('HGET', KEYS[1], 'fence') ~= ARGV[1] then return 0 end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*', 's', ARGV[2], 'f', ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
redis.call('HSET', KEYS[1], 'seq', ARGV[2])
if ARGV[8] ~= '' then redis.call('HSET', KEYS[1], 'm', ARGV[8]) end
if ARGV[7] ~= '' then redis.call('HDEL', KEYS[1], 'r:' .. ARGV[7]) end
redis.call('PEXPIRE', KEYS[1], ARGV[6])
return 1
"""

# KEYS: hash. ARGV: fence, websocket id, user, groups, owner, ttl ms, new, journal mark, groups' marks.
_SAVE = """
if ARGV[7] == '1' then
  if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
  redis.call('HSET', KEYS[1], 'w', ARGV[2], 'u', ARGV[3], 'g', ARGV[4], 'seq', '0', 'owner', ARGV[5], 'fence', '0',
    'm', ARGV[8], 'j', ARGV[9])
else
  if redis.call('HGET', KEYS[1], 'fence') ~= ARGV[1] then return 0 end
  redis.call('HSET', KEYS[1], 'g', ARGV[4], 'j', ARGV[9])
end
redis.call('PEXPIRE', KEYS[1], ARGV[6])
return 1
"""

# KEYS: hash. ARGV: fence, req_id. A running action (field ``r:<req_id>``).
_START = """
if redis.call('HGET', KEYS[1], 'fence') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'r:' .. ARGV[2], '1')
return 1
"""

# KEYS: hash. ARGV: fence, ttl ms.
_TOUCH = """
if redis.call('HGET', KEYS[1], 'fence') ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""

# KEYS: hash, stream. ARGV: fence. A forget at an old fence is no loss: nothing to report.
_FORGET = """
if redis.call('HGET', KEYS[1], 'fence') == ARGV[1] then redis.call('DEL', KEYS[1], KEYS[2]) end
return 1
"""

# KEYS: hash. ARGV: user, owner, ttl ms, channel prefix, session. The record; claimed only for the
# same user. The previous owner hears ``<session> <new fence>`` on ``<channel prefix><its name>``.
_CLAIM = """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
if redis.call('HGET', KEYS[1], 'u') == ARGV[1] then
  local previous = redis.call('HGET', KEYS[1], 'owner')
  local fence = redis.call('HINCRBY', KEYS[1], 'fence', 1)
  redis.call('HSET', KEYS[1], 'owner', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  if previous and previous ~= ARGV[2] then
    redis.call('PUBLISH', ARGV[4] .. previous, ARGV[5] .. ' ' .. fence)
  end
end
return redis.call('HGETALL', KEYS[1])
"""

_SCRIPTS = {"frame": _FRAME, "start": _START, "save": _SAVE, "touch": _TOUCH, "forget": _FORGET}
_SHAS = {name: hashlib.sha1(text.encode()).hexdigest() for name, text in _SCRIPTS.items()}


def _user(user_key: str | None) -> str:
    return "" if user_key is None else "=" + user_key


class RedisSessionStore:
    """Sessions shared by every process of ``history``'s Redis, expiring ``window`` seconds after a write.

    ::

        history = RedisHistory(url)
        dispatcher = Dispatcher(config, hub=RedisHub(url), history=history,
                                store=RedisSessionStore(history, window=config.resume.window))
    """

    def __init__(self, history: RedisHistory, *, window: float = 120.0, owner: str | None = None) -> None:
        if window <= 0:
            raise ValueError("RedisSessionStore needs a window above 0")
        if history._store is not None:
            raise ValueError("this RedisHistory already has a RedisSessionStore")
        self._history = history
        history._store = self
        self.window = window
        self._owner = owner or os.urandom(8).hex()
        self._ttl_ms = max(1, round(window * 1000))
        self._fences: dict[str, int] = {}
        self._callbacks: list[Lost] = []
        #: False until the scripts are loaded on the Redis (again after an outage: it may have restarted).
        self.loaded = False
        self._refresher: asyncio.Task[None] | None = None
        self._listener: asyncio.Task[None] | None = None
        self._lost_prefix = f"{history.key_prefix}:lost:"

    def __repr__(self) -> str:
        return f"<RedisSessionStore {self._owner}: {len(self._fences)} sessions owned>"

    @property
    def owner(self) -> str:
        return self._owner

    @property
    def history(self) -> RedisHistory:
        """The history this store writes its records through (with the frames, in order)."""
        return self._history

    # The SessionStore interface.

    async def claim(self, session_id: str, user_key: str | None) -> SessionRecord | None:
        history = self._history
        history._bind()
        self._start()
        client = history._redis()
        try:
            reply = await client.eval(
                _CLAIM,
                1,
                self._key(session_id),
                _user(user_key),
                self._owner,
                self._ttl_ms,
                self._lost_prefix,
                session_id,
            )
        except (RedisError, OSError) as error:  # Redis unreachable: the session may exist, unreadable now
            history._failed(error)
            raise StoreUnavailableError(str(error)) from error
        if not reply:
            return None
        fields = {reply[i].decode(): reply[i + 1].decode() for i in range(0, len(reply), 2)}
        user = fields.get("u", "")
        record = SessionRecord(
            session_id,
            fields.get("w", ""),
            user[1:] if user else None,
            frozenset(json.loads(fields.get("g", "[]"))),
            int(fields.get("seq", "0")),
            fields.get("owner", ""),
            int(fields.get("fence", "0")),
            frozenset(name[2:] for name in fields if name.startswith("r:")),
            int(fields.get("m", "0")),
            json.loads(fields.get("j", "{}")),
        )
        if record.owner == self._owner and record.user_key == user_key:
            self._fences[session_id] = record.fence
        return record

    def save(self, record: SessionRecord) -> None:
        fence = self._fences.get(record.id)
        new = fence is None
        if new:
            fence = self._fences[record.id] = 0
        args = [fence, record.websocket_id, _user(record.user_key), json.dumps(sorted(record.groups))]
        marks = [record.mark, json.dumps(dict(sorted(record.joined.items())))]
        self._call(
            record.id, "save", [self._key(record.id)], [*args, self._owner, self._ttl_ms, "1" if new else "0", *marks]
        )

    def advance(self, session_id: str, seq: int, finished: str | None = None, mark: int = 0) -> None:
        """Each frame's write sets the seq; a finished req_id and a journal mark go with the frame just queued."""
        if finished is None and not mark:
            return
        pending = self._history._pending
        if pending and pending[-1].session == session_id and pending[-1].seq == seq:
            pending[-1].finishes = finished
            pending[-1].mark = mark

    def start(self, session_id: str, req_id: str) -> None:
        fence = self._fences.get(session_id)
        if fence is not None:
            self._call(session_id, "start", [self._key(session_id)], [fence, req_id])

    def forget(self, session_id: str) -> None:
        fence = self._fences.pop(session_id, None)
        if fence is not None:
            self._call(session_id, "forget", [self._key(session_id), self._history._stream(session_id)], [fence])

    def on_lost(self, callback: Lost) -> None:
        self._callbacks.append(callback)

    # For RedisHistory's writer.

    def fence_of(self, session: str) -> int:
        """The fence of a session this process owns; -1 (always refused) for any other."""
        return self._fences.get(session, -1)

    async def load(self, client: Any) -> None:
        """Load the scripts a pipeline calls by sha (once, and again after an outage)."""
        if not self.loaded:
            for text in _SCRIPTS.values():
                await client.script_load(text)
            self.loaded = True

    def call(self, pipe: Any, name: str, keys: list[str], args: list[Any]) -> None:
        pipe.evalsha(_SHAS[name], len(keys), *keys, *args)

    def write_frame(self, pipe: Any, op: _Op, stream: str, expire_ms: int) -> None:
        args = [op.fence, op.seq, op.frame, self._history.max_events, expire_ms, self._ttl_ms, op.finishes or ""]
        args.append(op.mark or "")
        self.call(pipe, "frame", [self._key(op.session), stream], args)

    def refused(self, session: str) -> None:
        """A write at this process's fence was refused: another process owns the session now."""
        if self._fences.pop(session, None) is None:
            return
        for callback in self._callbacks:
            callback(session)

    # Internals.

    def _key(self, session: str) -> str:
        return f"{self._history.key_prefix}:s:{session}"

    def _call(self, session: str, name: str, keys: list[str], args: list[Any]) -> None:
        from .history import _Op

        history = self._history
        history._bind()
        self._start()
        history._queue(_Op(session, -1, "", call=(name, keys, args)))

    def _start(self) -> None:
        loop = asyncio.get_running_loop()
        task = self._refresher
        if task is None or task.done() or task.get_loop() is not loop:
            self._refresher = loop.create_task(self._refresh_forever(), name="beeflow-websocket-redis-sessions")
        task = self._listener
        if task is None or task.done() or task.get_loop() is not loop:
            self._listener = loop.create_task(self._listen_forever(), name="beeflow-websocket-redis-sessions-lost")

    def _told(self, message: str) -> None:
        session, _, fence = message.partition(" ")
        held = self._fences.get(session)
        if held is not None and fence.isdigit() and held < int(fence):
            self.refused(session)

    async def _listen_forever(self) -> None:
        # Another process claimed one of our sessions: let it go now rather than at the next write.
        history = self._history
        delay = history.min_backoff
        while True:
            client = Redis.from_url(
                history.url, socket_connect_timeout=history.timeout, socket_timeout=None, health_check_interval=0
            )
            try:
                async with client.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(self._lost_prefix + self._owner)
                    delay = history.min_backoff
                    async for message in pubsub.listen():
                        data = message.get("data")
                        if isinstance(data, bytes):
                            self._told(data.decode())
            except (RedisError, OSError):
                await asyncio.sleep(delay)
                delay = min(delay * 2, history.max_backoff)
            finally:
                await client.aclose()

    async def _refresh_forever(self) -> None:
        # A live session may write nothing for longer than the window: keep its record.
        while True:
            await asyncio.sleep(self.window / 3)
            for session, fence in list(self._fences.items()):
                self._call(session, "touch", [self._key(session)], [fence])

    async def aclose(self) -> None:
        for task in (self._refresher, self._listener):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        self._refresher = self._listener = None
