"""Reading action frames and writing event, problem and completion frames.

Reading is one pass: the raw frame goes to a single pydantic ``validate_json`` over a union of
per-action envelopes, discriminated by ``action``, so the envelope and the action's typed payload
are checked together. Only a frame that fails is parsed again, to say precisely why.

Writing splices pre-encoded JSON: an event's members after ``seq`` are encoded once however many
connections receive it, and each connection adds its own ``msg_id``, ``req_id`` and ``seq``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Annotated, Any, ClassVar, Literal, Union, cast
from uuid import UUID

from pydantic import Field, TypeAdapter, ValidationError, create_model
from pydantic_core import ErrorDetails, SchemaSerializer, from_json

from .action_registry import ActionRegistryMeta
from .payloads import UUID_PATTERN, WebSocketActionPayload, WebSocketEventPayload
from .problems import (
    INTERNAL_ERROR,
    INVALID_MESSAGE,
    INVALID_PAYLOAD,
    UNKNOWN_ACTION,
    WebSocketProblem,
    problem_type,
)
from .registry import Registry

__all__ = [
    "ActionDecoder",
    "FrameRejected",
    "FrameValidationFailed",
    "completion_frame",
    "decoded_req_id",
    "emitted_members",
    "event_frame",
    "event_name_json",
    "json_pointer",
    "known_event_names",
    "problem_frame",
    "session_frame",
]


class FrameRejected(Exception):  # noqa: N818 - a verdict on a frame, not a program error
    """The client sent a frame the protocol cannot accept; ``problem`` says why."""

    def __init__(self, problem: WebSocketProblem, req_id: str | None) -> None:
        super().__init__(problem.detail)
        self.problem = problem
        self.req_id = req_id


class FrameValidationFailed(FrameRejected):
    """Validating the frame raised something other than a validation error (a server-side fault).

    ``problem`` is a 500 that says nothing about the cause; the cause is chained for the log.
    """


#: What the client reads when validating its frame failed on the server's side.
VALIDATION_FAILED_DETAIL = "The server could not validate the message. The incident has been logged."


def json_pointer(loc: Iterable[int | str]) -> str:
    """RFC 6901 pointer for a pydantic error location."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in loc)


def _error_items(errors: Sequence[ErrorDetails], *, skip: int = 0) -> list[dict[str, str]]:
    return [{"pointer": json_pointer(error["loc"][skip:]), "detail": error["msg"]} for error in errors]


def _envelope_model(action: type[Any]) -> type[WebSocketActionPayload]:
    """A subclass of the action frame whose ``action`` is this action and ``payload`` its model."""
    cached = action.__dict__.get("_beeflow_envelope")
    if cached is not None and cached.__action_class__ is action:
        return cast(type[WebSocketActionPayload], cached)
    payload: Any = action.payload_model or dict[str, Any]
    model = create_model(
        f"{action.__name__}Frame",
        __base__=WebSocketActionPayload,
        action=(cast(Any, Literal[action.action_name]), ...),
        payload=(payload, ...),
    )
    model.__action_class__ = action  # type: ignore[attr-defined]
    action._beeflow_envelope = model
    return model


class _Frame(WebSocketActionPayload):
    __action_class__: ClassVar[type[Any]]


