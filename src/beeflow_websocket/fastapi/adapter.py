"""Moves frames between a Starlette ``WebSocket`` and the core; no protocol rules live here."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from starlette.types import ASGIApp
from starlette.websockets import WebSocket, WebSocketState

from beeflow_websocket.core.action_registry import UserId
from beeflow_websocket.core.action_set import ActionSet
from beeflow_websocket.core.autodiscover import (
    DEFAULT_AUTODISCOVER_MODULES,
    caller_packages,
    normalize_autodiscover_packages,
)
from beeflow_websocket.core.config import DEFAULT_MAX_MESSAGE_SIZE
from beeflow_websocket.core.dispatcher import (
    CLOSE_TRY_AGAIN_LATER,
    TRY_AGAIN_LATER_REASON,
    Dispatcher,
    build_dispatcher,
)
from beeflow_websocket.core.handshake import negotiate, negotiated, origin_allowed
from beeflow_websocket.core.history import History
from beeflow_websocket.core.hub import Hub
from beeflow_websocket.core.outgoing import OutgoingLimits
from beeflow_websocket.core.session_store import SessionStore

__all__ = ["configure_beeflow_websocket", "get_dispatcher", "handle_beeflow_websocket"]

_STATE = "beeflow_websocket"
#: Where ``configure_beeflow_websocket`` records its settings on ``app.state`` (0.3.0's names).
PROBLEM_TYPE_BASE_URL_STATE_KEY = "beeflow_websocket_problem_type_base_url"
AUTODISCOVER_STATE_KEY = "beeflow_websocket_autodiscover"
AUTODISCOVER_MODULES_STATE_KEY = "beeflow_websocket_autodiscover_modules"
AUTODISCOVER_PACKAGES_STATE_KEY = "beeflow_websocket_autodiscover_packages"
#: Close code used to refuse a handshake; before ``accept`` the server turns it into HTTP 403.
_POLICY_VIOLATION = 1008


def configure_beeflow_websocket(
    app: Any,
    *,
    problem_type_base_url: str | None = None,
    autodiscover: bool = True,
    autodiscover_modules: Iterable[str] | str | None = DEFAULT_AUTODISCOVER_MODULES,
    autodiscover_packages: Iterable[str] | str | None = None,
    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
    max_in_flight: int = 1,
    allowed_origins: Collection[str] | None = None,
    hub: Hub | None = None,
    rate_limit: Any = None,
    action_rate_limits: Mapping[str, Any] | None = None,
    max_connections: int | None = None,
    idle_timeout: float | None = None,
    outgoing: OutgoingLimits | Mapping[str, Any] | None = None,
    resume: Any = None,
    history: History | None = None,
    store: SessionStore | None = None,
    actions: ActionSet | Iterable[type[Any]] | None = None,
) -> Dispatcher:
    """Set up the adapter for ``app`` and return its dispatcher.

    With ``autodiscover`` the plugin modules (``autodiscover_modules``) of the calling module's
    package and its parents are imported, then the packages ``autodiscover_packages`` with every
    module under them (as in 0.3.0). ``hub`` replaces the in-process hub (for example with a Redis
    hub shared by workers). ``rate_limit``, ``action_rate_limits``, ``max_connections``, ``idle_timeout``,
    ``outgoing`` (the slow-consumer limits and close code) and ``resume`` (sessions of ``beeflow.v2`` clients)
    are :class:`~beeflow_websocket.core.config.ProtocolConfig`'s; ``history`` replaces the in-process session history,
    and ``store`` (a :class:`~beeflow_websocket.redis.RedisSessionStore`) lets another worker adopt a session.
    ``actions`` (an :class:`~beeflow_websocket.core.action_set.ActionSet` or action classes) limits the app
    to those actions; by default it serves every registered action.
    """
    if not isinstance(autodiscover, bool):
        raise TypeError(f"autodiscover must be True or False, not {autodiscover!r}")
    modules = normalize_autodiscover_packages(autodiscover_modules, setting_name="autodiscover_modules")
    packages = normalize_autodiscover_packages(autodiscover_packages, setting_name="autodiscover_packages")
    dispatcher = build_dispatcher(
        problem_type_base_url=problem_type_base_url,
        max_message_size=max_message_size,
        max_in_flight=max_in_flight,
        allowed_origins=allowed_origins,
        hub=hub,
        rate_limit=rate_limit,
        action_rate_limits=action_rate_limits,
        max_connections=max_connections,
        idle_timeout=idle_timeout,
        outgoing=outgoing,
        resume=resume,
        history=history,
        store=store,
        discover=caller_packages() if autodiscover else (),
        discover_modules=modules,
        discover_packages=packages if autodiscover else (),
        actions=actions,
    )
    setattr(app.state, _STATE, dispatcher)
    setattr(app.state, PROBLEM_TYPE_BASE_URL_STATE_KEY, problem_type_base_url)
    setattr(app.state, AUTODISCOVER_STATE_KEY, autodiscover)
    setattr(app.state, AUTODISCOVER_MODULES_STATE_KEY, modules)
    setattr(app.state, AUTODISCOVER_PACKAGES_STATE_KEY, packages)
    return dispatcher


def _defaults() -> Dispatcher:
    return build_dispatcher(
        problem_type_base_url=None,
        max_message_size=DEFAULT_MAX_MESSAGE_SIZE,
        max_in_flight=1,
        allowed_origins=None,
        hub=None,
    )


def get_dispatcher(app: ASGIApp | Any) -> Dispatcher:
    """The dispatcher of a configured app: push events with ``await get_dispatcher(app).push(event)``."""
    dispatcher = getattr(getattr(app, "state", None), _STATE, None)
    if dispatcher is None:
        raise RuntimeError("call configure_beeflow_websocket(app) before serving beeflow WebSockets")
    assert isinstance(dispatcher, Dispatcher)
    return dispatcher


async def handle_beeflow_websocket(
    websocket: WebSocket, user_id: UserId | None, *, websocket_id: str | None = None
) -> None:
    """Serve one WebSocket until it closes: accept it, then pass every frame to the core.

    An app that never called :func:`configure_beeflow_websocket` is served with the defaults and
    no autodiscovery, as in 0.3.0.
    """
    app = websocket.app
    if getattr(app.state, _STATE, None) is None:
        setattr(app.state, _STATE, _defaults())
    dispatcher = get_dispatcher(app)
    connecting = websocket.client_state == WebSocketState.CONNECTING
    if connecting:
        if not origin_allowed(websocket.headers.get("origin"), dispatcher.config.allowed_origins):
            await websocket.close(code=_POLICY_VIOLATION)
            return
        handshake = negotiate(websocket.scope.get("subprotocols", ()))
    else:
        # The application accepted the socket itself: what it selected decides.
        handshake = negotiated(websocket.scope.get("subprotocols", ()), websocket.scope.get("subprotocol"))
    if not dispatcher.admit():
        # max_connections reached: a close code the browser can see, rather than an HTTP status it cannot.
        if connecting:
            await websocket.accept(subprotocol=handshake.subprotocol)
        await websocket.close(code=CLOSE_TRY_AGAIN_LATER, reason=TRY_AGAIN_LATER_REASON)
        return

    async def close(code: int, reason: str) -> None:
        await websocket.close(code=code, reason=reason)

    try:
        if connecting:
            await websocket.accept(subprotocol=handshake.subprotocol)
        connection = dispatcher.connection(
            send=websocket.send_text, close=close, user_id=user_id, websocket_id=websocket_id, handshake=handshake
        )
        await dispatcher.open(connection)
        try:
            while not connection.closed:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                text = message.get("text")
                await connection.receive(text if text is not None else message.get("bytes") or b"")
        finally:
            await connection.shutdown()
    finally:
        dispatcher.release()
