"""The access-token convention as a FastAPI dependency."""

from __future__ import annotations

from typing import Any

from fastapi import WebSocketException
from starlette.websockets import WebSocket

from beeflow_websocket.core.handshake import TokenResolver, negotiate, resolve_token

__all__ = ["AccessTokenAuth"]


class AccessTokenAuth:
    """A dependency that authenticates a WebSocket handshake by its access token.

    Browsers send ``new WebSocket(url, ["access-token", token])`` (add ``"beeflow.v1"`` for
    completion frames). The resolver gets the token and returns the user id, or ``None`` to refuse:
    the handshake is then refused with HTTP 403 before any action runs. Sync resolvers run in a
    thread. The token is never selected as the subprotocol::

        auth = AccessTokenAuth(user_id_for_token)

        @app.websocket("/ws/")
        async def ws(websocket: WebSocket, user_id: int = Depends(auth)) -> None:
            await handle_beeflow_websocket(websocket, user_id=user_id)
    """

    def __init__(self, resolver: TokenResolver) -> None:
        self.resolver = resolver

    async def __call__(self, websocket: WebSocket) -> Any:
        token = negotiate(websocket.scope.get("subprotocols", ())).token
        user_id = await resolve_token(self.resolver, token)
        if user_id is None:
            raise WebSocketException(code=1008, reason="authentication failed")
        return user_id