class ActionDecoder:
    """Turns raw frames into validated action frames, following an action registry: the
    process-wide one, or ``registry`` (an application's :class:`~.action_set.ActionSet`)."""

    def __init__(self, registry: Registry[type[Any]] | None = None) -> None:
        self.registry = ActionRegistryMeta.registry if registry is None else registry
        self._version = -1
        self._adapter: TypeAdapter[Any] | None = None
        self._validate_json: Callable[[str | bytes], Any] | None = None

    def _current(self) -> Callable[[str | bytes], Any] | None:
        registry = self.registry
        if registry.version != self._version:
            variants = [_envelope_model(cls) for _, cls in registry.items()]
            if not variants:
                self._adapter = None
            elif len(variants) == 1:
                self._adapter = TypeAdapter(variants[0])
            else:
                union: Any = Union[tuple(variants)]  # noqa: UP007 - built at run time
                self._adapter = TypeAdapter(cast(Any, Annotated[union, Field(discriminator="action")]))
            # pydantic-core's own validate_json, without TypeAdapter's wrapper around it.
            self._validate_json = None if self._adapter is None else self._adapter.validator.validate_json
            self._version = registry.version
        return self._validate_json

    def decode(self, frame: str | bytes) -> _Frame:
        """Validate a frame; raise :class:`FrameRejected` with the problem to answer.

        Any other exception raised while validating (a payload model's validator that fails, a
        ``RecursionError`` in a recursive model) becomes :class:`FrameValidationFailed`, a 500:
        no frame ends the connection.
        """
        try:
            # The registry's version checked here: a call less per frame when it has not changed.
            validate_json = self._validate_json if self.registry.version == self._version else self._current()
            if validate_json is not None:
                try:
                    message: _Frame = validate_json(frame)  # no cast(): a call per frame
                except ValidationError:
                    pass
                else:
                    if not _may_hold_non_finite(frame):
                        return message
                    try:
                        from_json(frame, allow_inf_nan=False)
                    except ValueError:
                        pass  # NaN or Infinity outside a string: not JSON (RFC 8259 6)
                    else:
                        return message  # the letters were inside a string
            rejected = self._diagnose(frame)
        except Exception as error:
            raise FrameValidationFailed(INTERNAL_ERROR.problem(VALIDATION_FAILED_DETAIL), _req_id_of(frame)) from error
        raise rejected

    def _diagnose(self, frame: str | bytes) -> FrameRejected:
        try:
            data = from_json(frame, allow_inf_nan=False)
        except ValueError as error:
            return FrameRejected(INVALID_MESSAGE.problem(f"The frame is not valid JSON: {error}."), None)
        except TypeError:  # a str holding a lone surrogate, which has no UTF-8 form
            return FrameRejected(INVALID_MESSAGE.problem("The frame is not valid Unicode text."), None)
        if not isinstance(data, dict):
            return FrameRejected(INVALID_MESSAGE.problem("The frame must be a JSON object."), None)
        try:
            envelope = WebSocketActionPayload.model_validate_json(frame)
        except ValidationError as error:
            return FrameRejected(
                INVALID_MESSAGE.problem(
                    "The frame is not a valid action frame.",
                    errors=_error_items(error.errors(include_url=False)),
                ),
                _valid_uuid(data.get("req_id")),
            )
        action = self.registry.get(envelope.action)
        if action is None:
            return FrameRejected(UNKNOWN_ACTION.problem(f"Unknown action '{envelope.action}'."), envelope.req_id)
        try:
            _envelope_model(action).model_validate_json(frame)
        except ValidationError as error:
            return FrameRejected(
                INVALID_PAYLOAD.problem(
                    f"The payload does not match the schema of action '{envelope.action}'.",
                    errors=_error_items(error.errors(include_url=False)),
                ),
                envelope.req_id,
            )
        # Unreachable unless the registry changed between the two validations: answer generically.
        return FrameRejected(INVALID_MESSAGE.problem("The frame could not be validated."), envelope.req_id)


def _may_hold_non_finite(frame: str | bytes) -> bool:
    """Whether ``frame`` holds the letters of ``NaN`` or ``Infinity``, which pydantic's JSON parser
    takes as numbers. A substring search, far cheaper than a second parse; only a frame that holds
    them is parsed again, strictly."""
    if isinstance(frame, str):
        return "NaN" in frame or "Infinity" in frame
    return b"NaN" in frame or b"Infinity" in frame


_UUID_RE = re.compile(UUID_PATTERN.removesuffix("$"))


def _req_id_of(frame: str | bytes) -> str | None:
    try:
        data = from_json(frame)
    except Exception:
        return None
    return _valid_uuid(data.get("req_id")) if isinstance(data, dict) else None


def _valid_uuid(value: object) -> str | None:
    if isinstance(value, str) and len(value) == 36 and _UUID_RE.match(value):
        return value
    return None


def encode_event(event: Any) -> str:
    """Encode a :class:`~beeflow_websocket.core.event_registry.WebSocketEvent` once for delivery.

    Returns the frame members from ``event`` to the closing brace; each receiving connection puts
    its own ``msg_id``, ``req_id`` and ``seq`` in front (:func:`event_frame`).
    """
    name_json = event_name_json(type(event))
    if not name_json:
        raise TypeError(f"{event!r} is a 0.3.0 event: encode what its emit() returns (emitted_members)")
    return f'"event":{name_json},{event.frame_body()}'


#: Event classes already seen by :func:`event_name_json`, with its answer (the registries hold them
#: anyway); the connection reads it before calling.
known_event_names: dict[type, str] = {}


def event_name_json(cls: type) -> str:
    """The JSON text of the wire name of a ``WebSocketEvent`` class; ``""`` for a 0.3.0 event class
    (delivered through ``emit()``, :func:`emitted_members`). Raises ``TypeError`` for anything else.

    Asking the class each time would cost as much as encoding: a missing attribute on a pydantic
    model class goes through its metaclass's ``__getattr__``.
    """
    answer = known_event_names.get(cls)
    if answer is None:
        if hasattr(cls, "__beeflow_event_json__"):
            answer = cls.__beeflow_event_json__
        elif callable(getattr(cls, "emit", None)):
            answer = ""
        else:
            raise TypeError(
                f"handlers must yield registered events (WebSocketEvent subclasses with name=, or 0.3.0 "
                f"event classes with an async emit()), got an instance of {cls!r}"
            )
        known_event_names[cls] = answer
    return answer


