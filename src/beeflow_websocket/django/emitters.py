"""0.3.0's ``WebSocketEventEmitter``: delivers an event through the channel layer, from anywhere.

The consumers of every process that share the layer receive it, each with its own ``msg_id`` and
``seq`` (so ``message_id_factory`` and ``sequence_provider`` are kept for 0.3.0 callers but not
used). New code pushes with ``get_dispatcher().push(event)`` instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from beeflow_websocket.core.emitting import routed
from beeflow_websocket.core.hub import Delivery
from beeflow_websocket.core.legacy import MessageIdFactory, SequenceProvider

from .hub import delivery_message, layer_group

__all__ = ["MessageIdFactory", "SequenceProvider", "WebSocketChannelLayerProtocol", "WebSocketEventEmitter"]


class WebSocketChannelLayerProtocol(Protocol):
    """What the emitter uses of a Channels channel layer."""

    async def group_send(self, group: str, message: dict[str, Any]) -> None: ...


@dataclass(eq=False, repr=False)
class WebSocketEventEmitter:
    """Route events to the connections their recipient resolves to, through ``channel_layer``."""

    channel_layer: WebSocketChannelLayerProtocol
    message_id_factory: MessageIdFactory
    sequence_provider: SequenceProvider

    async def emit(self, event: Any) -> None:
        """Deliver ``event`` (0.3.0 ``emit()`` event or ``WebSocketEvent``); raises ``RecipientMapDoesNotExist``."""
        tail, addresses = await routed(event)
        for address in addresses:
            await self.channel_layer.group_send(layer_group(address), delivery_message(Delivery(address, tail)))
