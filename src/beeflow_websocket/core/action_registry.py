"""Actions: what a client asks the server to do.

An action class has a wire name and an ``execute`` method that yields events::

    class Echo(metaclass=ActionRegistryMeta, name="echo"):
        async def execute(self, payload: EchoPayload, context: ActionContext) -> AsyncIterator[Echoed]:
            yield Echoed(recipient="websocket", recipient_id=context.websocket_id, payload=...)

The first parameter of ``execute`` decides what the handler receives:

- a pydantic model (``EchoPayload`` above): the frame's ``payload``, already validated against it
  (invalid payloads are answered with 422 before the handler runs). Generated code uses this form.
- :class:`~beeflow_websocket.core.payloads.WebSocketActionPayload`, or no annotation: the whole
  frame, with ``payload`` as a dict, as in 0.3.0.

Set ``payload_model`` on the class to choose explicitly. ``registry=`` (an
:class:`~beeflow_websocket.core.action_set.ActionSet`) registers the class, and its subclasses, there
instead of in the process-wide registry. A subclass without ``name=`` inherits
its base's name and replaces it in the registry: that is how a generated stub gets implemented.

As in 0.3.0, a class with an ``execute`` method and neither ``name=`` nor an inherited name registers
under ``__plugin_name__`` or else its class name, ``__register__ = False`` keeps a class out of the
registry, and ``ActionRegistryMeta.REGISTRY`` is the name -> class mapping (a live view).
"""

from __future__ import annotations

import inspect
import sys
import typing
from collections.abc import AsyncIterator, Awaitable, Iterable
from types import SimpleNamespace
from typing import Any, ClassVar, Protocol
from uuid import UUID

from pydantic import BaseModel

from .payloads import WebSocketActionPayload
from .registry import Bases, Namespace, Registry, RegistryView, declared_name

__all__ = ["ActionContext", "ActionPluginProtocol", "ActionRegistryMeta", "UserId"]

#: A user's primary key: integer, string or UUID.
UserId = int | str | UUID


class _Member(Protocol):
    @property
    def groups(self) -> frozenset[str]: ...

    async def join_group(self, group: str) -> None: ...
    async def leave_group(self, group: str) -> None: ...


class ActionContext:
    """Who sent the action being handled, and what the handler may do with the connection."""

    __slots__ = ("_member", "action", "msg_id", "req_id", "user_id", "websocket_id")

    def __init__(
        self,
        websocket_id: str,
        user_id: UserId | None = None,
        *,
        req_id: str | None = None,
        msg_id: str | None = None,
        action: str | None = None,
        member: _Member | None = None,
    ) -> None:
        self.websocket_id = websocket_id
        self.user_id = user_id
        self.req_id = req_id
        self.msg_id = msg_id
        self.action = action
        self._member = member

    def __repr__(self) -> str:
        return (
            f"ActionContext(websocket_id={self.websocket_id!r}, user_id={self.user_id!r}, "
            f"action={self.action!r}, req_id={self.req_id!r})"
        )

    @property
    def groups(self) -> frozenset[str]:
        """Groups this connection has joined."""
        return self._require_member().groups

    async def join_group(self, group: str) -> None:
        """Add this connection to ``group``; events to recipient ``group`` with that id reach it."""
        await self._require_member().join_group(group)

    async def leave_group(self, group: str) -> None:
        """Remove this connection from ``group``."""
        await self._require_member().leave_group(group)

    def _require_member(self) -> _Member:
        if self._member is None:
            raise RuntimeError("this ActionContext is not attached to a connection")
        return self._member


class ConnectionContext(ActionContext):
    """The :class:`ActionContext` a connection makes for each action frame, built from positional
    arguments (keyword arguments double the cost of the call, paid once per frame)."""

    __slots__ = ()

    def __init__(
        self, websocket_id: str, user_id: UserId | None, req_id: str, msg_id: str, action: str, member: _Member
    ) -> None:
        self.websocket_id = websocket_id
        self.user_id = user_id
        self.req_id = req_id
        self.msg_id = msg_id
        self.action = action
        self._member = member


class ActionPluginProtocol(Protocol):
    """What an action class provides (0.3.0's name): ``execute(message, context)`` yielding events."""

    def execute(self, message: Any, context: ActionContext) -> AsyncIterator[Any] | Awaitable[Iterable[Any] | None]: ...


