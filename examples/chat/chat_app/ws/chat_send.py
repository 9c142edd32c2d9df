"""Handler of the ``chat.send`` action."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from beeflow_websocket.runtime import ActionContext

from ._generated import events, models
from ._generated.actions import ChatSendBase, ChatSendReply
from ._rooms import group, require_member, user_name


class ChatSend(ChatSendBase):
    """Post a message: every member of the room, the sender included, gets ``chat.message_posted``."""

    async def execute(self, payload: models.ChatSendPayload, context: ActionContext) -> AsyncIterator[ChatSendReply]:
        require_member(context, payload.room)
        yield events.ChatMessagePosted(
            recipient="group",
            recipient_id=group(payload.room),
            payload=models.ChatMessage(
                id=uuid.uuid4(),
                room=payload.room,
                author=user_name(context),
                text=payload.text,
                sent_at=datetime.now(UTC),
            ),
        )
