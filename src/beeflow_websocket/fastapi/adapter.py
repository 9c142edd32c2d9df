"""Moves frames between a Starlette ``WebSocket`` and the core; no protocol rules live here."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from starlette.types import ASGIApp
from starlette.websockets import WebSocket, WebSocketState

from beeflow_websocket.core.action_registry import UserId
from beeflow_websocket.core.autodiscover import caller_packages
from beeflow_websocket.core.config import DEFAULT_MAX_MESSAGE_SIZE
from beeflow_websocket.core.dispatcher import Dispatcher, build_dispatcher
from beeflow_websocket.core.handshake import negotiate, origin_allowed
from beeflow_websocket.core.hub import Hub

__all__ = ["configure_beeflow_websocket", "get_dispatcher", "handle_beeflow_websocket"]

_STATE = "beeflow_websocket"
#: Close code used to refuse a handshake; before ``accept`` the server turns it into HTTP 403.
_POLICY_VIOLATION = 1008


def configure_beeflow_websocket(
    app: Any,
    *,
    problem_type_base_url: str | None = None,
    autodiscover: bool = True,
    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
    max_in_flight: int = 1,
    allowed_origins: Collection[str] | None = None,
    hub: Hub | None = None,
) -> Dispatcher:
    """Set up the adapter for ``app`` and return its dispatcher.

    With ``autodiscover`` the plugin modules of the calling module's package and its parents are
    imported. ``hub`` replaces the in-process hub (for example with a Redis hub shared by workers).
    """
    dispatcher = build_dispatcher(
        problem_type_base_url=problem_type_base_url,
        max_message_size=max_message_size,
        max_in_flight=max_in_flight,
        allowed_origins=allowed_origins,
        hub=hub,
        discover=caller_packages() if autodiscover else (),
    )
    setattr(app.state, _STATE, dispatcher)
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
    """Serve one WebSocket until it closes: accept it, then pass every frame to the core."""
    dispatcher = get_dispatcher(websocket.app)
    if websocket.client_state == WebSocketState.CONNECTING:
        if not origin_allowed(websocket.headers.get("origin"), dispatcher.config.allowed_origins):
            await websocket.close(code=_POLICY_VIOLATION)
            return
        handshake = negotiate(websocket.scope.get("subprotocols", ()))
        await websocket.accept(subprotocol=handshake.subprotocol)
        completion = handshake.completion
    else:
        # The application accepted the socket itself: completion is on if it selected beeflow.v1.
        completion = negotiate([websocket.scope.get("subprotocol") or ""]).completion

    async def close(code: int, reason: str) -> None:
        await websocket.close(code=code, reason=reason)

    connection = dispatcher.connection(
        send=websocket.send_text, close=close, user_id=user_id, websocket_id=websocket_id, completion=completion
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
