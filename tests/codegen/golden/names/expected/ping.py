"""Handler of the ``ping`` action: yours to edit.

``beeflow-websocket generate`` created this module once and never overwrites it.
Until ``execute`` does something other than raise ``ActionNotImplemented``, the
action answers 501 and ``beeflow-websocket check`` lists it as not implemented.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from beeflow_websocket.runtime import ActionContext, ActionNotImplemented

from ._generated import models
from ._generated.actions import PingBase, PingReply


class Ping(PingBase):
    """The ``ping`` action.

    Replies: ``ping``.
    """

    async def execute(self, payload: models.PingPayload, context: ActionContext) -> AsyncIterator[PingReply]:
        # Yield the events that answer the action, e.g. (with
        # `from ._generated import events`):
        # yield events.PingEvent(
        #     recipient="websocket",
        #     recipient_id=context.websocket_id,
        #     payload=models.PingPayload2(...),
        # )
        raise ActionNotImplemented("ping")
        yield
