"""Events of the 0.3.0 application, in 0.3.0's shape (see 0.3.0's bundled ``HealthEvent``)."""

from uuid import UUID

from beeflow_websocket.core.event_registry import EventRegistryMeta
from beeflow_websocket.core.payloads import WebSocketEventPayload


class RoomJoinedEvent(metaclass=EventRegistryMeta, name="room.joined"):
    """Tell the sender it joined a room, and under which websocket id."""

    def __init__(self, recipient: str, recipient_id: str, req_id: UUID, room: str) -> None:
        self.recipient = recipient
        self.recipient_id = recipient_id
        self.req_id = req_id
        self.room = room

    async def emit(self) -> WebSocketEventPayload:
        return WebSocketEventPayload(
            req_id=self.req_id,
            event="room.joined",
            recipient=self.recipient,
            recipient_id=self.recipient_id,
            payload={"room": self.room, "websocket_id": self.recipient_id},
        )


class MessageEvent(metaclass=EventRegistryMeta, name="room.message"):
    """A message to a room, to one websocket or to a user's websockets."""

    def __init__(self, recipient: str, recipient_id: str, sender: int, text: str) -> None:
        self.recipient = recipient
        self.recipient_id = recipient_id
        self.sender = sender
        self.text = text

    async def emit(self) -> WebSocketEventPayload:
        return WebSocketEventPayload(
            event="room.message",
            recipient=self.recipient,
            recipient_id=self.recipient_id,
            payload={"sender": self.sender, "text": self.text},
        )
