"""The frames of the wire protocol as pydantic models.

:class:`WebSocketActionPayload`, :class:`EventFrame`, :class:`ProblemFrame` and
:class:`CompletionPayload` describe and validate frames; they mirror ``schema/frames/*.json`` (a
test keeps them in step). The dispatcher validates incoming frames with per-action subclasses of
:class:`WebSocketActionPayload` and writes outgoing frames directly.

:class:`WebSocketEventPayload`, :class:`ErrorPayload` and :class:`WebSocketRequestIdentifier` keep
0.3.0's contracts: an event's ``emit()`` builds a :class:`WebSocketEventPayload` without ``msg_id``
and ``seq`` (the runtime adds them per connection), and an :class:`ErrorPayload` without ``msg_id``.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, Self
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StringConstraints, field_validator

__all__ = [
    "ACTION_NAME_PATTERN",
    "UUID_PATTERN",
    "ActionName",
    "CompletionPayload",
    "ErrorItem",
    "ErrorPayload",
    "EventFrame",
    "JsonInt",
    "ProblemFrame",
    "SessionFrame",
    "SessionState",
    "Uuid",
    "WebSocketActionPayload",
    "WebSocketEventPayload",
    "WebSocketRequestIdentifier",
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


def _json_number(value: object) -> object:
    # JSON Schema "number": never a string or a boolean, which pydantic's lax float would coerce.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a number")
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


class EventFrame(BaseModel):
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


#: ``seq`` of a completion or problem frame: only on ``beeflow.v2`` (absent otherwise, never null).
SessionSeq = Annotated[JsonInt, Field(ge=1)] | None


def _never_null(field: str, when_present: str) -> Any:
    """A validator: ``field`` may be absent but never null (``when_present`` says what it is then)."""

    def check(value: object) -> object:
        if value is None:
            raise ValueError(f"{field} is {when_present} when present")
        return value

    return field_validator(field, mode="before")(check)


class ProblemFrame(BaseModel):
    """An RFC 9457 problem frame. It has no ``seq`` (problems are not events), except on
    ``beeflow.v2``, where every frame of a session is numbered."""

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
    #: Seconds to wait before sending again (429 ``websocket_rate_limited``); absent from other problems.
    retry_after: Annotated[float, BeforeValidator(_json_number), Field(ge=0)] | None = None
    seq: SessionSeq = None

    _seq_present = _never_null("seq", "a whole number")
    _retry_after_present = _never_null("retry_after", "a number of seconds")


class CompletionPayload(BaseModel):
    """Sent only to clients that negotiated completion (subprotocol ``beeflow.v1`` or ``beeflow.v2``,
    where it carries ``seq``).

    It closes a request that succeeded: every event for it has been sent (``events`` counts those
    that reached this connection). A request that failed ends with a problem frame instead.
    """

    model_config = ConfigDict(frozen=True)

    msg_id: Uuid
    req_id: Uuid
    seq: SessionSeq = None
    completed: str
    events: Annotated[JsonInt, Field(ge=0)]

    _seq_present = _never_null("seq", "a whole number")


class SessionState(BaseModel):
    """The ``session`` member of a session frame (see :mod:`beeflow_websocket.core.sessions`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
    epoch: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{16}$")]
    resumed: StrictBool
    #: Why a resume was refused; absent otherwise (never null).
    resync: Literal["unknown-session", "epoch-changed", "history-gap", "user-changed"] | None = None

    _resync_present = _never_null("resync", "a reason")


class SessionFrame(BaseModel):
    """The first frame of a ``beeflow.v2`` connection: the session it serves. It has no ``seq``."""

    model_config = ConfigDict(frozen=True)

    msg_id: Uuid
    session: SessionState


def _not_blank(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = value.strip()
    if not stripped:
        raise ValueError("must not be blank")
    return stripped


class WebSocketRequestIdentifier(BaseModel):
    """0.3.0: the ``req_id`` of a raw frame, read before the rest is validated."""

    model_config = ConfigDict(frozen=True)

    req_id: UUID


class WebSocketEventPayload(BaseModel):
    """0.3.0's event envelope: what a 0.3.0 event's ``emit()`` returns.

    ``msg_id`` and ``seq`` are left out by the event and added per connection on delivery;
    ``req_id`` is the one the event sets (none: the frame carries ``req_id`` null).
    """

    model_config = ConfigDict(frozen=True)

    msg_id: UUID | None = None
    req_id: UUID | None = None
    seq: int | None = Field(default=None, ge=1)
    event: str = Field(min_length=1)
    recipient: str = Field(min_length=1)
    recipient_id: str = Field(min_length=1)
    payload: dict[str, object]

    @field_validator("event", "recipient", "recipient_id")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        # The check of _not_blank written out: every 0.3.0 event's emit() runs it three times.
        stripped = value.strip()
        if not stripped:
            raise ValueError("must not be blank")
        return stripped

    def with_dispatch_metadata(self, *, msg_id: UUID, seq: int) -> Self:
        """The same envelope with the ``msg_id`` and ``seq`` of one delivery."""
        return self.model_copy(update={"msg_id": msg_id, "seq": seq})

    def to_dict(self) -> dict[str, object]:
        """The frame as JSON-ready data (members that are None left out, as 0.3.0 did)."""
        return self.model_dump(mode="json", exclude_none=True)


class ErrorPayload(BaseModel):
    """0.3.0's RFC 9457 problem body, for code that builds its own problems."""

    model_config = ConfigDict(frozen=True)

    msg_id: UUID | None = None
    req_id: UUID | None = None
    type: str = Field(min_length=1)
    title: str = Field(min_length=1)
    status: int = Field(ge=400, le=599)
    detail: str = Field(min_length=1)
    code: str = Field(min_length=1)
    instance: str | None = Field(default=None, min_length=1)

    media_type: ClassVar[str] = "application/problem+json"

    @field_validator("type", "title", "detail", "code", "instance")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        return _not_blank(value)

    def with_message_id(self, msg_id: UUID) -> Self:
        """The same problem with the server's ``msg_id``."""
        return self.model_copy(update={"msg_id": msg_id})

    def to_dict(self) -> dict[str, object]:
        """The problem as JSON-ready data (members that are None left out, as 0.3.0 did)."""
        return self.model_dump(mode="json", exclude_none=True)