def _check_action(name: str, cls: type[Any]) -> None:
    if getattr(cls, "action_name", None) != name:
        raise ValueError(
            f"REGISTRY[{name!r}] must be an action class defined with name={name!r} "
            f"(got {cls!r}, whose name is {getattr(cls, 'action_name', None)!r})"
        )


class ActionRegistryMeta(type):
    """Registers action classes under their wire name (``name=``) when they are defined."""

    registry: ClassVar[Registry[type[Any]]] = Registry("action")
    #: 0.3.0's name -> class dict, as a live view of :attr:`registry`.
    REGISTRY: ClassVar[RegistryView[type[Any]]] = RegistryView(registry, _check_action)

    # Set on every registered action class.
    action_name: str
    #: The registry a class statement chose with ``registry=`` (an :class:`~.action_set.ActionSet`).
    __beeflow_registry__: Registry[type[Any]]
    payload_model: type[BaseModel] | None
    streams_events: bool

    def __new__(
        mcs,
        clsname: str,
        bases: Bases,
        namespace: Namespace,
        name: str | None = None,
        builtin: bool = False,
        registry: Registry[type[Any]] | None = None,
        **kw: Any,
    ) -> ActionRegistryMeta:
        cls = super().__new__(mcs, clsname, bases, namespace, **kw)
        if registry is not None:
            # Subclasses register where their base did (a stub's implementation replaces the stub).
            cls.__beeflow_registry__ = registry
        inherited = getattr(cls, "action_name", None)
        name = declared_name(clsname, namespace, name, handler="execute", inherited=inherited)
        if name is None:
            return cls  # a base or mixin without a handler of its own
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"{clsname}: an action name must be a non-blank string")
        execute = getattr(cls, "execute", None)
        if execute is None or not callable(execute):
            raise TypeError(f"{clsname}: an action class needs an async execute(payload, context) method")
        if not (inspect.isasyncgenfunction(execute) or inspect.iscoroutinefunction(execute)):
            raise TypeError(f"{clsname}.execute must be an async generator or a coroutine function")
        cls.action_name = name
        # The scope of the class statement, for annotations postponed by ``from __future__``.
        scope = sys._getframe(1).f_locals
        cls.payload_model = _payload_model(cls, namespace, execute, scope)
        cls.streams_events = inspect.isasyncgenfunction(execute)
        target: Registry[type[Any]] = getattr(cls, "__beeflow_registry__", mcs.registry)
        target.register(name, cls, builtin=builtin)
        return cls

    @classmethod
    def get(cls, name: str) -> type[Any] | None:
        """The action class registered under ``name``, or ``None``."""
        return cls.registry.get(name)


def _payload_model(
    cls: type[Any], namespace: dict[str, Any], execute: Any, scope: dict[str, Any]
) -> type[BaseModel] | None:
    if "payload_model" in namespace:
        return _checked_model(cls, namespace["payload_model"])
    if "execute" in namespace:
        annotation = _first_parameter_annotation(cls, execute, scope)
        if annotation is not inspect.Parameter.empty:
            return _checked_model(cls, annotation)
    inherited: type[BaseModel] | None = getattr(cls, "payload_model", None)
    return inherited


def _checked_model(cls: type[Any], annotation: Any) -> type[BaseModel] | None:
    if annotation is None or annotation is Any:
        return None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return None if issubclass(annotation, WebSocketActionPayload) else annotation
    raise TypeError(
        f"{cls.__qualname__}.execute: the payload parameter must be annotated with a pydantic model "
        f"or WebSocketActionPayload, not {annotation!r}"
    )


def _first_parameter_annotation(cls: type[Any], execute: Any, scope: dict[str, Any]) -> Any:
    parameters = list(inspect.signature(execute).parameters.values())
    if len(parameters) < 3:
        raise TypeError(f"{cls.__qualname__}.execute must take (self, payload, context)")
    annotation = parameters[1].annotation
    if not isinstance(annotation, str):
        return annotation
    # Postponed annotations (``from __future__ import annotations``): resolve only this one, through
    # typing's own resolution (the other parameters may name what exists only for type checkers).
    holder = SimpleNamespace(__annotations__={"payload": annotation})
    try:
        hints = typing.get_type_hints(
            holder, getattr(execute, "__globals__", {}), {**scope, **vars(cls)}, include_extras=True
        )
    except NameError as error:
        raise TypeError(
            f"{cls.__qualname__}.execute: cannot resolve the payload annotation {annotation!r} ({error}); "
            f"define the model before the action class or set payload_model on the class"
        ) from None
    resolved = hints["payload"]
    return None if resolved is type(None) else resolved
