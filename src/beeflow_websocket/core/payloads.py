"""The frames of the wire protocol as pydantic models.

These models describe and validate frames; they mirror ``schema/frames/*.json`` (a test keeps the
two in step). The dispatcher validates incoming frames with per-action subclasses of
:class:`WebSocketActionPayload` and writes outgoing frames directly, so the models below are what
tests, tools and 0.3.0-style handlers see.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

__all__ = [
    "ACTION_NAME_PATTERN",
    "UUID_PATTERN",
    "ActionName",
    "CompletionPayload",
    "ErrorItem",
    "ErrorPayload",
    "JsonInt",
    "Uuid",
    "WebSocketActionPayload",
    "WebSocketEventPayload",
]

#: Message and request ids: UUIDs in canonical text form (8-4-4-4-12 hex digits, either case).
#: They stay text: echoing a ``req_id`` back costs nothing and keeps the client's spelling.
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
Uuid = Annotated[str, StringConstraints(pattern=UUID_PATTERN)]


def _json_integer(value: object) -> object:
    # JSON Schema "integer": any number with no fractional part (1.0 and 1e30 count), never a
    # string or a boolean, which pydantic's lax int would coerce.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be an integer number")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("must be an integer number")
        return int(value)
    return value


#: An integer as JSON Schema means it.
JsonInt = Annotated[int, BeforeValidator(_json_integer)]

#: An action name must contain a character that is not ASCII white space ("blank" names are invalid).
ACTION_NAME_PATTERN = r"[^\t\n\v\f\r ]"
ActionName = Annotated[str, StringConstraints(pattern=ACTION_NAME_PATTERN)]


class WebSocketActionPayload(BaseModel):
    """An action frame sent by the client: ``{"msg_id", "req_id", "action", "payload"}``."""

    model_config = ConfigDict(frozen=True)

    msg_id: Uuid
    req_id: Uuid
    action: ActionName
    payload: dict[str, Any]


class WebSocketEventPayload(BaseModel):
    """An event frame sent by the server.

    ``seq`` counts the events this connection has received (1, 2, 3, ... with no gaps); ``req_id``
    is set only on the connection whose action produced the event.
    """

    model_config = ConfigDict(frozen=True)

    msg_id: Uuid
    req_id: Uuid | None
    seq: Annotated[JsonInt, Field(ge=1)]
    event: str
    recipient: str
    recipient_id: str
    payload: dict[str, Any]


class ErrorItem(BaseModel):
    """One field-level failure: a JSON pointer into the action frame and what is wrong there."""

    pointer: str
    detail: str


class ErrorPayload(BaseModel):
    """An RFC 9457 problem frame. It has no ``seq``: problems are not events."""

    model_config = ConfigDict(extra="allow", frozen=True)

    type: str
    title: str
    status: Annotated[JsonInt, Field(ge=400, le=599)]
    detail: str | None = None
    code: str
    instance: str | None = None
    msg_id: Uuid
    req_id: Uuid | None = None
    errors: list[ErrorItem] | None = None


class CompletionPayload(BaseModel):
    """Sent only to clients that negotiated completion (subprotocol ``beeflow.v1``).

    It closes a request that succeeded: every event for it has been sent (``events`` counts those
    that reached this connection). A request that failed ends with a problem frame instead.
    """

    model_config = ConfigDict(frozen=True)

    msg_id: Uuid
    req_id: Uuid
    completed: str
    events: Annotated[JsonInt, Field(ge=0)]