_EMITTED_MEMBERS = {"event": True, "recipient": True, "recipient_id": True, "payload": True}


def emitted_members(event: Any, envelope: Any) -> tuple[str, str, str, str | None]:
    """The frame tail, ``recipient``, ``recipient_id`` and ``req_id`` of the envelope a 0.3.0
    event's ``emit()`` returned (raises ``TypeError`` for anything but a ``WebSocketEventPayload``)."""
    if type(envelope) is WebSocketEventPayload:
        values = envelope.__dict__
        req_id = values["req_id"]
        name, recipient, recipient_id = values["event"], values["recipient"], values["recipient_id"]
        if (
            values["msg_id"] is None
            and values["seq"] is None
            and (req_id is None or type(req_id) is UUID)
            and type(name) is str
            and type(recipient) is str
            and type(recipient_id) is str
        ):
            # The members written one by one by the serialisers of the envelope's own fields (the
            # same bytes as writing the whole envelope, in half the time): the names and ids come
            # back frame after frame, so their JSON is kept; only the payload is written each time.
            tail = (
                f'"event":{_quoted(name)},"recipient":{_quoted(recipient)},"recipient_id":{_quoted(recipient_id)},'
                f'"payload":{_write_payload(values["payload"]).decode()}}}'
            )
            return tail, recipient, recipient_id, None if req_id is None else _write_uuid(req_id).decode()[1:-1]
    elif not isinstance(envelope, WebSocketEventPayload):
        raise TypeError(f"{type(event).__qualname__}.emit() must return a WebSocketEventPayload, got {envelope!r}")
    # A subclass may write its members its own way; msg_id or seq set: leave them out. Values
    # model_construct put in unchecked go this way too.
    tail = envelope.__pydantic_serializer__.to_json(envelope, include=_EMITTED_MEMBERS).decode()[1:]
    written = None if envelope.req_id is None else str(envelope.req_id)
    return tail, envelope.recipient, envelope.recipient_id, written


def _field_serializer(name: str) -> SchemaSerializer:
    """The serialiser :class:`WebSocketEventPayload` writes field ``name`` with."""
    annotation: Any = WebSocketEventPayload.model_fields[name].annotation
    return TypeAdapter(annotation).serializer


_write_payload = _field_serializer("payload").to_json
_write_text = _field_serializer("event").to_json
_write_uuid = TypeAdapter(UUID).serializer.to_json
_quoted_texts: dict[str, str] = {}


def _quoted(text: str) -> str:
    quoted = _quoted_texts.get(text)
    if quoted is None:
        if len(_quoted_texts) >= 4096:
            _quoted_texts.clear()
        quoted = _quoted_texts[text] = _write_text(text).decode()
    return quoted


def event_frame(msg_id: str, req_id: str | None, seq: int, tail: str) -> str:
    if req_id is None:
        return f'{{"msg_id":"{msg_id}","req_id":null,"seq":{seq},{tail}'
    return f'{{"msg_id":"{msg_id}","req_id":"{req_id}","seq":{seq},{tail}'


def completion_frame(msg_id: str, req_id: str, action_json: str, events: int, seq: int | None = None) -> str:
    if seq is None:
        return f'{{"msg_id":"{msg_id}","req_id":"{req_id}","completed":{action_json},"events":{events}}}'
    return f'{{"msg_id":"{msg_id}","req_id":"{req_id}","seq":{seq},"completed":{action_json},"events":{events}}}'


def session_frame(msg_id: str, session: str, epoch: str, *, resumed: bool, resync: str | None) -> str:
    """The first frame of a ``beeflow.v2`` connection (``schema/frames/session.json``)."""
    tail = "" if resync is None else f',"resync":"{resync}"'
    flag = "true" if resumed else "false"
    return f'{{"msg_id":"{msg_id}","session":{{"id":"{session}","epoch":"{epoch}","resumed":{flag}{tail}}}}}'


def problem_frame(
    problem: WebSocketProblem,
    *,
    msg_id: str,
    req_id: str | None,
    base_url: str | None,
    seq: int | None = None,
) -> str:
    body: dict[str, Any] = {
        "type": problem_type(problem.slug, base_url),
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
        "code": problem.code,
        "instance": f"urn:uuid:{msg_id}",
        "msg_id": msg_id,
        "req_id": req_id,
    }
    if seq is not None:
        body["seq"] = seq
    if problem.errors is not None:
        body["errors"] = problem.errors
    body.update(problem.extensions)  # checked against RESERVED_MEMBERS when the problem was made
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str)


def decoded_req_id(frame: str | bytes) -> str | None:
    """The frame's ``req_id`` when it is JSON with a valid one: for answering a frame left undecoded."""
    return _req_id_of(frame)
