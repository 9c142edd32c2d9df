"""Handler of the ``greet`` action: yours to edit.

``beeflow-websocket generate`` created this module once and never overwrites it.
Until ``execute`` does something other than raise ``ActionNotImplemented``, the
action answers 501 and ``beeflow-websocket check`` lists it as not implemented.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from beeflow_websocket.runtime import ActionContext, ActionNotImplemented

from ._generated import models
from ._generated.actions import GreetBase, GreetReply


class Greet(GreetBase):
    """Ask for a greeting.

    Replies: ``greeted``. Problems: ``name_taken`` (409).
    """

    async def execute(self, payload: models.GreetPayload, context: ActionContext) -> AsyncIterator[GreetReply]:
        # Yield the events that answer the action, e.g. (with
        # `from ._generated import events`):
        # yield events.Greeted(
        #     recipient="websocket",
        #     recipient_id=context.websocket_id,
        #     payload=models.Greeting(...),
        # )
        raise ActionNotImplemented("greet")
        yield
