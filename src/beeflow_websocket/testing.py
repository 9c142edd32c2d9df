"""Test your actions without a server.

:class:`AsyncWebSocketTestClient` (for async tests) and :class:`WebSocketTestClient` (for plain
sync tests) each open one in-memory connection on a :class:`Dispatcher` and drive the real
protocol code: the frames they read are exactly what a browser would read. Several clients on one
dispatcher reach each other through user and group recipients::

    async def test_echo() -> None:
        async with AsyncWebSocketTestClient(user_id=7) as client:
            reply = await client.request("echo", {"text": "hi"})
            assert reply.ok
            assert reply.events[0]["payload"] == {"text": "hi"}

Use :func:`isolated_registries` to register test-only actions without leaking them into other
tests.

With ``sessions=True`` a client speaks ``beeflow.v2``: it gets a session frame first and a ``seq``
on every frame. :meth:`AsyncWebSocketTestClient.drop` loses the socket without closing the session
(as a network failure would), and :meth:`AsyncWebSocketTestClient.resume` opens a new client that
resumes it::

    async def test_nothing_is_lost() -> None:
        dispatcher = Dispatcher()
        async with AsyncWebSocketTestClient(dispatcher, sessions=True) as client:
            await client.request("room.join", {"room": "r"})
            await client.drop()
            await dispatcher.push(Said(recipient="group", recipient_id="r", payload=...))
            async with client.resume() as again:
                assert again.session["resumed"]
                assert again.replayed[0]["event"] == "said"
"""

from __future__ import annotations

import asyncio
import functools
import json
import uuid
import weakref
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Concatenate, Self, TypedDict, Unpack, overload

from .core.action_registry import UserId
from .core.config import ProtocolConfig
from .core.connection import Connection
from .core.dispatcher import Dispatcher
from .core.handshake import ACCESS_TOKEN, COMPLETION, SESSIONS, ResumeRequest, negotiate
from .core.registries import isolated_registries

__all__ = [
    "AsyncWebSocketTestClient",
    "ClientOptions",
    "ProblemError",
    "Reply",
    "WebSocketTestClient",
    "isolated_registries",
]

Frame = dict[str, Any]


class ProblemError(AssertionError):
    """:meth:`Reply.raise_for_problem` found a problem frame."""

    def __init__(self, problem: Frame) -> None:
        super().__init__(f"{problem.get('status')} {problem.get('code')}: {problem.get('detail')}")
        self.problem = problem


@dataclass
class Reply:
    """The frames that answered one action frame on the sending connection."""

    req_id: str | None
    frames: list[Frame] = field(default_factory=list)

    @property
    def events(self) -> list[Frame]:
        return [frame for frame in self.frames if "event" in frame]

    @property
    def problem(self) -> Frame | None:
        return next((frame for frame in self.frames if "type" in frame and "status" in frame), None)

    @property
    def completion(self) -> Frame | None:
        return next((frame for frame in self.frames if "completed" in frame), None)

    @property
    def ok(self) -> bool:
        """No problem answered the action."""
        return self.problem is None

    def payloads(self, event: str) -> list[Any]:
        """Payloads of the answering events named ``event``, in order."""
        return [frame["payload"] for frame in self.events if frame["event"] == event]

    def raise_for_problem(self) -> Self:
        if (problem := self.problem) is not None:
            raise ProblemError(problem)
        return self


