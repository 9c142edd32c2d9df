"""The conformance actions plus two that the multi-worker tests need."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

from pydantic import BaseModel, ConfigDict

from beeflow_websocket.core.action_registry import ActionContext, ActionRegistryMeta
from beeflow_websocket.core.event_registry import WebSocketEvent
from beeflow_websocket.core.payloads import WebSocketActionPayload
from tests.conformance.apps import actions as _conformance_actions  # noqa: F401 - registers them
from tests.conformance.apps.events import Said, SaidPayload


class WherePayload(BaseModel):
    pid: int
    websocket_id: str


class Where(WebSocketEvent, name="where"):
    payload: WherePayload


class WhereAmI(metaclass=ActionRegistryMeta, name="where"):
    """Which worker process serves this connection, and its websocket id."""

    async def execute(self, message: WebSocketActionPayload, context: ActionContext) -> AsyncIterator[Where]:
        yield Where(
            recipient="websocket",
            recipient_id=context.websocket_id,
            payload=WherePayload(pid=os.getpid(), websocket_id=context.websocket_id),
        )


class TellPayload(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    websocket_id: str
    text: str


class Tell(metaclass=ActionRegistryMeta, name="tell"):
    """Send a text to one websocket, wherever it is connected."""

    async def execute(self, payload: TellPayload, context: ActionContext) -> AsyncIterator[Said]:
        yield Said(
            recipient="websocket",
            recipient_id=payload.websocket_id,
            payload=SaidPayload(sender=str(context.user_id), text=payload.text),
        )
