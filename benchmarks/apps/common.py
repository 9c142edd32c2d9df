"""The action both sides of the adapter benchmarks answer: a typed echo of a five-field payload."""

from __future__ import annotations

from collections.abc import AsyncIterator
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from beeflow_websocket.core.action_registry import ActionContext, ActionRegistryMeta
from beeflow_websocket.core.event_registry import WebSocketEvent


class Colour(StrEnum):
    RED = "red"
    GREEN = "green"


class EchoPayload(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    text: str
    count: int
    ratio: float
    flag: bool
    colour: Colour


class Echoed(WebSocketEvent, name="bench.echoed"):
    payload: EchoPayload


class Echo(metaclass=ActionRegistryMeta, name="bench.echo"):
    async def execute(self, payload: EchoPayload, context: ActionContext) -> AsyncIterator[Echoed]:
        yield Echoed(recipient="websocket", recipient_id=context.websocket_id, payload=payload)
