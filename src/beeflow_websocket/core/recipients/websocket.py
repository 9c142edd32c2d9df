"""The ``websocket`` recipient, at its 0.3.0 import path: one connection, by its websocket id."""

from beeflow_websocket.core.recipient_registry import WEBSOCKET_RECIPIENT, WebSocketRecipient

__all__ = ["WEBSOCKET_RECIPIENT", "WebSocketRecipient"]
