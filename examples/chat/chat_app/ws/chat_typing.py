"""Handler of the ``chat.typing`` action."""

from __future__ import annotations

from collections.abc import AsyncIterator

from beeflow_websocket.runtime import ActionContext

from ._generated import events, models
from ._generated.actions import ChatTypingBase, ChatTypingReply
from ._rooms import group, require_member, user_name


class ChatTyping(ChatTypingBase):
    """Tell the room that the sender started or stopped typing (everyone sees ``chat.typing_changed``)."""

    async def execute(
        self, payload: models.ChatTypingPayload, context: ActionContext
    ) -> AsyncIterator[ChatTypingReply]:
        require_member(context, payload.room)
        yield events.ChatTypingChanged(
            recipient="group",
            recipient_id=group(payload.room),
            payload=models.ChatTypingChangedPayload(room=payload.room, user=user_name(context), typing=payload.typing),
        )
