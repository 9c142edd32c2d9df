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
from collections.abc import Iterable, Sequence
from typing import Annotated, Any, ClassVar, Literal, Union, cast

from pydantic import Field, TypeAdapter, ValidationError, create_model
from pydantic_core import ErrorDetails, from_json

from .action_registry import ActionRegistryMeta
from .payloads import UUID_PATTERN, WebSocketActionPayload
from .problems import INVALID_MESSAGE, INVALID_PAYLOAD, UNKNOWN_ACTION, WebSocketProblem, problem_type

__all__ = [
    "ActionDecoder",
    "FrameRejected",
    "completion_frame",
    "event_frame",
    "json_pointer",
    "problem_frame",
]


class FrameRejected(Exception):  # noqa: N818 - a verdict on a frame, not a program error
    """The client sent a frame the protocol cannot accept; ``problem`` says why."""

    def __init__(self, problem: WebSocketProblem, req_id: str | None) -> None:
        super().__init__(problem.detail)
        self.problem = problem
        self.req_id = req_id


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
    """Turns raw frames into validated action frames, following the action registry."""

    def __init__(self) -> None:
        self._version = -1
        self._adapter: TypeAdapter[Any] | None = None

    def _current(self) -> TypeAdapter[Any] | None:
        registry = ActionRegistryMeta.registry
        if registry.version != self._version:
            variants = [_envelope_model(cls) for _, cls in registry.items()]
            if not variants:
                self._adapter = None
            elif len(variants) == 1:
                self._adapter = TypeAdapter(variants[0])
            else:
                union: Any = Union[tuple(variants)]  # noqa: UP007 - built at run time
                self._adapter = TypeAdapter(cast(Any, Annotated[union, Field(discriminator="action")]))
            self._version = registry.version
        return self._adapter

    def decode(self, frame: str | bytes) -> _Frame:
        """Validate a frame; raise :class:`FrameRejected` with the problem to answer."""
        adapter = self._current()
        if adapter is not None:
            try:
                message = cast(_Frame, adapter.validate_json(frame))
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
        raise self._diagnose(frame)

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
        action = ActionRegistryMeta.registry.get(envelope.action)
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


def _valid_uuid(value: object) -> str | None:
    if isinstance(value, str) and len(value) == 36 and _UUID_RE.match(value):
        return value
    return None


def encode_event(event: Any) -> str:
    """Encode a :class:`~beeflow_websocket.core.event_registry.WebSocketEvent` once for delivery.

    Returns the frame members from ``event`` to the closing brace; each receiving connection puts
    its own ``msg_id``, ``req_id`` and ``seq`` in front (:func:`event_frame`).
    """
    try:
        name_json: str = type(event).__beeflow_event_json__
    except AttributeError:
        raise TypeError(
            f"handlers must yield registered events (WebSocketEvent subclasses with name=), got {event!r}"
        ) from None
    return f'"event":{name_json},{event.frame_body()}'


def event_frame(msg_id: str, req_id: str | None, seq: int, tail: str) -> str:
    if req_id is None:
        return f'{{"msg_id":"{msg_id}","req_id":null,"seq":{seq},{tail}'
    return f'{{"msg_id":"{msg_id}","req_id":"{req_id}","seq":{seq},{tail}'


def completion_frame(msg_id: str, req_id: str, action_json: str, events: int) -> str:
    return f'{{"msg_id":"{msg_id}","req_id":"{req_id}","completed":{action_json},"events":{events}}}'


def problem_frame(
    problem: WebSocketProblem,
    *,
    msg_id: str,
    req_id: str | None,
    base_url: str | None,
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
    if problem.errors is not None:
        body["errors"] = problem.errors
    body.update(problem.extensions)  # checked against RESERVED_MEMBERS when the problem was made
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str)
