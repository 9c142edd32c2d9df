"""0.3.0's ``beeflow_websocket.flask.endpoint``: one flask-sock WebSocket served by the runtime."""

from __future__ import annotations

from uuid import UUID, uuid4

from beeflow_websocket.core.action_registry import UserId

from .adapter import handle_beeflow_websocket
from .emitters import MessageIdFactory
from .sender import SyncWebSocket

__all__ = [
    "INVALID_MESSAGE_DETAIL",
    "BeeflowWebSocketEndpoint",
    "FlaskWebSocketReceiveProtocol",
    "create_websocket_message_id",
    "handle_beeflow_websocket",
]

#: The ``detail`` of the problem answering a frame that is not an action frame.
INVALID_MESSAGE_DETAIL = "The frame is not a valid action frame."

#: 0.3.0's name for what the adapter uses of a flask-sock socket.
FlaskWebSocketReceiveProtocol = SyncWebSocket


def create_websocket_message_id() -> UUID:
    """A fresh server message id."""
    return uuid4()


class BeeflowWebSocketEndpoint:
    """One WebSocket of an authenticated user; :meth:`run` serves it until the client leaves.

    ``message_id_factory`` is kept for 0.3.0 callers; the runtime makes its own message ids.
    """

    def __init__(
        self,
        websocket: SyncWebSocket,
        user_id: UserId,
        *,
        websocket_id: str | None = None,
        message_id_factory: MessageIdFactory = create_websocket_message_id,
    ) -> None:
        self.websocket = websocket
        self.user_id = user_id
        self.websocket_id = websocket_id or str(uuid4())
        self.message_id_factory = message_id_factory

    def run(self) -> None:
        """Serve the WebSocket until it closes (blocks the request thread)."""
        handle_beeflow_websocket(self.websocket, self.user_id, websocket_id=self.websocket_id)
