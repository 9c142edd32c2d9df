"""Handler of the ``chat_send`` action: yours to edit.

``beeflow-websocket generate`` created this module once and never overwrites it.
Until ``execute`` does something other than raise ``ActionNotImplemented``, the
action answers 501 and ``beeflow-websocket check`` lists it as not implemented.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from beeflow_websocket.runtime import ActionContext, ActionNotImplemented

from ._generated import models
from ._generated.actions import ChatSend3Base, ChatSend3Reply


class ChatSend3(ChatSend3Base):
    """The ``chat_send`` action."""

    async def execute(self, payload: models.ChatSendPayload3, context: ActionContext) -> AsyncIterator[ChatSend3Reply]:
        # This action declares no reply events: yield none, or events you choose.
        raise ActionNotImplemented("chat_send")
        yield
