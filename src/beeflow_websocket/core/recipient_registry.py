"""Recipients: who an event goes to.

An event's ``recipient`` names a recipient class and its ``recipient_id`` is handed to that class's
``resolve``, which returns where to deliver: websocket ids (plain strings, as in 0.3.0) or
:class:`Address` values for a user's connections or a group. ``resolve`` may be a coroutine.

Built in: ``websocket`` (one connection), ``user`` (every connection of a user id) and ``group``
(every connection that joined a group). Applications may replace them or add their own::

    class Room(metaclass=RecipientRegistryMeta, name="room"):
        def resolve(self, recipient_id: str) -> Iterable[Address]:
            return [Address.group(f"room:{recipient_id}")]
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Iterable
from typing import Any, ClassVar, Literal, NamedTuple, Protocol

from .registry import Registry

__all__ = [
    "Address",
    "AddressKind",
    "GroupRecipient",
    "Recipient",
    "RecipientRegistryMeta",
    "UserRecipient",
    "WebSocketRecipient",
    "resolve_addresses",
]

AddressKind = Literal["websocket", "user", "group"]


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


class RecipientRegistryMeta(type):
    """Registers recipient classes declared with ``name=``; one instance serves every event."""

    registry: ClassVar[Registry[type[Any]]] = Registry("recipient")
    _instances: ClassVar[dict[type[Any], Any]] = {}

    recipient_name: str

    def __new__(
        mcs,
        cls_name: str,
        bases: tuple[type[Any], ...],
        namespace: dict[str, Any],
        name: str | None = None,
        builtin: bool = False,
        **kwargs: Any,
    ) -> RecipientRegistryMeta:
        cls = super().__new__(mcs, cls_name, bases, namespace, **kwargs)
        if name is not None:
            if not callable(getattr(cls, "resolve", None)):
                raise TypeError(f"{cls_name}: a recipient class needs a resolve(recipient_id) method")
            cls.recipient_name = name
            mcs.registry.register(name, cls, builtin=builtin)
        return cls

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


def resolve_addresses(recipient: str, recipient_id: object) -> list[Address] | Awaitable[list[Address]]:
    """Where an event for ``recipient``/``recipient_id`` goes, as hub addresses.

    Returns the list directly when the resolver is synchronous (no coroutine on the hot path), or an
    awaitable of it when the resolver is a coroutine.
    """
    resolver = RecipientRegistryMeta.resolver(recipient)
    if resolver is None:
        raise LookupError(f"no recipient class is registered as {recipient!r}")
    targets: Any = resolver.resolve(recipient_id if type(recipient_id) is str else str(recipient_id))
    if type(targets) is not tuple and inspect.isawaitable(targets):
        return _addresses_later(targets)
    return _addresses(targets)


def _addresses(targets: Iterable[str | Address]) -> list[Address]:
    return [target if isinstance(target, Address) else Address("websocket", target) for target in targets]


async def _addresses_later(targets: Awaitable[Iterable[str | Address]]) -> list[Address]:
    return _addresses(await targets)


class WebSocketRecipient(metaclass=RecipientRegistryMeta, name="websocket", builtin=True):
    """One connection: ``recipient_id`` is its websocket id."""

    def resolve(self, recipient_id: str) -> Iterable[str | Address]:
        return (Address("websocket", recipient_id),)


class UserRecipient(metaclass=RecipientRegistryMeta, name="user", builtin=True):
    """Every connection of one user: ``recipient_id`` is the user id."""

    def resolve(self, recipient_id: str) -> Iterable[str | Address]:
        return (Address("user", recipient_id),)


class GroupRecipient(metaclass=RecipientRegistryMeta, name="group", builtin=True):
    """Every connection that joined a group: ``recipient_id`` is the group name."""

    def resolve(self, recipient_id: str) -> Iterable[str | Address]:
        return (Address("group", recipient_id),)