class AsyncWebSocketTestClient:
    """One in-memory connection, driven from async code."""

    def __init__(
        self,
        dispatcher: Dispatcher | None = None,
        *,
        user_id: UserId | None = 1,
        websocket_id: str | None = None,
        completion: bool = True,
        config: ProtocolConfig | None = None,
        sessions: bool = False,
        resume: ResumeRequest | str | None = None,
    ) -> None:
        """``sessions`` offers ``beeflow.v2``; ``resume`` (a :class:`ResumeRequest` or its
        ``beeflow.resume.<session>.<epoch>.<seq>`` token) also asks to resume that session."""
        if dispatcher is not None and config is not None:
            raise TypeError("pass either a dispatcher or a config, not both")
        self.dispatcher = dispatcher or Dispatcher(config)
        offered: list[str] = []
        if sessions or resume is not None:
            offered.append(SESSIONS)
        if completion or sessions or resume is not None:
            offered.append(COMPLETION)
        if resume is not None:
            offered.append(resume.token if isinstance(resume, ResumeRequest) else resume)
        offered.append(ACCESS_TOKEN)
        self.handshake = negotiate(offered)
        """What the server read from the offered subprotocols (``subprotocol`` is the selected one)."""
        self.user_id = user_id
        self.dropped = False
        self.received: list[Frame] = []
        """Every frame this connection received, decoded, in order."""
        self.raw: list[str] = []
        """The same frames as the text that went over the wire."""
        self.close_code: int | None = None
        self._cursor = 0
        self._resumed_from = 0
        self._replay_through = 0
        self.connection: Connection = self.dispatcher.connection(
            send=self._on_send,
            close=self._on_close,
            user_id=user_id,
            websocket_id=websocket_id,
            handshake=self.handshake,
        )

    @property
    def websocket_id(self) -> str:
        return self.connection.websocket_id

    @property
    def closed(self) -> bool:
        return self.close_code is not None

    async def _on_send(self, text: str) -> None:
        self.raw.append(text)
        self.received.append(json.loads(text))

    async def _on_close(self, code: int, reason: str) -> None:
        self.close_code = code

    async def __aenter__(self) -> Self:
        await self.dispatcher.open(self.connection)
        await self.connection.wait_idle()
        self._replay_through = max((frame.get("seq", 0) for frame in self.received), default=0)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if not self.dropped:
            await self.connection.shutdown()

    @property
    def session(self) -> Frame | None:
        """The ``session`` member of the session frame (``beeflow.v2`` only)."""
        for frame in self.received[:1]:
            if "session" in frame:
                session: Frame = frame["session"]
                return session
        return None

    @property
    def replayed(self) -> list[Frame]:
        """The frames replayed right after the session frame of a resumed session.

        Live frames that came after the replay are left out: they are the ones numbered above
        the last ``seq`` the session had sent when this client resumed it.
        """
        session = self.session
        if session is None or not session.get("resumed"):
            return []
        replay = self._replay_through
        return [frame for frame in self.received[1:] if frame.get("seq", 0) <= replay]

    @property
    def last_seq(self) -> int:
        """The last ``seq`` received with none missing before it (what a resume names)."""
        last = self._resumed_from
        for frame in self.received:
            seq = frame.get("seq")
            if seq is None:
                continue
            if seq == last + 1:
                last = seq
            elif seq > last + 1:
                break
        return last

    async def drop(self) -> None:
        """Lose the socket without closing the session, as a network failure would."""
        self.dropped = True
        await self.connection.shutdown()

    def resume(self, *, user_id: UserId | Any | None = ..., after: int | None = None) -> AsyncWebSocketTestClient:
        """A new client (enter it with ``async with``) that resumes this one's session after
        ``after`` (default :attr:`last_seq`), as the same user unless ``user_id`` says otherwise."""
        session = self.session
        if session is None:
            raise RuntimeError("resume() needs a beeflow.v2 client (sessions=True) that has opened")
        request = ResumeRequest(session["id"], session["epoch"], self.last_seq if after is None else after)
        client = AsyncWebSocketTestClient(
            self.dispatcher, user_id=self.user_id if user_id is ... else user_id, resume=request
        )
        client._resumed_from = request.seq
        return client

    async def send_frame(self, frame: str | bytes) -> list[Frame]:
        """Send any frame, valid or not; return the frames this connection received meanwhile."""
        start = len(self.received)
        await self.connection.receive(frame)
        await self.connection.wait_idle()
        return self.received[start:]

    async def send(
        self,
        action: str,
        payload: Mapping[str, Any] | None = None,
        *,
        req_id: str | None = None,
        msg_id: str | None = None,
    ) -> str:
        """Send an action and return its ``req_id`` without waiting for it to finish."""
        req_id = req_id or str(uuid.uuid4())
        frame = {
            "msg_id": msg_id or str(uuid.uuid4()),
            "req_id": req_id,
            "action": action,
            "payload": dict(payload or {}),
        }
        await self.connection.receive(json.dumps(frame))
        return req_id

    async def request(
        self,
        action: str,
        payload: Mapping[str, Any] | None = None,
        *,
        req_id: str | None = None,
        msg_id: str | None = None,
    ) -> Reply:
        """Send an action, wait until it has finished and return the frames answering it."""
        req_id = await self.send(action, payload, req_id=req_id, msg_id=msg_id)
        await self.connection.wait_idle()
        return self.reply(req_id)

    def reply(self, req_id: str) -> Reply:
        """The frames received so far that answer ``req_id``."""
        return Reply(req_id, [frame for frame in self.received if frame.get("req_id") == req_id])

    def pushed(self) -> list[Frame]:
        """Events received since the last call that answer no action of this connection."""
        new = self.received[self._cursor :]
        self._cursor = len(self.received)
        return [frame for frame in new if "event" in frame and frame.get("req_id") is None]

    async def join_group(self, group: str) -> None:
        """Join a group directly, as a handler's ``context.join_group`` would."""
        await self.connection.join_group(group)


