"""0.3.0's ``FastAPIWebSocketEventEmitter``: sends an event to one WebSocket when it is a recipient.

Connections served by :func:`~beeflow_websocket.fastapi.handle_beeflow_websocket` deliver events
on their own; this class is kept for code that drives a WebSocket itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from beeflow_websocket.core.emitting import emitter_frame

__all__ = ["FastAPIWebSocketEventEmitter", "MessageIdFactory", "SequenceProvider"]

MessageIdFactory = Callable[[], UUID]
SequenceProvider = Callable[[], int]


class FastAPIWebSocketEventEmitter:
    """Send events to ``websocket`` (whose id is ``websocket_id``) when their recipient resolves to it."""

    def __init__(
        self,
        websocket: Any,
        websocket_id: str,
        message_id_factory: MessageIdFactory,
        sequence_provider: SequenceProvider,
    ) -> None:
        self.websocket = websocket
        self.websocket_id = websocket_id
        self.message_id_factory = message_id_factory
        self.sequence_provider = sequence_provider

    async def emit(self, event: Any) -> None:
        """Send ``event`` with a fresh ``msg_id`` and the next ``seq``; raises ``RecipientMapDoesNotExist``."""
        frame = await emitter_frame(event, self.websocket_id, self.message_id_factory, self.sequence_provider)
        if frame is not None:
            await self.websocket.send_json(frame)
