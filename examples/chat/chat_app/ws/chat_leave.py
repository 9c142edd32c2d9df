"""Handler of the ``chat.leave`` action."""

from __future__ import annotations

from collections.abc import AsyncIterator

from beeflow_websocket.runtime import ActionContext

from ._generated import events, models
from ._generated.actions import ChatLeaveBase, ChatLeaveReply
from ._rooms import group, require_member, user_name


class ChatLeave(ChatLeaveBase):
    """Leave a room: the remaining members and the leaver get ``chat.left``."""

    async def execute(self, payload: models.RoomRef, context: ActionContext) -> AsyncIterator[ChatLeaveReply]:
        require_member(context, payload.room)
        await context.leave_group(group(payload.room))
        presence = models.Presence(room=payload.room, user=user_name(context))
        yield events.ChatLeft(recipient="group", recipient_id=group(payload.room), payload=presence)
        yield events.ChatLeft(recipient="websocket", recipient_id=context.websocket_id, payload=presence)
