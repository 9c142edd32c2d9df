"""What 0.3.0's per-adapter ``emitters`` and ``endpoint`` modules shared, kept in one place.

Each adapter keeps 0.3.0's class names at 0.3.0's paths; these bases hold the parts that do not
depend on the framework: the constructor arguments 0.3.0 code passes, and the frame an emitter
sends to its one socket. Connections served by the runtime use none of it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from .action_registry import UserId
from .emitting import emitter_frame

__all__ = [
    "INVALID_MESSAGE_DETAIL",
    "EndpointBase",
    "MessageIdFactory",
    "SequenceProvider",
    "SocketEmitterBase",
    "create_websocket_message_id",
]

MessageIdFactory = Callable[[], UUID]
SequenceProvider = Callable[[], int]

#: The ``detail`` of the problem answering a frame that is not an action frame.
INVALID_MESSAGE_DETAIL = "The frame is not a valid action frame."


def create_websocket_message_id() -> UUID:
    """A fresh server message id."""
    return uuid4()


@dataclass(eq=False, repr=False)
class SocketEmitterBase[W]:
    """Send events to ``websocket`` (whose id is ``websocket_id``) when their recipient resolves to it."""

    websocket: W
    websocket_id: str
    message_id_factory: MessageIdFactory
    sequence_provider: SequenceProvider

    async def frame(self, event: Any) -> dict[str, Any] | None:
        """The frame for this socket, with a fresh ``msg_id`` and the next ``seq``, or ``None`` when not a recipient.

        Raises ``RecipientMapDoesNotExist`` for an unknown recipient, as 0.3.0 did.
        """
        return await emitter_frame(event, self.websocket_id, self.message_id_factory, self.sequence_provider)


class EndpointBase[W]:
    """One WebSocket of an authenticated user, served by the runtime until the client leaves.

    ``message_id_factory`` is kept for 0.3.0 callers; the runtime makes its own message ids.
    """

    def __init__(
        self,
        websocket: W,
        user_id: UserId,
        *,
        websocket_id: str | None = None,
        message_id_factory: MessageIdFactory = create_websocket_message_id,
    ) -> None:
        self.websocket = websocket
        self.user_id = user_id
        self.websocket_id = websocket_id or str(uuid4())
        self.message_id_factory = message_id_factory
