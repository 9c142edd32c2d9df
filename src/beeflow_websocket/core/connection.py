"""One client connection: the protocol's rules, with no I/O of its own.

An adapter creates a :class:`Connection` through :meth:`Dispatcher.connect` with two callables,
``send(text)`` and ``close(code, reason)``, then:

1. calls :meth:`Dispatcher.open` once the socket is accepted (an adapter that must open before
   its accept calls ``open(connection, greet=False)``, then :meth:`Connection.greet` after it);
2. passes every frame it reads to :meth:`Connection.receive` (text or bytes), and stops reading
   when :attr:`Connection.closed` becomes true;
3. calls :meth:`Connection.shutdown` when the socket is gone.

Everything else (validation, problems, handlers, recipients, ``seq``, ``req_id``, completion,
limits) happens here, so all adapters behave the same. On a ``beeflow.v2`` connection a
:class:`~.sessions.Session` numbers, records and routes the frames, and outlives the socket
(:mod:`.sessions`); the adapter's calls are the same.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from .action_registry import ConnectionContext, UserId
from .frames import (
    FrameRejected,
    FrameValidationFailed,
    completion_frame,
    decoded_req_id,
    emitted_members,
    event_frame,
    event_name_json,
    known_event_names,
    problem_frame,
)
from .handshake import ResumeRequest
from .hub import Delivery
from .ids import new_msg_id
from .limits import Limiter, rate_limited
from .outgoing import Outgoing, TransportGone
from .problems import INTERNAL_ERROR, MESSAGE_TOO_LARGE, NOT_IMPLEMENTED, WebSocketProblem
from .recipient_registry import resolve_addresses, websocket_route_is_builtin
from .sessions import CLOSE_TAKEN_OVER, TAKEN_OVER_REASON

if TYPE_CHECKING:
    from .dispatcher import Dispatcher
    from .sessions import Greeting, Session

__all__ = ["CloseCallback", "Connection", "SendCallback"]

logger = logging.getLogger("beeflow_websocket")

SendCallback = Callable[[str], Awaitable[None]]
CloseCallback = Callable[[int, str], Awaitable[None]]

#: Close code for a frame over the size limit (RFC 6455: message too big).
CLOSE_MESSAGE_TOO_BIG = 1009
#: Close code for a connection silent for longer than ``idle_timeout`` (RFC 6455: going away).
CLOSE_GOING_AWAY = 1001


#: The adapter could not send (the socket is gone, or it was closed for being slow): nobody is left to answer.
_TransportGone = TransportGone


class Connection:
    """The protocol state of one WebSocket connection."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        *,
        websocket_id: str,
        user_id: UserId | None,
        send: SendCallback,
        close: CloseCallback,
        completion: bool,
        sessions: bool = False,
        resume: ResumeRequest | None = None,
    ) -> None:
        self._dispatcher = dispatcher
        self._config = dispatcher.config
        self._decoder = dispatcher.decoder
        self._hub = dispatcher.hub
        self._send = send
        self._close = close
        self.websocket_id = websocket_id
        self.user_id = user_id
        self.user_key = None if user_id is None else str(user_id)
        self.completion = completion or sessions
        self.closed = False
        #: ``beeflow.v2``: a session numbers every frame and outlives the socket (set by :meth:`open`).
        self.sessions = sessions
        self._resume = resume
        self._session: Session | None = None
        self._greeting: Greeting | None = None
        self._seq = 0
        self._groups: set[str] = set()
        # Every frame leaves through here, in order; deliveries never wait for a slow socket.
        self._outgoing = Outgoing(send, close, self._config.outgoing, self._gone)
        # With max_in_flight 1 a FIFO turn (much cheaper than a semaphore) runs actions one at a time
        # in arrival order, even when an adapter hands frames over concurrently.
        self._inline = self._config.max_in_flight == 1
        self._busy = False
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._slots = asyncio.Semaphore(self._config.max_in_flight)
        self._tasks: set[asyncio.Task[None]] = set()
        self._heard = False
        self._watchdog: asyncio.TimerHandle | None = None
        self._idle_close: asyncio.Task[None] | None = None
        limits = self._config
        self._limiter = (
            Limiter(limits.rate_limit, limits.action_rate_limits)
            if limits.rate_limit is not None or limits.action_rate_limits
            else None
        )

    def __repr__(self) -> str:
        return f"<Connection {self.websocket_id} user={self.user_id!r} seq={self._seq}>"

    @property
    def seq(self) -> int:
        """Events this connection has received so far (v2: the session's last ``seq``)."""
        session = self._session
        return self._seq if session is None else session.seq

    @property
    def session(self) -> Session | None:
        """The session of a ``beeflow.v2`` connection, once open."""
        return self._session

    @property
    def groups(self) -> frozenset[str]:
        return frozenset(self._groups)

    async def open(self, *, greet: bool = True) -> None:
        """Make the connection reachable by user and group deliveries.

        On v2 this starts or resumes its session; the session frame (and the replay) is sent now,
        or by :meth:`greet` with ``greet=False``.
        """
        if self.sessions:
            session, self._greeting = await self._dispatcher.sessions.open(self, self._resume)
            self._session = session
            self.websocket_id = session.websocket_id
            self._groups = session.groups
            self._tasks = session.tasks
            if greet:
                self.greet()
        else:
            await self._hub.attach(self)
        if self._config.idle_timeout is not None:
            self._arm_watchdog(asyncio.get_running_loop(), self._config.idle_timeout)

    def greet(self) -> None:
        """Send the session frame and the replay (v2; :meth:`open` does it unless ``greet=False``)."""
        greeting, self._greeting = self._greeting, None
        if greeting is not None and self._session is not None:
            self._session.go_live(self, self._outgoing, greeting)

    def taken_over(self) -> None:
        """A newer connection took this one's session (or it ended): close this socket."""
        if self.closed:
            return
        self.closed = True
        self._outgoing.stop()
        self._idle_close = asyncio.get_running_loop().create_task(self._close_taken())  # one close task either way

    async def _close_taken(self) -> None:
        try:
            await self._close(CLOSE_TAKEN_OVER, TAKEN_OVER_REASON)
        except Exception:
            logger.debug("websocket %s was gone before its close", self.websocket_id, exc_info=True)

    def _member(self) -> Any:
        session = self._session
        return self if session is None else session

    def _arm_watchdog(self, loop: asyncio.AbstractEventLoop, timeout: float) -> None:
        self._watchdog = loop.call_later(timeout, self._check_idle, loop, timeout)

    def _check_idle(self, loop: asyncio.AbstractEventLoop, timeout: float) -> None:
        # A frame since the last check, or an action still running, keeps the connection; so a
        # silent connection goes after between one and two idle_timeouts.
        if self.closed:
            return
        if self._heard or self._busy or self._tasks:
            self._heard = False
            self._arm_watchdog(loop, timeout)
            return
        self._idle_close = loop.create_task(self._close_idle())

    async def _close_idle(self) -> None:
        self.closed = True
        logger.debug("websocket %s sent nothing for idle_timeout; closing it", self.websocket_id)
        try:
            await self._close(CLOSE_GOING_AWAY, "idle timeout")
        except Exception:
            logger.debug("websocket %s was gone before its idle close", self.websocket_id, exc_info=True)

    async def shutdown(self) -> None:
        """Forget the connection: leave its groups, detach from the hub, cancel running actions.

        On v2 the session is parked instead (see :mod:`.sessions`): it keeps its groups and its
        running actions until its client resumes it or the resume window ends.
        """
        self.closed = True
        self._outgoing.stop()
        if self._watchdog is not None:
            self._watchdog.cancel()
        session = self._session
        if session is not None:
            session.socket_ended(self)
            return
        if self.sessions:
            return  # never opened
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self._groups.clear()
        await self._hub.detach(self)

    async def join_group(self, group: str) -> None:
        if group not in self._groups:
            self._groups.add(group)
            await self._hub.join(self._member(), group)
            if self._session is not None:
                self._session.groups_changed()

    async def leave_group(self, group: str) -> None:
        if group in self._groups:
            self._groups.discard(group)
            await self._hub.leave(self._member(), group)
            if self._session is not None:
                self._session.groups_changed()

    async def receive(self, frame: str | bytes) -> None:
        """Handle one frame from the client.

        With ``max_in_flight`` 1 (the default) this returns when the action has finished, so actions
        run one at a time in arrival order. With more, it returns once the action has started and
        waits only while the limit is reached.
        """
        if self.closed:
            return
        self._heard = True
        limit = self._config.max_message_size
        if len(frame) > limit or (len(frame) * 4 > limit and self._too_large(frame)):
            await self._refuse_too_large()
            return
        if self._inline:
            if self._busy:
                await self._wait_turn()
            else:
                self._busy = True
            try:
                if self._session is not None:
                    await self._detached(frame)
                else:
                    await self._handle(frame)
            except _TransportGone:
                self._gone()
            finally:
                self._pass_turn()
            return
        await self._slots.acquire()
        task = asyncio.create_task(self._run_slot(frame))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _detached(self, frame: str | bytes) -> None:
        # A session's action belongs to the session, not to the adapter's task: it keeps running
        # when the socket (and the task reading it) goes, until the session ends.
        # Eager: an action that never waits finishes right here, at little more than a call's cost.
        task = asyncio.Task(self._handle(frame), loop=asyncio.get_running_loop(), eager_start=True)
        if task.done():
            task.result()
            return
        tasks = self._tasks
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise

    async def _wait_turn(self) -> None:
        turn = asyncio.get_running_loop().create_future()
        self._waiting.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._pass_turn()  # the turn arrived as we were cancelled: hand it on
            raise

    def _pass_turn(self) -> None:
        while self._waiting:
            turn = self._waiting.popleft()
            if not turn.done():
                turn.set_result(None)  # still busy: the next frame in arrival order runs now
                return
        self._busy = False

    async def wait_idle(self) -> None:
        """Wait until every action started by :meth:`receive` has finished and its frames are sent."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        if self._session is not None:
            await self._session.sent()  # frames waiting for the history's write
        await self._outgoing.drained()

    async def deliver(self, delivery: Delivery) -> None:
        """Send an event that another connection's action or the application addressed here."""
        session = self._session
        if session is not None:
            await session.deliver(delivery)
            return
        if self.closed:
            return
        self._seq += 1
        self._outgoing.offer(event_frame(new_msg_id(), None, self._seq, delivery.tail))

    def _too_large(self, frame: str | bytes) -> bool:
        # Only a str of between 1/4 and 1x the limit in characters gets here: its UTF-8 size decides.
        return isinstance(frame, str) and len(frame.encode("utf-8", "surrogatepass")) > self._config.max_message_size

    def _gone(self) -> None:
        self.closed = True
        if self._session is not None:
            self._session.lost(self)
        logger.debug("websocket %s is gone; stopped answering", self.websocket_id)

    async def _refuse_too_large(self) -> None:
        problem = MESSAGE_TOO_LARGE.problem(f"Frames are limited to {self._config.max_message_size} bytes.")
        self.closed = True
        try:
            await self._write_problem(problem, None)
            await self._outgoing.close(CLOSE_MESSAGE_TOO_BIG, "message too big")
        except _TransportGone:
            pass
        if self._session is not None:
            # The frame was never read, so no replay can answer the request it carried: the session
            # ends, and a client that resumes is told to resync and fails its requests in flight.
            await self._session.end()

    async def _run_slot(self, frame: str | bytes) -> None:
        try:
            await self._handle(frame)
        except _TransportGone:
            self._gone()
        finally:
            self._slots.release()

    async def _handle(self, frame: str | bytes) -> None:
        limiter = self._limiter
        if limiter is not None:
            wait = limiter.frame()
            if wait:
                await self._write_problem(rate_limited(wait), decoded_req_id(frame))
                return
        try:
            message = self._decoder.decode(frame)
        except FrameValidationFailed as failed:
            msg_id = new_msg_id()
            logger.error(
                "validating a frame on websocket %s raised; answered 500 as urn:uuid:%s",
                self.websocket_id,
                msg_id,
                exc_info=failed.__cause__,
            )
            await self._write_problem(failed.problem, failed.req_id, msg_id=msg_id)
            return
        except FrameRejected as rejected:
            await self._write_problem(rejected.problem, rejected.req_id)
            return
        action = message.__action_class__
        name: str = action.action_name
        req_id = message.req_id
        if limiter is not None:
            wait = limiter.action(name)
            if wait:
                await self._write_problem(rate_limited(wait, name), req_id)
                return
        session = self._session
        if session is not None and req_id is not None:
            session.started(req_id)
        context = ConnectionContext(self.websocket_id, self.user_id, req_id, message.msg_id, name, self)
        argument = message if action.payload_model is None else message.payload
        delivered = 0
        try:
            if action.streams_events:
                async for event in action().execute(argument, context):
                    delivered += await self._emit(event, req_id)
            else:
                for event in await action().execute(argument, context) or ():
                    delivered += await self._emit(event, req_id)
        except (_TransportGone, asyncio.CancelledError):
            raise
        except WebSocketProblem as problem:
            if problem.status == NOT_IMPLEMENTED.status:
                logger.info("action %r is not implemented yet: answered 501", name)
            elif problem.status >= 500:
                # A 5xx is the application's fault even when raised on purpose: leave a trace.
                logger.error("action %r answered %s %s", name, problem.status, problem.code, exc_info=True)
            await self._write_problem(problem, req_id)
            return
        except Exception:
            internal = INTERNAL_ERROR.problem(_INTERNAL_DETAIL)
            await self._write_problem(internal, req_id, failed_action=name)
            return
        if self.completion:
            session = self._session
            if session is not None:
                action_json = _json_text(name)
                await session.write(
                    lambda seq: completion_frame(new_msg_id(), req_id, action_json, delivered, seq), finishes=req_id
                )
            else:
                await self._outgoing.write(completion_frame(new_msg_id(), req_id, _json_text(name), delivered))

    async def _emit(self, event: Any, req_id: str | None) -> int:
        """Route one event of this connection's action; return 1 if this connection received it.

        This connection gets its copy straight away (ahead of the completion frame) and at most
        once, however many of the event's addresses include it; the hub serves everyone else. A
        ``req_id`` the handler set on the event replaces the action's on this connection's copy.
        """
        # encode_event() and the 0.3.0 path of routed(), without their calls: this runs per event.
        cls = type(event)
        name_json = known_event_names.get(cls)
        if name_json is None:
            name_json = event_name_json(cls)
        if name_json:
            tail = f'"event":{name_json},{event.frame_body()}'
            explicit = event.req_id
            if explicit is not None:
                req_id = str(explicit)
            recipient, recipient_id = event.recipient, event.recipient_id
        else:
            tail, recipient, recipient_id, req_id = emitted_members(event, await event.emit())
        if recipient_id == self.websocket_id and recipient == "websocket" and websocket_route_is_builtin():
            # The usual answer, to this connection alone: what _route would do, without its lookups.
            await self._send_own(tail, req_id)
            return 1
        return await self._route(tail, req_id, resolve_addresses(recipient, recipient_id))

    async def _route(self, tail: str, req_id: str | None, addresses: Any) -> int:
        if not isinstance(addresses, list):
            addresses = await addresses
        mine = 0
        for address in addresses:
            kind, key = address
            if kind == "websocket" and key == self.websocket_id:
                includes_me = True
            elif kind == "websocket":
                includes_me = False
            else:
                includes_me = (key == self.user_key) if kind == "user" else (key in self._groups)
            if includes_me and not mine:
                mine = 1
                await self._send_own(tail, req_id)
            if kind != "websocket" or not includes_me:
                await self._hub.deliver(Delivery(address, tail, self.websocket_id if includes_me else None))
        return mine

    def _send_own(self, tail: str, req_id: str | None) -> Awaitable[None]:
        """This connection's copy of an event of its own action, after the frames made before it.

        Not a coroutine of its own: the caller awaits the write itself, one step less per event.
        """
        session = self._session
        if session is not None:
            return session.write(lambda seq: event_frame(new_msg_id(), req_id, seq, tail))
        self._seq += 1
        return self._outgoing.write(event_frame(new_msg_id(), req_id, self._seq, tail))

    async def _write_problem(
        self,
        problem: WebSocketProblem,
        req_id: str | None,
        *,
        failed_action: str | None = None,
        msg_id: str | None = None,
    ) -> None:
        msg_id = msg_id or new_msg_id()
        if failed_action is not None:
            logger.exception(
                "action %r on websocket %s raised; answered 500 as urn:uuid:%s",
                failed_action,
                self.websocket_id,
                msg_id,
            )
        base_url = self._config.problem_type_base_url
        session = self._session
        if session is not None:
            await session.write(
                lambda seq: problem_frame(problem, msg_id=msg_id, req_id=req_id, base_url=base_url, seq=seq),
                finishes=req_id,
            )
            return
        await self._outgoing.write(problem_frame(problem, msg_id=msg_id, req_id=req_id, base_url=base_url))


_INTERNAL_DETAIL = "The server could not complete the action. The incident has been logged."
_action_names: dict[str, str] = {}


def _json_text(text: str) -> str:
    encoded = _action_names.get(text)
    if encoded is None:
        encoded = _action_names[text] = json.dumps(text)
    return encoded
