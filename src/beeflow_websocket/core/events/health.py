"""The ``health`` event: the answer to the built-in ``health`` action."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from beeflow_websocket.core._pydantic import trusted
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

    def frame_body(self) -> str:
        # With the shared payload the body depends on the recipient alone: encoded once per
        # recipient (a connection asking again and again gets the same text).
        if self.payload is not _OK or type(self) is not HealthEvent:
            return super().frame_body()
        key = (self.recipient, self.recipient_id)
        body = _bodies.get(key)
        if body is None:
            if len(_bodies) >= _MAX_BODIES:
                _bodies.clear()
            body = _bodies[key] = super().frame_body()
        return body


_bodies: dict[tuple[str, object], str] = {}
_MAX_BODIES = 4096


def health_answer(websocket_id: str, req_id: str) -> HealthEvent:
    """``HealthEvent(recipient="websocket", recipient_id=websocket_id, req_id=req_id)`` for a
    connection's own id and the ``req_id`` of a frame the runtime has validated, without validating
    them again."""
    if type(websocket_id) is not str or type(req_id) is not str:  # not what a connection holds: validate
        return HealthEvent(recipient="websocket", recipient_id=websocket_id, req_id=req_id)
    values = {"recipient": "websocket", "recipient_id": websocket_id, "req_id": req_id, "payload": _OK}
    return trusted(HealthEvent, values, {"recipient", "recipient_id", "req_id"})
