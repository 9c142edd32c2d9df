"""Sessions of ``beeflow.v2`` connections: numbered frames, a history, and resume after a reconnect.

A :class:`Session` is what the hub delivers to on a v2 connection (its websocket id, user and
groups), and it outlives its socket. It numbers every frame it sends (``seq`` 1, 2, 3, ...),
records each in the :class:`~.history.History` and hands it to the :class:`~.outgoing.Outgoing` of
the connection currently serving it (its *front*), if any. When the socket goes, the session is
parked for ``ResumeConfig.window`` seconds: deliveries are still numbered and recorded, running
actions keep running and their frames are recorded too. A new connection naming the session
(``beeflow.resume.<id>.<epoch>.<seq>``) takes it over: it gets the session frame, then every
recorded frame after its ``seq``, then live frames, with nothing in between lost or repeated.
When the window ends the session's running actions are cancelled and it is forgotten.

With a history that writes in the background (:class:`~.history.WrittenLater`: ``RedisHistory``)
a frame is handed to the front only once the history holds it (write, then send), in ``seq``
order: a client never holds a frame that the history, and so a process adopting the session,
does not have.

With a session store, a hub that journals deliveries (``RedisHub``) gives each delivery to the
session's addresses a *mark*; the session records the last mark it numbered with its frames, and a
process that adopts it numbers the journaled deliveries after that mark (those the previous owner
received but never wrote, and those published while nobody held the session) before the live ones.

:class:`Sessions` (one per dispatcher) finds the session a client names and decides, as the wire
contract says, whether it can resume or why not (the ``resync`` reason).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections import deque
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Protocol, cast

from .config import ResumeConfig
from .frames import event_frame, problem_frame, session_frame
from .handshake import ResumeRequest
from .history import History, MemoryHistory, WrittenLater
from .hub import Delivery, Hub
from .ids import new_msg_id
from .outgoing import Outgoing, TransportGone
from .problems import ACTION_INTERRUPTED
from .recipient_registry import Address
from .session_store import SessionRecord, SessionStore, StoreUnavailableError

if TYPE_CHECKING:
    from .action_registry import UserId
    from .connection import Connection

__all__ = [
    "EPOCH_CHANGED",
    "HISTORY_GAP",
    "RESYNC_REASONS",
    "UNKNOWN_SESSION",
    "USER_CHANGED",
    "Greeting",
    "Session",
    "Sessions",
]

logger = logging.getLogger("beeflow_websocket")

UNKNOWN_SESSION = "unknown-session"
EPOCH_CHANGED = "epoch-changed"
HISTORY_GAP = "history-gap"
USER_CHANGED = "user-changed"
#: Every ``resync`` reason of the session frame (a closed set: ``schema/frames/session.json``).
RESYNC_REASONS = frozenset({UNKNOWN_SESSION, EPOCH_CHANGED, HISTORY_GAP, USER_CHANGED})

#: Close code and reason for a socket whose session a newer connection took over.
CLOSE_TAKEN_OVER = 1000
TAKEN_OVER_REASON = "session resumed on another connection"

Make = Callable[[int], str]

#: Own answers an action may have waiting for the history's write before it waits too.
_AHEAD = 256


class Journal(Protocol):
    """A hub that journals deliveries (``RedisHub``): the ones to each address after its mark, in
    mark order, or ``None`` when it cannot tell them all (a journal trimmed or gone)."""

    async def since(self, after: Mapping[Address, int]) -> list[Delivery] | None: ...


class Greeting:
    """What a front sends first: the session frame, then the replay; ``after`` is the last seq in it."""

    __slots__ = ("after", "frames", "resumed", "resync")

    def __init__(self, frames: list[str], after: int, *, resumed: bool, resync: str | None) -> None:
        self.frames = frames
        self.after = after
        self.resumed = resumed
        self.resync = resync


class Session:
    """One resumable session: the hub member of a v2 connection, across its sockets."""

    def __init__(
        self, sessions: Sessions, session_id: str, *, websocket_id: str, user_id: UserId | None, user_key: str | None
    ) -> None:
        self.id = session_id
        self.websocket_id = websocket_id
        self.user_id = user_id
        self.user_key = user_key
        self.groups: set[str] = set()
        #: Actions of this session still running (they outlive a socket, not the session).
        self.tasks: set[asyncio.Task[None]] = set()
        self.seq = 0
        self.ended = False
        #: Another process claimed the session: nothing this copy numbers from now on is recorded.
        self.adopted_elsewhere = False
        #: req_ids the previous owner was running when this process adopted the session.
        self.interrupted: frozenset[str] = frozenset()
        #: The connection serving the session now; ``None`` while parked.
        self.front: Connection | None = None
        #: The last journal mark numbered, and per address the mark from which its journal counts.
        self.mark = 0
        self.since: dict[Address, int] = {}
        #: Journaled deliveries that wait while an adopting process numbers the journal's.
        self._held: list[Delivery] | None = None
        #: The journal could not tell what the previous owner missed: resuming is a history-gap.
        self.gap = False
        self._sessions = sessions
        self._history = sessions.history
        # Outgoing: live; list: frames made while a front is being greeted; None: parked.
        self._outlet: Outgoing | list[tuple[int, str]] | None = None
        self._expiry: asyncio.TimerHandle | None = None
        #: Write, then send: frames numbered but not yet written (ticket, seq, frame, own answer);
        #: made when first needed (an idle session holds no deque).
        self._unsent: deque[tuple[int, int, str, bool]] | None = None
        self._awaiting = False
        self._sent: list[tuple[int, asyncio.Future[None]]] | None = None
        #: Frames up to this seq went in the greeting (its replay): not sent again.
        self._floor = 0

    def __repr__(self) -> str:
        state = "ended" if self.ended else "parked" if self.front is None else "live"
        return f"<Session {self.id} {state} seq={self.seq} websocket={self.websocket_id}>"

    @property
    def parked(self) -> bool:
        return self.front is None and not self.ended

    @property
    def journaled(self) -> bool:
        """Another process may adopt the session: a hub with a journal numbers its deliveries."""
        return self._sessions.store is not None

    def watching(self, address: Address, mark: int) -> None:
        """The hub journals ``address`` for the session from ``mark`` on (the first time counts)."""
        self.since.setdefault(address, mark)

    def _number(self, make: Make, finishes: str | None = None, mark: int = 0) -> tuple[int, str]:
        seq = self.seq = self.seq + 1
        frame = make(seq)
        if self.adopted_elsewhere:
            return seq, frame  # the adopting process numbers this seq now: never record it twice
        self._history.record(self.id, seq, frame)
        store = self._sessions.store
        if store is not None:
            store.advance(self.id, seq, finishes, mark)
        return seq, frame

    def started(self, req_id: str) -> None:
        """An action of the session started: another process adopting it answers ``req_id`` if it is cut short."""
        store = self._sessions.store
        if store is not None and not self.adopted_elsewhere:
            store.start(self.id, req_id)

    async def write(self, make: Make, *, finishes: str | None = None) -> None:
        """Number, record and send one of the session's own answers (waits while its queue is full);
        ``finishes``: the req_id this frame is the last answer to."""
        seq, frame = self._number(make, finishes)
        # TransportGone: the socket went (its front parked the session); the frame is in the history.
        if self._held_back(seq, frame, own=True):
            if self._unsent and len(self._unsent) > _AHEAD:
                await self.sent(seq)  # an action that never yields must let the writer run
            outlet = self._outlet
            if isinstance(outlet, Outgoing):
                with contextlib.suppress(TransportGone):
                    await outlet.room()
            return
        outlet = self._outlet
        if isinstance(outlet, Outgoing):
            with contextlib.suppress(TransportGone):
                await outlet.write(frame)
        elif outlet is not None:
            outlet.append((seq, frame))

    def offer(self, make: Make, *, finishes: str | None = None, mark: int = 0) -> None:
        """Number, record and queue a delivery without waiting."""
        seq, frame = self._number(make, finishes, mark)
        if not self._held_back(seq, frame, own=False):
            self._pass(seq, frame, own=False)

    def _held_back(self, seq: int, frame: str, *, own: bool) -> bool:
        """Keep the frame until the history wrote it (write, then send); false: send it now."""
        gate = self._sessions.gate
        if gate is None or self._outlet is None or self.adopted_elsewhere:
            return False
        ticket = gate.ticket()
        unsent = self._unsent
        if not unsent and (ticket == 0 or gate.written(ticket)):
            return False
        if unsent is None:
            unsent = self._unsent = deque()
        unsent.append((ticket, seq, frame, own))
        if not self._awaiting:
            self._awaiting = True
            gate.when_written(unsent[0][0], self._written)
        return True

    def _written(self) -> None:
        """The history wrote some of the frames held back: send them, in order."""
        self._awaiting = False
        gate, unsent = self._sessions.gate, self._unsent
        assert gate is not None
        assert unsent is not None
        while unsent and gate.written(unsent[0][0]):
            _, seq, frame, own = unsent.popleft()
            self._pass(seq, frame, own=own)
        if unsent:
            self._awaiting = True
            gate.when_written(unsent[0][0], self._written)
        self._wake_sent()

    def _pass(self, seq: int, frame: str, *, own: bool) -> None:
        outlet = self._outlet
        if isinstance(outlet, Outgoing):
            if seq <= self._floor or self.adopted_elsewhere:
                return  # in the replay already; or the adopting process numbers this seq now
            if own:
                outlet.start([frame])  # its action waits for room (``Outgoing.room``) in ``write``
            else:
                outlet.offer(frame)
        elif outlet is not None:
            outlet.append((seq, frame))

    async def sent(self, through: int | None = None) -> None:
        """Wait until no frame up to seq ``through`` (default: every one so far) waits for the
        history's write: sent, or dropped with the socket."""
        limit = self.seq if through is None else through
        while self._unsent and self._unsent[0][1] <= limit:
            future = asyncio.get_running_loop().create_future()
            if self._sent is None:
                self._sent = []
            self._sent.append((limit, future))
            await future

    def _wake_sent(self) -> None:
        first = self._unsent[0][1] if self._unsent else None
        waiting = []
        for limit, future in self._sent or ():
            if first is not None and first <= limit:
                waiting.append((limit, future))
            elif not future.done():
                future.set_result(None)
        self._sent = waiting or None

    def _drop_unsent(self) -> None:
        # The frames are in the history: a client resuming gets them from there.
        if self._unsent:
            self._unsent.clear()
        self._wake_sent()

    async def deliver(self, delivery: Delivery) -> None:
        """An event addressed to the session's websocket id, user or groups (the hub's ``Member``)."""
        if self.ended:
            return
        if delivery.mark and self._held is not None:
            self._held.append(delivery)
            return
        self._number_delivery(delivery)
        gate = self._sessions.gate
        if gate is not None:
            await gate.room()  # a broadcast to many sessions goes at the history's pace

    def hold(self) -> None:
        """Keep journaled deliveries until :meth:`catch_up` (while adopting)."""
        self._held = []

    def catch_up(self, journaled: list[Delivery]) -> None:
        """Number what the journal holds after the session's marks (in mark order), then what was held."""
        held, self._held = self._held or [], None
        for delivery in journaled:
            if delivery.exclude == self.websocket_id:
                self.mark = max(self.mark, delivery.mark)  # this session's own action answered it directly
            else:
                self._number_delivery(delivery)
        for delivery in held:
            self._number_delivery(delivery)

    def _number_delivery(self, delivery: Delivery) -> None:
        mark = delivery.mark
        if mark:
            if mark <= self.mark:
                return  # numbered already (from the journal, or by the previous owner)
            self.mark = mark
        tail = delivery.tail
        self.offer(lambda seq: event_frame(new_msg_id(), None, seq, tail), mark=mark)

    def take(self, front: Connection) -> None:
        """``front`` serves the session from now on; its frames wait until :meth:`go_live`."""
        if self._expiry is not None:
            self._expiry.cancel()
            self._expiry = None
        old, self.front = self.front, front
        self._outlet = []
        if old is not None and old is not front:
            old.taken_over()

    def go_live(self, front: Connection, outgoing: Outgoing, greeting: Greeting) -> None:
        """Send the greeting and what was made since, then every frame as it comes."""
        if self.front is not front:
            return
        buffered = self._outlet if isinstance(self._outlet, list) else []
        frames = [*greeting.frames, *(frame for seq, frame in buffered if seq > greeting.after)]
        self._floor = greeting.after
        self._outlet = outgoing
        outgoing.start(frames)

    def lost(self, front: Connection) -> None:
        """``front``'s socket can take no more frames: park the session (idempotent)."""
        if self.front is not front or self.ended:
            return
        self.front = None
        self._outlet = None
        self._drop_unsent()
        window = self._sessions.config.window
        loop = asyncio.get_running_loop()
        if window > 0:
            self._expiry = loop.call_later(window, self._expire)
        else:
            self._expire()

    def record(self) -> SessionRecord:
        """What another process needs to adopt the session."""
        joined = {
            group: self.since[Address.group(group)] for group in self.groups if Address.group(group) in self.since
        }
        return SessionRecord(
            self.id, self.websocket_id, self.user_key, frozenset(self.groups), self.seq, mark=self.mark, joined=joined
        )

    def groups_changed(self) -> None:
        """The front joined or left a group: share it (another process adopting the session restores them)."""
        for address in [address for address in self.since if address.kind == "group"]:
            if address.key not in self.groups:
                del self.since[address]  # joined again later, it counts from then
        store = self._sessions.store
        if store is not None and not self.ended:
            store.save(self.record())

    def socket_ended(self, front: Connection) -> None:
        """``front``'s adapter is done with its socket."""
        self.lost(front)

    def _expire(self) -> None:
        self._expiry = None
        self._sessions.discard(self)  # no resume from now on, though ending it takes a task
        self._sessions.keep(asyncio.get_running_loop().create_task(self.end()))

    async def end(self, *, adopted: bool = False) -> None:
        """Forget the session: cancel its actions, leave the hub, drop its history.

        ``adopted``: another process claimed the session; it keeps the history and the shared record.
        """
        if self.ended:
            return
        self.ended = True
        if self._expiry is not None:
            self._expiry.cancel()
            self._expiry = None
        self._sessions.discard(self)
        front, self.front = self.front, None
        self._outlet = None
        self._drop_unsent()
        if front is not None:
            front.taken_over()
        tasks = [task for task in self.tasks if task is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self.groups.clear()
        try:
            await self._sessions.hub.detach(self)
        finally:
            if not adopted:
                store = self._sessions.store
                if store is not None:
                    store.forget(self.id)
                await self._history.forget(self.id)
        logger.debug("session %s %s", self.id, "adopted elsewhere" if adopted else "ended")


class Sessions:
    """The sessions of one dispatcher, and the rules for resuming them."""

    def __init__(
        self,
        config: ResumeConfig,
        hub: Hub,
        history: History | None = None,
        store: SessionStore | None = None,
        *,
        problem_type_base_url: str | None = None,
    ) -> None:
        self.config = config
        self.problem_type_base_url = problem_type_base_url
        self.hub = hub
        # Not ``history or``: an empty MemoryHistory is falsy (it has a length).
        self.history: History = (
            history
            if history is not None
            else MemoryHistory(max_events=config.max_frames, max_bytes=config.max_bytes, max_age=config.history_age)
        )
        #: Shares the sessions with other processes so they can adopt them (``None``: this process only).
        self.store = store
        #: A history that writes in the background: sessions send a frame once it is written.
        self.gate: WrittenLater | None = self.history if isinstance(self.history, WrittenLater) else None
        self._sessions: dict[str, Session] = {}
        self._ending: set[asyncio.Task[None]] = set()
        if store is not None:
            store.on_lost(self._lost)

    def __len__(self) -> int:
        return len(self._sessions)

    def get(self, session_id: str) -> Session | None:
        return self._sessions.get(session_id)

    def discard(self, session: Session) -> None:
        if self._sessions.get(session.id) is session:
            del self._sessions[session.id]

    def keep(self, task: asyncio.Task[None]) -> None:
        self._ending.add(task)
        task.add_done_callback(self._ending.discard)

    async def close(self) -> None:
        """End every session (for an application shutting down, and tests)."""
        for session in list(self._sessions.values()):
            await session.end()

    def _lost(self, session_id: str) -> None:
        """Another process adopted the session: drop this copy (its history and record stay)."""
        session = self._sessions.get(session_id)
        if session is not None and not session.ended:
            session.adopted_elsewhere = True
            self.discard(session)
            self.keep(asyncio.get_running_loop().create_task(session.end(adopted=True)))

    async def _check(self, request: ResumeRequest, front: Connection) -> tuple[Session | None, str | None]:
        user_key = front.user_key
        if request.epoch != self.history.epoch:
            return None, EPOCH_CHANGED
        session = self._sessions.get(request.session)
        if (session is None or session.ended) and self.store is not None:
            try:
                session = await self._adopt(request.session, front)
            except StoreUnavailableError:
                # The session may well exist (the shared history too), but nothing of it can be read now.
                return None, HISTORY_GAP
        if session is None or session.ended:
            return None, UNKNOWN_SESSION
        if session.user_key != user_key:
            return None, USER_CHANGED
        if session.gap:
            await session.end()  # deliveries the previous owner never wrote cannot be told
            return None, HISTORY_GAP
        if request.seq > session.seq:
            return None, HISTORY_GAP
        return session, None

    async def open(self, front: Connection, request: ResumeRequest | None) -> tuple[Session, Greeting]:
        """The session ``front`` serves (resumed or new) and what to send it first."""
        resync: str | None = None
        await self.history.ready()
        if request is not None:
            session, resync = await self._check(request, front)
            if session is not None:
                session.take(front)
                replay = [] if request.seq == session.seq else await self.history.replay(session.id, request.seq)
                if replay is not None and session.front is front:
                    greeting = self._greeting(session, replay, request.seq + len(replay), resumed=True, resync=None)
                    self._interrupted(session)
                    return session, greeting
                resync = HISTORY_GAP
                if session.front is front:
                    session.front = None  # ending it must not close the socket asking
                await session.end()  # the client cannot get what it missed: it resyncs on a new session
        session = Session(
            self,
            os.urandom(16).hex(),
            websocket_id=front.websocket_id,
            user_id=front.user_id,
            user_key=front.user_key,
        )
        self._sessions[session.id] = session
        session.take(front)
        await self.hub.attach(session)
        session.mark = max(session.mark, session.since.get(Address.websocket(session.websocket_id), 0))
        if self.store is not None:
            self.store.save(session.record())
        return session, self._greeting(session, [], 0, resumed=False, resync=resync)

    def _interrupted(self, session: Session) -> None:
        """Answer the actions the previous owner was running (they were cancelled there)."""
        running, session.interrupted = session.interrupted, frozenset()
        for req_id in sorted(running):
            session.offer(self._interrupted_frame(req_id), finishes=req_id)

    def _interrupted_frame(self, req_id: str) -> Make:
        problem = ACTION_INTERRUPTED.problem(
            "The action was cut short when another server took the session over; send it again if it still matters."
        )
        msg_id, base_url = new_msg_id(), self.problem_type_base_url

        def make(seq: int) -> str:
            return problem_frame(problem, msg_id=msg_id, req_id=req_id, base_url=base_url, seq=seq)

        return make

    async def _adopt(self, session_id: str, front: Connection) -> Session | None:
        """A session another process opened, claimed from the store: its groups, its seq."""
        assert self.store is not None
        user_key = front.user_key
        record = await self.store.claim(session_id, user_key)
        if record is None:
            return None
        held = self._sessions.get(session_id)
        if held is not None and not held.ended:
            return held  # another connection adopted it while this one waited
        session = Session(
            self, record.id, websocket_id=record.websocket_id, user_id=front.user_id, user_key=record.user_key
        )
        if record.user_key != user_key:
            return session  # not claimed, never registered: the caller answers user-changed
        session.seq = record.seq
        session.groups.update(record.groups)
        session.interrupted = record.running
        adopted = getattr(self.history, "adopted", None)
        if adopted is not None:
            adopted(record.id, record.seq)  # a history that trusts only the seq it recorded learns this one
        journal = cast("Journal", self.hub) if session.journaled and hasattr(self.hub, "since") else None
        addresses = [Address.websocket(record.websocket_id)]
        if record.user_key is not None:
            addresses.append(Address("user", record.user_key))
        addresses += [Address.group(group) for group in sorted(session.groups)]
        if journal is not None:
            # Listen first, then read the journal: a delivery is in one or the other, or both (then
            # its mark tells).
            session.mark = record.mark
            session.since = {
                address: record.joined.get(address.key, 0) if address.kind == "group" else 0 for address in addresses
            }
            session.hold()
        self._sessions[session.id] = session
        await self.hub.attach(session)
        for group in sorted(session.groups):
            await self.hub.join(session, group)
        if journal is not None:
            missed = await journal.since({address: max(session.mark, session.since[address]) for address in addresses})
            if missed is None:
                session.gap = True
            else:
                session.catch_up(missed)
        logger.debug("session %s adopted at seq %d", session.id, session.seq)
        return session

    def _greeting(
        self, session: Session, replay: list[str], after: int, *, resumed: bool, resync: str | None
    ) -> Greeting:
        first = session_frame(new_msg_id(), session.id, self.history.epoch, resumed=resumed, resync=resync)
        return Greeting([first, *replay], after, resumed=resumed, resync=resync)
