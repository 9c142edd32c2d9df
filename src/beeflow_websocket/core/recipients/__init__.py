"""Recipients bundled with the runtime (0.3.0's ``core.recipients`` package)."""

from beeflow_websocket.core.recipient_registry import GroupRecipient, UserRecipient, WebSocketRecipient

__all__ = ["GroupRecipient", "UserRecipient", "WebSocketRecipient"]
