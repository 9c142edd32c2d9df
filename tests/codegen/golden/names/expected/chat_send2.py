"""Handler of the ``chat.send`` action: yours to edit.

``beeflow-websocket generate`` created this module once and never overwrites it.
Until ``execute`` does something other than raise ``ActionNotImplemented``, the
action answers 501 and ``beeflow-websocket check`` lists it as not implemented.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from beeflow_websocket.runtime import ActionContext, ActionNotImplemented

from ._generated import models
from ._generated.actions import ChatSend2Base, ChatSend2Reply


class ChatSend2(ChatSend2Base):
    """The ``chat.send`` action."""

    async def execute(self, payload: models.ChatSendPayload2, context: ActionContext) -> AsyncIterator[ChatSend2Reply]:
        # This action declares no reply events: yield none, or events you choose.
        raise ActionNotImplemented("chat.send")
        yield