_loops: weakref.WeakKeyDictionary[Dispatcher, asyncio.AbstractEventLoop] = weakref.WeakKeyDictionary()


def _loop_for(dispatcher: Dispatcher) -> asyncio.AbstractEventLoop:
    loop = _loops.get(dispatcher)
    if loop is None or loop.is_closed():
        loop = _loops[dispatcher] = asyncio.new_event_loop()
        weakref.finalize(dispatcher, loop.close)
    return loop


class ClientOptions(TypedDict, total=False):
    """The keyword arguments of :class:`AsyncWebSocketTestClient` (and so of its sync twin)."""

    user_id: UserId | None
    websocket_id: str | None
    completion: bool
    config: ProtocolConfig | None
    sessions: bool
    resume: ResumeRequest | str | None


class _Forwarded[T]:
    """A read-only attribute of the async client, read through its sync twin."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, twin: None, owner: type) -> Self: ...
    @overload
    def __get__(self, twin: WebSocketTestClient, owner: type) -> T: ...
    def __get__(self, twin: WebSocketTestClient | None, owner: type) -> Self | T:
        if twin is None:
            return self
        value: T = getattr(twin._client, self.name)
        return value

    def __set__(self, twin: WebSocketTestClient, value: T) -> None:
        raise AttributeError(f"{self.name} is read-only")


def _blocking[**P, R](
    method: Callable[Concatenate[AsyncWebSocketTestClient, P], Coroutine[Any, Any, R]],
) -> Callable[Concatenate[WebSocketTestClient, P], R]:
    """A coroutine method of the async client, run to its end by the sync twin."""

    @functools.wraps(method)
    def run(twin: WebSocketTestClient, /, *args: P.args, **kwargs: P.kwargs) -> R:
        result: R = twin._run(method(twin._client, *args, **kwargs))
        return result

    run.__qualname__ = f"WebSocketTestClient.{method.__name__}"
    return run


class WebSocketTestClient:
    """The sync twin of :class:`AsyncWebSocketTestClient`, for tests that are not coroutines.

    It takes the same arguments. Clients sharing a dispatcher share one event loop, so they can
    reach each other.
    """

    def __init__(self, dispatcher: Dispatcher | None = None, **options: Unpack[ClientOptions]) -> None:
        self._client = AsyncWebSocketTestClient(dispatcher, **options)
        self._loop = _loop_for(self._client.dispatcher)

    @classmethod
    def _wrapping(cls, client: AsyncWebSocketTestClient) -> WebSocketTestClient:
        twin = cls.__new__(cls)
        twin._client = client
        twin._loop = _loop_for(client.dispatcher)
        return twin

    dispatcher: _Forwarded[Dispatcher] = _Forwarded()
    connection: _Forwarded[Connection] = _Forwarded()
    websocket_id: _Forwarded[str] = _Forwarded()
    received: _Forwarded[list[Frame]] = _Forwarded()
    raw: _Forwarded[list[str]] = _Forwarded()
    close_code: _Forwarded[int | None] = _Forwarded()
    closed: _Forwarded[bool] = _Forwarded()
    session: _Forwarded[Frame | None] = _Forwarded()
    replayed: _Forwarded[list[Frame]] = _Forwarded()
    last_seq: _Forwarded[int] = _Forwarded()

    def resume(self, *, user_id: UserId | Any | None = ..., after: int | None = None) -> WebSocketTestClient:
        """A new client (enter it with ``with``) that resumes this one's session."""
        return self._wrapping(self._client.resume(user_id=user_id, after=after))

    def _run(self, coroutine: Any) -> Any:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return self._loop.run_until_complete(coroutine)
        coroutine.close()
        raise RuntimeError("WebSocketTestClient is for sync tests; in async tests use AsyncWebSocketTestClient")

    def __enter__(self) -> Self:
        self._run(self._client.__aenter__())
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._run(self._client.__aexit__(exc_type, exc, tb))

    send_frame = _blocking(AsyncWebSocketTestClient.send_frame)
    send = _blocking(AsyncWebSocketTestClient.send)
    request = _blocking(AsyncWebSocketTestClient.request)
    drop = _blocking(AsyncWebSocketTestClient.drop)
    join_group = _blocking(AsyncWebSocketTestClient.join_group)

    def reply(self, req_id: str) -> Reply:
        return self._client.reply(req_id)

    def pushed(self) -> list[Frame]:
        return self._client.pushed()
