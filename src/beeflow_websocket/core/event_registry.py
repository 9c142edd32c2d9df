"""Events: what handlers yield and the server pushes.

Declare an event by subclassing :class:`WebSocketEvent` with a wire name and a payload type::

    class MessagePosted(WebSocketEvent, name="chat.message_posted"):
        payload: MessagePostedPayload

Every event names its ``recipient`` (``websocket``, ``user``, ``group`` or one of your own
recipient classes) and a ``recipient_id``. The runtime assigns ``msg_id`` and ``seq`` per
connection, and ``req_id`` on the connection whose action produced the event (or the ``req_id``
the handler set on the event, as 0.3.0 sent it).

0.3.0 events work unchanged: a plain class with ``metaclass=EventRegistryMeta`` and
``async def emit(self) -> WebSocketEventPayload``. The runtime awaits ``emit()`` and delivers the
envelope it returns to its ``recipient``/``recipient_id``, with the envelope's ``req_id`` (null
when it has none). As in 0.3.0 such a class registers under ``name=``, ``__plugin_name__`` or its
class name, unless it sets ``__register__ = False``. ``EventRegistryMeta.REGISTRY`` is the
name -> class mapping (a live view).
"""

from __future__ import annotations

import json
import sys
import types
import typing
from typing import Any, ClassVar, Protocol, cast
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, SerializeAsAny

from ._pydantic import ModelMetaclass, resolve_in_class_scope
from .payloads import Uuid, WebSocketEventPayload
from .registry import Bases, Namespace, Registry, RegistryView, declared_name

__all__ = ["EventPluginProtocol", "EventRegistryMeta", "RecipientId", "WebSocketEvent"]


#: Recipient ids travel as text. Integer ids become text when the event is created; UUID ids
#: (user primary keys) stay UUIDs on the object and are written as text.
RecipientId = str | UUID


def _check_object_payload(clsname: str, annotation: Any) -> None:
    """An event payload is a JSON object: a pydantic model, a dict, or a union of those."""
    members = (
        typing.get_args(annotation)
        if isinstance(annotation, types.UnionType) or (typing.get_origin(annotation) is typing.Union)
        else (annotation,)
    )
    for member in members:
        origin = typing.get_origin(member) or member
        if member is type(None) or (
            isinstance(origin, type) and (issubclass(origin, BaseModel) or issubclass(origin, dict))
        ):
            continue
        if typing.get_origin(member) is typing.Annotated:
            _check_object_payload(clsname, typing.get_args(member)[0])
            continue
        raise TypeError(f"{clsname}.payload must be a pydantic model or a dict (a JSON object), not {member!r}")


class EventPluginProtocol(Protocol):
    """A 0.3.0 event: ``emit()`` returns the envelope to deliver."""

    async def emit(self) -> WebSocketEventPayload: ...


class EventRegistryMeta(ModelMetaclass):
    """Registers event classes declared with ``name=`` under that wire name."""

    registry: ClassVar[Registry[type[Any]]] = Registry("event")
    #: 0.3.0's name -> class dict, as a live view of :attr:`registry`.
    REGISTRY: ClassVar[RegistryView[type[Any]]] = RegistryView(registry)

    def __new__(
        mcs, clsname: str, bases: Bases, namespace: Namespace, name: str | None = None, builtin: bool = False, **kw: Any
    ) -> type:
        resolve_in_class_scope(namespace, kw, sys._getframe(1))
        cls = super().__new__(mcs, clsname, bases, namespace, **kw)
        if not issubclass(cls, BaseModel):
            return _register_emit_style(mcs.registry, cls, clsname, namespace, name, builtin)
        if "payload" in namespace.get("__annotations__", {}):
            _check_object_payload(clsname, cls.model_fields["payload"].annotation)
        if name is not None:
            if not name.strip():
                raise ValueError(f"{clsname}: an event name cannot be blank")
            cls.event_name = name  # type: ignore[attr-defined]
            cls.__beeflow_event_json__ = json.dumps(name)  # type: ignore[attr-defined]
            mcs.registry.register(name, cast("type[WebSocketEvent]", cls), builtin=builtin)
        return cls


def _register_emit_style(
    registry: Registry[type[Any]], cls: type, clsname: str, namespace: dict[str, Any], name: str | None, builtin: bool
) -> type:
    """A 0.3.0 event class: registered under its name (0.3.0's rules), delivered through ``emit()``."""
    name = declared_name(clsname, namespace, name, handler="emit")
    if name is None:
        return cls
    if not isinstance(name, str) or not name.strip():
        raise TypeError(f"{clsname}: an event name must be a non-blank string")
    if not callable(getattr(cls, "emit", None)):
        raise TypeError(f"{clsname}: an event class needs an async emit() method or must subclass WebSocketEvent")
    cls.event_name = name  # type: ignore[attr-defined]
    registry.register(name, cls, builtin=builtin)
    return cls


class WebSocketEvent(BaseModel, metaclass=EventRegistryMeta):
    """Base class of every event. Subclasses set ``name=`` and narrow ``payload``."""

    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)

    event_name: ClassVar[str]

    recipient: str
    recipient_id: RecipientId
    #: Unset, the connection that sent the action gets the action's ``req_id``; set (as 0.3.0 code
    #: does), that connection gets this value instead. Every other connection gets null.
    req_id: Uuid | UUID | None = Field(default=None, exclude=True)
    #: A JSON object: subclasses narrow it to their payload model.
    payload: dict[str, Any] | SerializeAsAny[BaseModel] = Field(default_factory=dict)

    async def emit(self) -> WebSocketEventPayload:
        """The event as 0.3.0's envelope (what 0.3.0's ``emit()`` returned), for code that calls it."""
        return WebSocketEventPayload(
            req_id=self.req_id,
            event=self.event_name,
            recipient=self.recipient,
            recipient_id=str(self.recipient_id),
            payload=self.__pydantic_serializer__.to_python(self, mode="json")["payload"],
        )

    def frame_body(self) -> str:
        """The JSON members shared by every copy of this event's frame, after ``event``.

        Returns ``"recipient":...,"recipient_id":...,"payload":{...}}`` (closing brace included):
        encoded once per event however many connections receive it.
        """
        return self.__pydantic_serializer__.to_json(self, by_alias=True).decode()[1:]
