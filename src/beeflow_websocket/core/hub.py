"""Delivery of events to connections: one interface, several backends.

A :class:`Hub` knows which connections are attached (by websocket id, user and group) and
delivers :class:`Delivery` values to them. :class:`LocalHub` serves one process; the Django
channel layer and Redis hubs carry the same deliveries between processes. A delivery holds the
event already encoded, so fanning it out costs one string join per connection.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import NamedTuple, Protocol

from .recipient_registry import Address

__all__ = ["Delivery", "Hub", "LocalHub", "Member"]

logger = logging.getLogger("beeflow_websocket")


class Delivery(NamedTuple):
    """An encoded event on its way to an address.

    ``exclude`` names a websocket that already received its copy directly (the connection whose
    action produced the event); hubs skip it. ``mark``: the number a hub with a journal gave the
    delivery (0: none); a resumable session records the last one it numbered, so a process that
    adopts it knows which journaled deliveries it still has to number.
    """

    address: Address
    tail: str
    exclude: str | None = None
    mark: int = 0


class Member(Protocol):
    """What a hub needs from a connection."""

    @property
    def websocket_id(self) -> str: ...

    @property
    def user_key(self) -> str | None: ...

    async def deliver(self, delivery: Delivery) -> None: ...


class Hub(Protocol):
    async def attach(self, member: Member) -> None: ...
    async def detach(self, member: Member) -> None: ...
    async def join(self, member: Member, group: str) -> None: ...
    async def leave(self, member: Member, group: str) -> None: ...
    async def deliver(self, delivery: Delivery) -> None: ...


class LocalHub:
    """Delivers to the connections of this process."""

    def __init__(self) -> None:
        self._websockets: dict[str, Member] = {}
        self._users: dict[str, dict[str, Member]] = {}
        self._groups: dict[str, dict[str, Member]] = {}
        self._memberships: dict[str, set[str]] = {}

    async def attach(self, member: Member) -> None:
        self._websockets[member.websocket_id] = member
        if member.user_key is not None:
            self._users.setdefault(member.user_key, {})[member.websocket_id] = member

    async def detach(self, member: Member) -> None:
        websocket_id = member.websocket_id
        self._websockets.pop(websocket_id, None)
        if member.user_key is not None:
            _discard(self._users, member.user_key, websocket_id)
        for group in self._memberships.pop(websocket_id, ()):
            _discard(self._groups, group, websocket_id)

    async def join(self, member: Member, group: str) -> None:
        self._groups.setdefault(group, {})[member.websocket_id] = member
        self._memberships.setdefault(member.websocket_id, set()).add(group)

    async def leave(self, member: Member, group: str) -> None:
        _discard(self._groups, group, member.websocket_id)
        self._memberships.get(member.websocket_id, set()).discard(group)

    def members(self, address: Address) -> Iterable[Member]:
        if address.kind == "websocket":
            member = self._websockets.get(address.key)
            return () if member is None else (member,)
        index = self._users if address.kind == "user" else self._groups
        return tuple(index.get(address.key, {}).values())

    async def deliver(self, delivery: Delivery) -> None:
        for member in self.members(delivery.address):
            if member.websocket_id == delivery.exclude:
                continue
            try:
                await member.deliver(delivery)
            except Exception:
                # One broken socket must not stop delivery to the others; its own read loop ends it.
                logger.warning("could not deliver an event to websocket %s", member.websocket_id, exc_info=True)


def _discard(index: dict[str, dict[str, Member]], key: str, websocket_id: str) -> None:
    members = index.get(key)
    if members is not None:
        members.pop(websocket_id, None)
        if not members:
            del index[key]
