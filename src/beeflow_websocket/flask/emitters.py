"""0.3.0's ``FlaskWebSocketEventEmitter``: sends an event to one WebSocket when it is a recipient.

Connections served by :func:`~beeflow_websocket.flask.handle_beeflow_websocket` deliver events on
their own; this class is kept for code that drives a flask-sock socket itself.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from beeflow_websocket.core.legacy import MessageIdFactory, SequenceProvider, SocketEmitterBase

__all__ = ["FlaskWebSocketEventEmitter", "FlaskWebSocketProtocol", "MessageIdFactory", "SequenceProvider"]


class FlaskWebSocketProtocol(Protocol):
    """What the emitter uses of a flask-sock socket."""

    def send(self, data: str) -> None: ...


class FlaskWebSocketEventEmitter(SocketEmitterBase[FlaskWebSocketProtocol]):
    """Send events to ``websocket`` (whose id is ``websocket_id``) when their recipient resolves to it."""

    async def emit(self, event: Any) -> None:
        """Send ``event`` with a fresh ``msg_id`` and the next ``seq``; raises ``RecipientMapDoesNotExist``."""
        frame = await self.frame(event)
        if frame is not None:
            self.websocket.send(json.dumps(frame))
