"""Recipients: who an event goes to.

An event's ``recipient`` names a recipient class and its ``recipient_id`` is handed to that class's
``resolve``, which returns where to deliver: websocket ids (plain strings, as in 0.3.0) or
:class:`Address` values for a user's connections or a group. ``resolve`` may be a coroutine
(0.3.0's ``async def resolve(self, recipient_id) -> tuple[str, ...]``).

Built in: ``websocket`` (one connection), ``user`` (every connection of a user id) and ``group``
(every connection that joined a group). Applications may replace them or add their own::

    class Room(metaclass=RecipientRegistryMeta, name="room"):
        def resolve(self, recipient_id: str) -> Iterable[Address]:
            return [Address.group(f"room:{recipient_id}")]
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar, Literal, NamedTuple, Protocol

from .registry import Bases, Namespace, Registry, RegistryView, declared_name

__all__ = [
    "WEBSOCKET_RECIPIENT",
    "Address",
    "AddressKind",
    "GroupRecipient",
    "Recipient",
    "RecipientMapDoesNotExist",
    "RecipientPluginProtocol",
    "RecipientRegistryMeta",
    "UserRecipient",
    "WebSocketRecipient",
    "resolve_addresses",
    "websocket_route_is_builtin",
]

AddressKind = Literal["websocket", "user", "group"]

#: The name of the built-in recipient that addresses one connection.
WEBSOCKET_RECIPIENT = "websocket"


class Address(NamedTuple):
    """A delivery target the hub understands."""

    kind: AddressKind
    key: str

    @classmethod
    def websocket(cls, websocket_id: str) -> Address:
        return cls("websocket", websocket_id)

    @classmethod
    def user(cls, user_id: object) -> Address:
        return cls("user", str(user_id))

    @classmethod
    def group(cls, name: str) -> Address:
        return cls("group", name)


class Recipient(Protocol):
    def resolve(self, recipient_id: str) -> Iterable[str | Address] | Awaitable[Iterable[str | Address]]: ...


class RecipientPluginProtocol(Protocol):
    """A 0.3.0 recipient: ``resolve`` returns the websocket ids an event goes to."""

    async def resolve(self, recipient_id: str) -> tuple[str, ...]: ...


class RecipientMapDoesNotExist(LookupError):  # noqa: N818 - 0.3.0's name
    """No recipient class is registered under an event's ``recipient``."""


#: Turns a recipient id into hub addresses: a list, or an awaitable of one when ``resolve`` is async.
Route = Callable[[str], list[Address] | Awaitable[list[Address]]]


class RecipientRegistryMeta(type):
    """Registers recipient classes declared with ``name=``; one instance serves every event.

    As in 0.3.0, a class with a ``resolve`` method and no ``name=`` registers under
    ``__plugin_name__`` or its class name, and ``__register__ = False`` keeps it out.
    ``RecipientRegistryMeta.REGISTRY`` is the name -> class mapping (a live view).
    """

    registry: ClassVar[Registry[type[Any]]] = Registry("recipient")
    #: 0.3.0's name -> class dict, as a live view of :attr:`registry`.
    REGISTRY: ClassVar[RegistryView[type[Any]]] = RegistryView(registry)
    _instances: ClassVar[dict[type[Any], Any]] = {}
    _routes: ClassVar[dict[str, Route]] = {}
    _routes_version: ClassVar[int] = -1

    recipient_name: str

    def __new__(
        mcs, clsname: str, bases: Bases, namespace: Namespace, name: str | None = None, builtin: bool = False, **kw: Any
    ) -> RecipientRegistryMeta:
        cls = super().__new__(mcs, clsname, bases, namespace, **kw)
        name = declared_name(clsname, namespace, name, handler="resolve")
        if name is not None:
            if not isinstance(name, str) or not name.strip():
                raise TypeError(f"{clsname}: a recipient name must be a non-blank string")
            if not callable(getattr(cls, "resolve", None)):
                raise TypeError(f"{clsname}: a recipient class needs a resolve(recipient_id) method")
            cls.recipient_name = name
            mcs.registry.register(name, cls, builtin=builtin)
        return cls

    @classmethod
    @contextmanager
    def isolated(cls, *, builtins_only: bool = False) -> Iterator[None]:
        """:meth:`Registry.isolated` for recipients, with resolver instances of their own: the block
        starts without any (each recipient class is instantiated again on first use) and the
        previous ones come back afterwards."""
        saved = dict(cls._instances)
        cls._instances.clear()
        try:
            with cls.registry.isolated(builtins_only=builtins_only):
                yield
        finally:
            cls._instances.clear()
            cls._instances.update(saved)

    @classmethod
    def resolver(cls, name: str) -> Recipient | None:
        """The resolver instance registered under ``name``, or ``None``."""
        recipient = cls.registry.get(name)
        if recipient is None:
            return None
        instance = cls._instances.get(recipient)
        if instance is None:
            instance = cls._instances[recipient] = recipient()
        return instance  # type: ignore[no-any-return]

    @classmethod
    def route(cls, name: str) -> Route:
        """How to turn a ``name`` recipient id into addresses (cached until the registry changes)."""
        if cls._routes_version != cls.registry.version:
            cls._routes.clear()
            cls._routes_version = cls.registry.version
        route = cls._routes.get(name)
        if route is None:
            resolver = cls.resolver(name)
            if resolver is None:
                raise RecipientMapDoesNotExist(f"no recipient class is registered as {name!r}")
            # The built-ins address the hub directly; a subclass that overrides resolve() does not.
            direct = type(resolver).__dict__.get("addresses")
            route = cls._routes[name] = direct.__get__(resolver) if direct is not None else _resolving(resolver)
        return route


