"""Events of the conformance apps."""

from __future__ import annotations

from pydantic import BaseModel

from beeflow_websocket.core.event_registry import WebSocketEvent


class EchoedPayload(BaseModel):
    text: str


class Echoed(WebSocketEvent, name="echoed"):
    payload: EchoedPayload


class SaidPayload(BaseModel):
    sender: str
    text: str


class Said(WebSocketEvent, name="said"):
    payload: SaidPayload


class WhoAmI(WebSocketEvent, name="whoami"):
    pass
