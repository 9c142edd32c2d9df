"""0.3.0's ``beeflow_websocket.fastapi.endpoint``: one WebSocket served by the runtime."""

from __future__ import annotations

from typing import Any

from beeflow_websocket.core.legacy import INVALID_MESSAGE_DETAIL, EndpointBase, create_websocket_message_id

from .adapter import handle_beeflow_websocket

__all__ = [
    "INVALID_MESSAGE_DETAIL",
    "BeeflowWebSocketEndpoint",
    "create_websocket_message_id",
    "handle_beeflow_websocket",
]


class BeeflowWebSocketEndpoint(EndpointBase[Any]):
    """One WebSocket of an authenticated user; :meth:`run` serves it until the client leaves."""

    async def run(self) -> None:
        """Accept the WebSocket and serve it until it closes."""
        await handle_beeflow_websocket(self.websocket, self.user_id, websocket_id=self.websocket_id)
