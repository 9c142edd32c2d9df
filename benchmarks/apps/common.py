"""The actions both sides of the adapter benchmarks answer: an echo of a five-field payload, written
twice: typed (a pydantic payload and event) and as the 0.3.0 README shows (``message.payload`` read
as a dict, a 0.3.0 event with ``emit()``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from beeflow_websocket.core.action_registry import ActionContext, ActionRegistryMeta
from beeflow_websocket.core.event_registry import EventRegistryMeta, WebSocketEvent
from beeflow_websocket.core.payloads import WebSocketActionPayload, WebSocketEventPayload


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


class Echoed030(metaclass=EventRegistryMeta, name="bench.echoed030"):
    """A 0.3.0 event: a plain class whose ``emit()`` builds the envelope."""

    def __init__(self, recipient: str, recipient_id: str, req_id: Any, payload: dict[str, Any]) -> None:
        self.recipient = recipient
        self.recipient_id = recipient_id
        self.req_id = req_id
        self.payload = payload

    async def emit(self) -> WebSocketEventPayload:
        return WebSocketEventPayload(
            req_id=self.req_id,
            event="bench.echoed030",
            recipient=self.recipient,
            recipient_id=self.recipient_id,
            payload=self.payload,
        )


class Echo030(metaclass=ActionRegistryMeta, name="bench.echo030"):
    """The same echo written as the 0.3.0 README shows: ``message.payload`` read as a dict."""

    async def execute(self, message: WebSocketActionPayload, context: ActionContext) -> AsyncIterator[Echoed030]:
        payload = message.payload
        yield Echoed030("websocket", context.websocket_id, message.req_id, payload)