def _resolving(resolver: Recipient) -> Route:
    def route(recipient_id: str) -> list[Address] | Awaitable[list[Address]]:
        targets: Any = resolver.resolve(recipient_id)
        if type(targets) is not tuple and inspect.isawaitable(targets):
            return _addresses_later(targets)
        return _addresses(targets)

    return route


def resolve_addresses(recipient: str, recipient_id: object) -> list[Address] | Awaitable[list[Address]]:
    """Where an event for ``recipient``/``recipient_id`` goes, as hub addresses.

    Returns the list directly when the resolver is synchronous (no coroutine on the hot path), or an
    awaitable of it when the resolver is a coroutine. Raises :class:`RecipientMapDoesNotExist`
    (a ``LookupError``) for an unknown recipient.
    """
    return RecipientRegistryMeta.route(recipient)(recipient_id if type(recipient_id) is str else str(recipient_id))


def websocket_route_is_builtin() -> bool:
    """Whether ``websocket`` recipients are still the built-in ones: an id is that one connection."""
    version = RecipientRegistryMeta.registry.version
    if _builtin_websocket[0] != version:
        route = RecipientRegistryMeta.route(WEBSOCKET_RECIPIENT)
        _builtin_websocket[:] = [version, getattr(route, "__func__", None) is _WEBSOCKET_ADDRESSES]
    return bool(_builtin_websocket[1])


#: [registry version, answer] of :func:`websocket_route_is_builtin`.
_builtin_websocket: list[Any] = [-1, False]


def _addresses(targets: Iterable[str | Address]) -> list[Address]:
    if isinstance(targets, str):
        raise TypeError(f"resolve() must return websocket ids or addresses, not the string {targets!r}")
    return [target if isinstance(target, Address) else Address("websocket", str(target)) for target in targets]


async def _addresses_later(targets: Awaitable[Iterable[str | Address]]) -> list[Address]:
    return _addresses(await targets)


class WebSocketRecipient(metaclass=RecipientRegistryMeta, name=WEBSOCKET_RECIPIENT, builtin=True):
    """One connection: ``recipient_id`` is its websocket id."""

    async def resolve(self, recipient_id: str) -> tuple[str, ...]:
        """0.3.0's contract: the websocket ids to deliver to (this one)."""
        return (recipient_id,)

    def addresses(self, recipient_id: str) -> list[Address]:
        return [Address("websocket", recipient_id)]


_WEBSOCKET_ADDRESSES = WebSocketRecipient.addresses


class UserRecipient(metaclass=RecipientRegistryMeta, name="user", builtin=True):
    """Every connection of one user: ``recipient_id`` is the user id."""

    def resolve(self, recipient_id: str) -> Iterable[str | Address]:
        return (Address("user", recipient_id),)

    def addresses(self, recipient_id: str) -> list[Address]:
        return [Address("user", recipient_id)]


class GroupRecipient(metaclass=RecipientRegistryMeta, name="group", builtin=True):
    """Every connection that joined a group: ``recipient_id`` is the group name."""

    def resolve(self, recipient_id: str) -> Iterable[str | Address]:
        return (Address("group", recipient_id),)

    def addresses(self, recipient_id: str) -> list[Address]:
        return [Address("group", recipient_id)]
