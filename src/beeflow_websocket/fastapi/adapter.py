"""Moves frames between a Starlette ``WebSocket`` and the core; no protocol rules live here."""

from __future__ import annotations

from typing import Any, Unpack

from starlette.types import ASGIApp
from starlette.websockets import WebSocket, WebSocketState

from beeflow_websocket.core.action_registry import UserId
from beeflow_websocket.core.autodiscover import caller_packages
from beeflow_websocket.core.dispatcher import (
    CLOSE_TRY_AGAIN_LATER,
    TRY_AGAIN_LATER_REASON,
    Dispatcher,
    build_dispatcher,
)
from beeflow_websocket.core.handshake import negotiate, negotiated, origin_allowed
from beeflow_websocket.core.options import AppOptions, configure

__all__ = ["configure_beeflow_websocket", "get_dispatcher", "handle_beeflow_websocket"]

_STATE = "beeflow_websocket"
#: Where ``configure_beeflow_websocket`` records its settings on ``app.state`` (0.3.0's names).
PROBLEM_TYPE_BASE_URL_STATE_KEY = "beeflow_websocket_problem_type_base_url"
AUTODISCOVER_STATE_KEY = "beeflow_websocket_autodiscover"
AUTODISCOVER_MODULES_STATE_KEY = "beeflow_websocket_autodiscover_modules"
AUTODISCOVER_PACKAGES_STATE_KEY = "beeflow_websocket_autodiscover_packages"
#: Close code used to refuse a handshake; before ``accept`` the server turns it into HTTP 403.
_POLICY_VIOLATION = 1008


def configure_beeflow_websocket(app: Any, **options: Unpack[AppOptions]) -> Dispatcher:
    """Set up the adapter for ``app`` and return its dispatcher.

    With ``autodiscover`` (default ``True``) the plugin modules (``autodiscover_modules``) of the
    calling module's package and its parents are imported, then the packages
    ``autodiscover_packages`` with every module under them (as in 0.3.0). ``hub`` replaces the
    in-process hub (for example with a Redis hub shared by workers). ``problem_type_base_url``,
    ``max_message_size``, ``max_in_flight``, ``allowed_origins``, ``rate_limit``,
    ``action_rate_limits``, ``max_connections``, ``idle_timeout``, ``outgoing`` (the slow-consumer
    limits and close code) and ``resume`` (sessions of ``beeflow.v2`` clients) are
    :class:`~beeflow_websocket.core.config.ProtocolConfig`'s; ``history`` replaces the in-process
    session history, and ``store`` (a :class:`~beeflow_websocket.redis.RedisSessionStore`) lets
    another worker adopt a session. ``actions`` (an
    :class:`~beeflow_websocket.core.action_set.ActionSet` or action classes) limits the app to those
    actions; by default it serves every registered action.
    """
    configured = configure(caller_packages(), **options)
    dispatcher = configured.dispatcher
    setattr(app.state, _STATE, dispatcher)
    setattr(app.state, PROBLEM_TYPE_BASE_URL_STATE_KEY, dispatcher.config.problem_type_base_url)
    setattr(app.state, AUTODISCOVER_STATE_KEY, configured.autodiscover)
    setattr(app.state, AUTODISCOVER_MODULES_STATE_KEY, configured.modules)
    setattr(app.state, AUTODISCOVER_PACKAGES_STATE_KEY, configured.packages)
    return dispatcher


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
        setattr(app.state, _STATE, build_dispatcher())
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
