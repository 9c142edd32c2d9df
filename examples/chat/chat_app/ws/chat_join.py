"""Handler of the ``chat.join`` action."""

from __future__ import annotations

from collections.abc import AsyncIterator

from beeflow_websocket.runtime import ActionContext

from ._generated import events, models, problems
from ._generated.actions import ChatJoinBase, ChatJoinReply
from ._rooms import MAX_ROOMS, group, user_name


class ChatJoin(ChatJoinBase):
    """Join a room: every member, the newcomer included, gets ``chat.joined``."""

    async def execute(self, payload: models.RoomRef, context: ActionContext) -> AsyncIterator[ChatJoinReply]:
        if group(payload.room) not in context.groups:
            if len(context.groups) >= MAX_ROOMS:
                raise problems.TooManyRooms(f"You are already in {MAX_ROOMS} rooms; leave one first.")
            await context.join_group(group(payload.room))
        yield events.ChatJoined(
            recipient="group",
            recipient_id=group(payload.room),
            payload=models.Presence(room=payload.room, user=user_name(context)),
        )
