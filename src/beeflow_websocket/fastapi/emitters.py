"""0.3.0's ``FastAPIWebSocketEventEmitter``: sends an event to one WebSocket when it is a recipient.

Connections served by :func:`~beeflow_websocket.fastapi.handle_beeflow_websocket` deliver events
on their own; this class is kept for code that drives a WebSocket itself.
"""

from __future__ import annotations

from typing import Any

from beeflow_websocket.core.legacy import MessageIdFactory, SequenceProvider, SocketEmitterBase

__all__ = ["FastAPIWebSocketEventEmitter", "MessageIdFactory", "SequenceProvider"]


class FastAPIWebSocketEventEmitter(SocketEmitterBase[Any]):
    """Send events to ``websocket`` (whose id is ``websocket_id``) when their recipient resolves to it."""

    async def emit(self, event: Any) -> None:
        """Send ``event`` with a fresh ``msg_id`` and the next ``seq``; raises ``RecipientMapDoesNotExist``."""
        frame = await self.frame(event)
        if frame is not None:
            await self.websocket.send_json(frame)
