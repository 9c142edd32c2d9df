"""Where a resumable session's metadata is shared, so another process can adopt it.

A session lives in the process that opened it. When its client reconnects to another process (a
load balancer, or the first process died), that process finds the session in a
:class:`SessionStore` and *claims* it: it becomes the session's owner, the store's *fence* for the
session goes up, and the previous owner is told (:meth:`SessionStore.on_lost`) that the session is
no longer its own. Every write the previous owner makes afterwards carries the old fence and is
refused, which tells it the same thing if the notice was missed.

The store only keeps what a new owner needs: the websocket id (the session's address), the user
key (a resume as another user is refused), the groups and the last ``seq`` numbered, and the last
journal mark numbered (with a hub that journals deliveries). The frames themselves stay in the
:class:`~.history.History`.

:class:`SharedMemoryStore` keeps the records of several :class:`Sessions
<beeflow_websocket.core.sessions.Sessions>` of one process (each gets its own
:class:`MemorySessionStore` view from :meth:`SharedMemoryStore.view`); it stands in for Redis in
tests and documents the contract. The Redis store is ``beeflow_websocket.redis``'s.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Protocol

__all__ = ["MemorySessionStore", "SessionRecord", "SessionStore", "SharedMemoryStore", "StoreUnavailableError"]

Lost = Callable[[str], None]


class StoreUnavailableError(Exception):
    """``claim`` could not reach the store: the session may exist, but it cannot be adopted now."""


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """What a process needs to adopt a session; ``fence`` grows with every claim."""

    id: str
    websocket_id: str
    user_key: str | None
    groups: frozenset[str] = frozenset()
    seq: int = 0
    owner: str = ""
    fence: int = 0
    #: req_ids of the actions running when the record was written, not answered yet.
    running: frozenset[str] = frozenset()
    #: The last journal mark numbered (see ``Delivery.mark``), and per group the mark it was joined at.
    mark: int = 0
    joined: Mapping[str, int] = field(default_factory=dict)


class SessionStore(Protocol):
    """One process's view of the shared session records.

    ``owner`` names this process. ``claim`` is awaited when a client names a session this process
    does not hold: it answers ``None`` for a session nobody holds (never opened, forgotten or
    expired: the resume window is the record's lifetime), else the record; it raises
    :class:`StoreUnavailableError` when it cannot tell (the store is unreachable). It claims the session
    (a higher fence, this owner) only when ``user_key`` matches the record's; a record with another
    user key comes back unchanged and the caller answers ``user-changed``.

    ``save``, ``advance`` and ``forget`` must not wait (a store over the network queues them) and
    apply only while this process is still the session's owner at the fence it saved or claimed:
    a write refused for its fence calls the ``on_lost`` callback with the session id, as does a
    claim by another process. ``advance`` records the session's last ``seq`` (a store fused with
    the history does it in the history write), with ``mark`` (not 0) the journal mark of the
    delivery that frame numbered, and with ``finished`` removes that req_id from the running ones
    in the same write, the frame at ``seq`` being its last answer; ``start`` adds a req_id. The
    process that adopts a session answers the req_ids still running with a 503
    ``websocket_action_interrupted`` problem: no request waits forever.
    """

    @property
    def owner(self) -> str: ...

    async def claim(self, session_id: str, user_key: str | None) -> SessionRecord | None: ...
    def save(self, record: SessionRecord) -> None: ...
    def advance(self, session_id: str, seq: int, finished: str | None = None, mark: int = 0) -> None: ...
    def start(self, session_id: str, req_id: str) -> None: ...
    def forget(self, session_id: str) -> None: ...
    def on_lost(self, callback: Lost) -> None: ...


@dataclass(slots=True)
class SharedMemoryStore:
    """Session records shared by the :class:`MemorySessionStore` views of one process."""

    records: dict[str, SessionRecord] = field(default_factory=dict)
    views: dict[str, MemorySessionStore] = field(default_factory=dict)

    def view(self, owner: str | None = None) -> MemorySessionStore:
        store = MemorySessionStore(self, owner or os.urandom(8).hex())
        self.views[store.owner] = store
        return store

    def tell_lost(self, owner: str, session_id: str) -> None:
        view = self.views.get(owner)
        if view is not None:
            view.lost(session_id)


class MemorySessionStore:
    """A :class:`SessionStore` over a :class:`SharedMemoryStore` (one per simulated process)."""

    def __init__(self, shared: SharedMemoryStore, owner: str) -> None:
        self._shared = shared
        self._owner = owner
        self._callbacks: list[Lost] = []
        #: The fence this view holds per session it owns.
        self._fences: dict[str, int] = {}

    @property
    def owner(self) -> str:
        return self._owner

    async def claim(self, session_id: str, user_key: str | None) -> SessionRecord | None:
        record = self._shared.records.get(session_id)
        if record is None or record.user_key != user_key:
            return record
        previous = record.owner
        record = replace(record, owner=self._owner, fence=record.fence + 1)
        self._shared.records[session_id] = record
        self._fences[session_id] = record.fence
        if previous != self._owner:
            # As a control channel would: the old owner hears it after this claim returns.
            asyncio.get_running_loop().call_soon(self._shared.tell_lost, previous, session_id)
        return record

    def save(self, record: SessionRecord) -> None:
        held = self._shared.records.get(record.id)
        fence = self._fences.get(record.id)
        if held is None and fence is None:  # a new session: this process opened it
            self._fences[record.id] = 0
            self._shared.records[record.id] = replace(record, owner=self._owner, fence=0)
            return
        if held is None or held.fence != fence:
            self._refused(record.id)
            return
        self._shared.records[record.id] = replace(
            record, owner=self._owner, fence=held.fence, seq=held.seq, running=held.running, mark=held.mark
        )

    def advance(self, session_id: str, seq: int, finished: str | None = None, mark: int = 0) -> None:
        held = self._shared.records.get(session_id)
        if held is None or held.fence != self._fences.get(session_id):
            self._refused(session_id)
            return
        self._shared.records[session_id] = replace(
            held, seq=seq, running=held.running - {finished}, mark=mark or held.mark
        )

    def start(self, session_id: str, req_id: str) -> None:
        held = self._shared.records.get(session_id)
        if held is None or held.fence != self._fences.get(session_id):
            self._refused(session_id)
            return
        self._shared.records[session_id] = replace(held, running=held.running | {req_id})

    def forget(self, session_id: str) -> None:
        held = self._shared.records.get(session_id)
        fence = self._fences.pop(session_id, None)
        if held is not None and held.fence == fence:
            del self._shared.records[session_id]

    def on_lost(self, callback: Lost) -> None:
        self._callbacks.append(callback)

    def lost(self, session_id: str) -> None:
        """Another process claimed ``session_id``: tell this process's sessions."""
        self._fences.pop(session_id, None)
        for callback in self._callbacks:
            callback(session_id)

    def _refused(self, session_id: str) -> None:
        if self._fences.pop(session_id, None) is not None:
            for callback in self._callbacks:
                callback(session_id)
