"""Actions of the 0.3.0 application, written against 0.3.0's API."""

from collections.abc import AsyncIterator

from beeflow_websocket.core.action_registry import ActionContext, ActionRegistryMeta
from beeflow_websocket.core.payloads import WebSocketActionPayload

from . import store
from .events import MessageEvent, RoomJoinedEvent


class JoinRoom(metaclass=ActionRegistryMeta, name="room.join"):
    """Join a room: ``{"room": "..."}``."""

    async def execute(self, message: WebSocketActionPayload, context: ActionContext) -> AsyncIterator[RoomJoinedEvent]:
        room = str(message.payload["room"])
        store.join(room, context.websocket_id)
        yield RoomJoinedEvent(
            recipient="websocket", recipient_id=context.websocket_id, req_id=message.req_id, room=room
        )


class Say(metaclass=ActionRegistryMeta, name="room.say"):
    """Send a text: ``{"recipient": "room" | "websocket" | "user", "to": "...", "text": "..."}``."""

    async def execute(self, message: WebSocketActionPayload, context: ActionContext) -> AsyncIterator[MessageEvent]:
        payload = message.payload
        yield MessageEvent(
            recipient=str(payload["recipient"]),
            recipient_id=str(payload["to"]),
            sender=int(context.user_id),
            text=str(payload["text"]),
        )
