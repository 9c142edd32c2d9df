"""Handler of the ``fire-and-forget`` action: yours to edit.

``beeflow-websocket generate`` created this module once and never overwrites it.
Until ``execute`` does something other than raise ``ActionNotImplemented``, the
action answers 501 and ``beeflow-websocket check`` lists it as not implemented.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from beeflow_websocket.runtime import ActionContext, ActionNotImplemented

from ._generated import models
from ._generated.actions import LaunchBase, LaunchReply


class Launch(LaunchBase):
    """The ``fire-and-forget`` action."""

    async def execute(self, payload: models.LaunchPayload, context: ActionContext) -> AsyncIterator[LaunchReply]:
        # This action declares no reply events: yield none, or events you choose.
        raise ActionNotImplemented("fire-and-forget")
        yield
