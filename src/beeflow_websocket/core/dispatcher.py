"""The dispatcher: configuration, decoding and the hub shared by the connections of an app.

Adapters create one :class:`Dispatcher` per application and one :class:`Connection` per socket.
Application code pushes events from anywhere (an HTTP view, a job) with :meth:`Dispatcher.push`.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import AsyncIterator, Collection, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import Any, Required, TypedDict, Unpack

from . import actions as _builtin_actions  # noqa: F401 - registers the built-in actions
from . import events as _builtin_events  # noqa: F401 - registers the built-in events
from .action_registry import UserId
from .action_set import action_registry
from .autodiscover import PLUGIN_MODULES, autodiscover
from .config import DEFAULT_MAX_MESSAGE_SIZE, ProtocolConfig
from .connection import CloseCallback, Connection, SendCallback
from .emitting import routed
from .event_registry import EventPluginProtocol, WebSocketEvent
from .frames import ActionDecoder
from .handshake import Handshake
from .history import History
from .hub import Delivery, Hub, LocalHub
from .outgoing import CLOSE_TRY_AGAIN_LATER, SLOW_CLOSE_REASONS, OutgoingLimits
from .registry import Registry
from .session_store import SessionStore
from .sessions import Sessions

__all__ = [
    "CLOSE_TRY_AGAIN_LATER",
    "TRY_AGAIN_LATER_REASON",
    "ConnectionArguments",
    "Dispatcher",
    "DispatcherOptions",
    "build_dispatcher",
]

#: The reason sent with 1013 (``CLOSE_TRY_AGAIN_LATER``) to a connection refused by ``max_connections``.
TRY_AGAIN_LATER_REASON = SLOW_CLOSE_REASONS[CLOSE_TRY_AGAIN_LATER]


class ConnectionArguments(TypedDict, total=False):
    """The keyword arguments of :meth:`Dispatcher.connection`, which :meth:`Dispatcher.connect` passes on."""

    send: Required[SendCallback]
    close: Required[CloseCallback]
    user_id: UserId | None
    websocket_id: str | None
    completion: bool
    handshake: Handshake | None


class Dispatcher:
    """Shared state of the connections of one application."""

    def __init__(
        self,
        config: ProtocolConfig | None = None,
        *,
        hub: Hub | None = None,
        history: History | None = None,
        store: SessionStore | None = None,
        actions: Registry[type[Any]] | Iterable[type[Any]] | None = None,
    ) -> None:
        self.config = config or ProtocolConfig()
        self.hub: Hub = hub if hub is not None else LocalHub()
        #: The sessions of ``beeflow.v2`` connections; ``history`` replaces the in-process
        #: :class:`~.history.MemoryHistory` built from ``config.resume``; ``store`` lets other
        #: processes adopt them (:mod:`.session_store`).
        self.sessions = Sessions(
            self.config.resume,
            self.hub,
            history,
            store,
            problem_type_base_url=self.config.problem_type_base_url,
        )
        #: The actions this dispatcher serves: every registered one (``None``), or the application's
        #: own (:class:`~.action_set.ActionSet`, or action classes to put in one).
        self.actions = action_registry(actions)
        self.decoder = ActionDecoder(self.actions)
        #: The event loop serving this dispatcher's connections, once one has opened.
        self.loop: asyncio.AbstractEventLoop | None = None
        self._admitted = 0
        self._admission = threading.Lock()

    @property
    def admitted(self) -> int:
        """Connections admitted by :meth:`admit` and not yet released."""
        return self._admitted

    def admit(self) -> bool:
        """Take a place for a new connection; ``False`` when ``max_connections`` are already open.

        Adapters call it once the handshake is otherwise acceptable and, when it refuses, accept the
        socket and close it at once with 1013 "try again later" (a browser sees a close code, never
        an HTTP status); every ``True`` is matched by one :meth:`release` when the socket is gone.
        """
        cap = self.config.max_connections
        with self._admission:
            if cap is not None and self._admitted >= cap:
                return False
            self._admitted += 1
            return True

    def release(self) -> None:
        """Give back the place :meth:`admit` took."""
        with self._admission:
            self._admitted -= 1

    def connection(
        self,
        *,
        send: SendCallback,
        close: CloseCallback,
        user_id: UserId | None = None,
        websocket_id: str | None = None,
        completion: bool = False,
        handshake: Handshake | None = None,
    ) -> Connection:
        """A new connection; call :meth:`open` once the socket is accepted.

        ``handshake`` (what :func:`~.handshake.negotiate` read from the offered subprotocols)
        decides completion frames and sessions; without it, ``completion`` alone.
        """
        return Connection(
            self,
            websocket_id=websocket_id or str(uuid.uuid4()),
            user_id=user_id,
            send=send,
            close=close,
            completion=completion if handshake is None else handshake.completion,
            sessions=False if handshake is None else handshake.sessions,
            resume=None if handshake is None else handshake.resume,
        )

    @asynccontextmanager
    async def connect(self, **arguments: Unpack[ConnectionArguments]) -> AsyncIterator[Connection]:
        """Open a connection (:meth:`connection` takes the same arguments) for the duration of the
        block and shut it down afterwards."""
        connection = self.connection(**arguments)
        await self.open(connection)
        try:
            yield connection
        finally:
            await asyncio.shield(connection.shutdown())

    async def open(self, connection: Connection, *, greet: bool = True) -> None:
        """Open ``connection`` and remember the loop it runs on (for :meth:`push_sync`).

        ``greet=False`` is for an adapter that opens before its accept: it calls
        :meth:`Connection.greet` once the socket is accepted.
        """
        self.loop = asyncio.get_running_loop()
        await connection.open(greet=greet)

    def push_sync(self, event: WebSocketEvent | EventPluginProtocol, *, timeout: float | None = 10.0) -> None:
        """:meth:`push` for synchronous code: a Django or Flask view, a thread, a management command.

        Runs on the loop that serves the connections when there is one in another thread, else on a
        new loop (enough when the hub spans processes, as Django's channel layer does). Call
        :meth:`push` from async code instead.
        """
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            raise RuntimeError("push_sync() was called from async code: use `await dispatcher.push(event)`")
        loop = self.loop
        if loop is not None and loop.is_running():
            asyncio.run_coroutine_threadsafe(self.push(event), loop).result(timeout)
        else:
            asyncio.run(self.push(event))

    async def push(self, event: WebSocketEvent | EventPluginProtocol) -> None:
        """Send an event from outside any action: to a websocket, a user, a group or your recipient.

        ``event`` may be a 0.3.0 event (``emit()``). Its frames carry ``req_id`` null. Connections
        of other processes are reached when the hub spans processes (Django channel layer, Redis).
        """
        tail, addresses = await routed(event)
        for address in addresses:
            await self.hub.deliver(Delivery(address, tail))


class DispatcherOptions(TypedDict, total=False):
    """The keyword arguments of :func:`build_dispatcher` an application sets (all but the autodiscovery ones)."""

    problem_type_base_url: str | None
    max_message_size: int
    max_in_flight: int
    allowed_origins: Collection[str] | None
    hub: Hub | None
    rate_limit: Any
    action_rate_limits: Mapping[str, Any] | None
    max_connections: int | None
    idle_timeout: float | None
    outgoing: OutgoingLimits | Mapping[str, Any] | None
    resume: Any
    history: History | None
    store: SessionStore | None
    actions: Registry[type[Any]] | Iterable[type[Any]] | None


def build_dispatcher(
    *,
    problem_type_base_url: str | None = None,
    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
    max_in_flight: int = 1,
    allowed_origins: Collection[str] | None = None,
    hub: Hub | None = None,
    rate_limit: Any = None,
    action_rate_limits: Mapping[str, Any] | None = None,
    max_connections: int | None = None,
    idle_timeout: float | None = None,
    outgoing: Any = None,
    resume: Any = None,
    history: History | None = None,
    store: SessionStore | None = None,
    discover: Iterable[str] = (),
    discover_modules: Iterable[str] = PLUGIN_MODULES,
    discover_packages: Iterable[str] = (),
    actions: Registry[type[Any]] | Iterable[type[Any]] | None = None,
) -> Dispatcher:
    """The dispatcher an adapter's ``configure_beeflow_websocket`` sets up, after autodiscovery of
    the plugin modules (``discover_modules``) of ``discover`` (package names) and of the packages
    ``discover_packages`` (0.3.0's ``autodiscover_packages``, which must exist). ``resume`` is
    :class:`ProtocolConfig`'s (``None``: the defaults); ``history`` replaces the in-process one;
    ``actions`` is :class:`Dispatcher`'s."""
    autodiscover(discover, discover_modules, required=discover_packages)
    config = ProtocolConfig(
        problem_type_base_url=problem_type_base_url,
        max_message_size=max_message_size,
        max_in_flight=max_in_flight,
        allowed_origins=tuple(allowed_origins) if allowed_origins is not None else None,
        rate_limit=rate_limit,
        action_rate_limits=dict(action_rate_limits or {}),
        max_connections=max_connections,
        idle_timeout=idle_timeout,
        outgoing=outgoing,
        resume=resume,
    )
    return Dispatcher(config, hub=hub, history=history, store=store, actions=actions)
