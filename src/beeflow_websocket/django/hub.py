"""Delivery through a Channels channel layer, so ``channels-redis`` carries events between processes.

Every address becomes a channel-layer group: one per user, one per application group and one per
connection (for ``websocket`` recipients). A :class:`~beeflow_websocket.django.consumer.WebSocketConsumer`
binds its own channel with :meth:`ChannelLayerHub.bind` before opening its connection, and the
layer brings each delivery back to it as a ``beeflow.deliver`` message. Any other member (the
in-memory test clients, or the session of a ``beeflow.v2`` connection, which must keep getting
deliveries after its consumer is gone) gets a channel and a reader task of its own.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from typing import Any

from channels import DEFAULT_CHANNEL_LAYER
from channels.layers import BaseChannelLayer, get_channel_layer

from beeflow_websocket.core.hub import Delivery, Member
from beeflow_websocket.core.recipient_registry import Address

__all__ = ["DELIVER", "ChannelLayerHub", "delivery_from_message", "layer_group"]

logger = logging.getLogger("beeflow_websocket")

#: The ``type`` of channel-layer messages that carry a delivery; consumers handle it in ``beeflow_deliver``.
DELIVER = "beeflow.deliver"

_PREFIXES = {"websocket": "beeflow.w", "user": "beeflow.u", "group": "beeflow.g"}
_SAFE = re.compile(r"[A-Za-z0-9_.\-]{1,80}")


def layer_group(address: Address) -> str:
    """The channel-layer group name of an address: deterministic, valid and collision-free.

    Layer group names allow only ASCII letters, digits, ``-``, ``_`` and ``.``, and fewer than 100
    characters. A key made of those characters (80 at most) keeps its name after a prefix naming
    its kind (``beeflow.u.42``); any other key is replaced by its SHA-256 digest under a prefix of
    its own (``beeflow.uh.<64 hex digits>``), so the two forms never meet.
    """
    prefix = _PREFIXES[address.kind]
    if _SAFE.fullmatch(address.key):
        return f"{prefix}.{address.key}"
    digest = hashlib.sha256(address.key.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{prefix}h.{digest}"


def delivery_message(delivery: Delivery) -> dict[str, Any]:
    kind, key = delivery.address
    return {"type": DELIVER, "kind": kind, "key": key, "tail": delivery.tail, "exclude": delivery.exclude}


def delivery_from_message(message: dict[str, Any]) -> Delivery:
    """The :class:`Delivery` a ``beeflow.deliver`` message carries."""
    return Delivery(Address(message["kind"], message["key"]), message["tail"], message.get("exclude"))


class ChannelLayerHub:
    """A :class:`~beeflow_websocket.core.hub.Hub` on the channel layer named ``alias``.

    The layer is looked up on every call, so a changed ``CHANNEL_LAYERS`` setting takes effect.
    The hub remembers, for the connections of this process only, their channel and the groups they
    joined (a connection leaves them all when it is detached).
    """

    def __init__(self, alias: str = DEFAULT_CHANNEL_LAYER) -> None:
        self.alias = alias
        self._channels: dict[str, str] = {}
        self._joined: dict[str, set[str]] = {}
        self._readers: dict[str, asyncio.Task[None]] = {}

    def __repr__(self) -> str:
        return f"<ChannelLayerHub {self.alias!r}: {len(self._channels)} local connections>"

    @property
    def layer(self) -> BaseChannelLayer:
        layer = get_channel_layer(self.alias)
        if layer is None:
            raise RuntimeError(f"CHANNEL_LAYERS has no {self.alias!r} layer")
        return layer

    def bind(self, websocket_id: str, channel_name: str) -> None:
        """Deliver to ``websocket_id`` through ``channel_name`` (a consumer's own channel).

        Call before :meth:`Connection.open`; the consumer then handles ``beeflow.deliver`` messages.
        """
        self._channels[websocket_id] = channel_name

    async def attach(self, member: Member) -> None:
        layer = self.layer
        websocket_id = member.websocket_id
        channel = self._channels.get(websocket_id)
        if channel is None:
            channel = self._channels[websocket_id] = await layer.new_channel()
            self._readers[websocket_id] = asyncio.create_task(_read(layer, channel, member))
        self._joined[websocket_id] = set()
        names = [layer_group(Address("websocket", websocket_id))]
        if member.user_key is not None:
            names.append(layer_group(Address("user", member.user_key)))
        await asyncio.gather(*(layer.group_add(name, channel) for name in names))

    async def detach(self, member: Member) -> None:
        websocket_id = member.websocket_id
        channel = self._channels.pop(websocket_id, None)
        joined = self._joined.pop(websocket_id, set())
        reader = self._readers.pop(websocket_id, None)
        if reader is not None:
            reader.cancel()
        if channel is None:
            return
        names = {layer_group(Address("websocket", websocket_id)), *joined}
        if member.user_key is not None:
            names.add(layer_group(Address("user", member.user_key)))
        layer = self.layer
        await asyncio.gather(*(layer.group_discard(name, channel) for name in names))

    async def join(self, member: Member, group: str) -> None:
        channel = self._channels.get(member.websocket_id)
        if channel is None:
            raise RuntimeError(f"websocket {member.websocket_id} is not attached to {self!r}")
        name = layer_group(Address("group", group))
        self._joined.setdefault(member.websocket_id, set()).add(name)
        await self.layer.group_add(name, channel)

    async def leave(self, member: Member, group: str) -> None:
        channel = self._channels.get(member.websocket_id)
        if channel is None:
            return
        name = layer_group(Address("group", group))
        self._joined.get(member.websocket_id, set()).discard(name)
        await self.layer.group_discard(name, channel)

    async def deliver(self, delivery: Delivery) -> None:
        """Send to the address's group; every member but ``delivery.exclude`` sends the frame.

        A full channel (the layer's ``capacity``) drops the message for that connection only, as
        channel layers do.
        """
        await self.layer.group_send(layer_group(delivery.address), delivery_message(delivery))


async def _read(layer: BaseChannelLayer, channel: str, member: Member) -> None:
    """Feed a member that has no consumer of its own, until it is detached."""
    while True:
        try:
            message = await layer.receive(channel)
        except Exception:
            logger.warning(
                "websocket %s: reading its channel failed; it gets no more deliveries",
                member.websocket_id,
                exc_info=True,
            )
            return
        if message.get("type") != DELIVER or message.get("exclude") == member.websocket_id:
            continue
        try:
            await member.deliver(delivery_from_message(message))
        except Exception:
            logger.warning("could not deliver an event to websocket %s", member.websocket_id, exc_info=True)
