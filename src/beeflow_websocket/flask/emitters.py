"""0.3.0's ``FlaskWebSocketEventEmitter``: sends an event to one WebSocket when it is a recipient.

Connections served by :func:`~beeflow_websocket.flask.handle_beeflow_websocket` deliver events on
their own; this class is kept for code that drives a flask-sock socket itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Protocol
from uuid import UUID

from beeflow_websocket.core.emitting import emitter_frame

__all__ = ["FlaskWebSocketEventEmitter", "FlaskWebSocketProtocol", "MessageIdFactory", "SequenceProvider"]

MessageIdFactory = Callable[[], UUID]
SequenceProvider = Callable[[], int]


class FlaskWebSocketProtocol(Protocol):
    """What the emitter uses of a flask-sock socket."""

    def send(self, data: str) -> None: ...


class FlaskWebSocketEventEmitter:
    """Send events to ``websocket`` (whose id is ``websocket_id``) when their recipient resolves to it."""

    def __init__(
        self,
        websocket: FlaskWebSocketProtocol,
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
            self.websocket.send(json.dumps(frame))
