"""The ``health`` event: the answer to the built-in ``health`` action."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from beeflow_websocket.core.event_registry import WebSocketEvent

__all__ = ["HealthEvent", "HealthEventPayload"]


class HealthEventPayload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    status: Literal["ok"] = "ok"


_OK = HealthEventPayload()


class HealthEvent(WebSocketEvent, name="health", builtin=True):
    """Tells the client the server is alive."""

    # One shared immutable payload: pydantic does not copy frozen model defaults.
    payload: HealthEventPayload = _OK
