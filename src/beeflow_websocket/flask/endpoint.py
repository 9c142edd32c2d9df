"""0.3.0's ``beeflow_websocket.flask.endpoint``: one flask-sock WebSocket served by the runtime."""

from __future__ import annotations

from beeflow_websocket.core.legacy import INVALID_MESSAGE_DETAIL, EndpointBase, create_websocket_message_id

from .adapter import handle_beeflow_websocket
from .sender import SyncWebSocket

__all__ = [
    "INVALID_MESSAGE_DETAIL",
    "BeeflowWebSocketEndpoint",
    "FlaskWebSocketReceiveProtocol",
    "create_websocket_message_id",
    "handle_beeflow_websocket",
]

#: 0.3.0's name for what the adapter uses of a flask-sock socket.
FlaskWebSocketReceiveProtocol = SyncWebSocket


class BeeflowWebSocketEndpoint(EndpointBase[SyncWebSocket]):
    """One WebSocket of an authenticated user; :meth:`run` serves it until the client leaves."""

    def run(self) -> None:
        """Serve the WebSocket until it closes (blocks the request thread)."""
        handle_beeflow_websocket(self.websocket, self.user_id, websocket_id=self.websocket_id)
