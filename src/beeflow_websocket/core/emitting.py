"""What 0.3.0's event emitters did, on the current core: an event's envelope and its websocket ids.

The adapters' 0.3.0 emitter classes (``beeflow_websocket.fastapi.emitters`` and the others) are
built on these two coroutines; connections served by the runtime never use them.
"""

from __future__ import annotations

from typing import Any

from .payloads import WebSocketEventPayload
from .recipient_registry import resolve_addresses

__all__ = ["event_envelope", "websocket_ids"]


async def event_envelope(event: Any) -> WebSocketEventPayload:
    """``await event.emit()``: the 0.3.0 envelope of a 0.3.0 event or of a ``WebSocketEvent``."""
    envelope = await event.emit()
    if not isinstance(envelope, WebSocketEventPayload):
        raise TypeError(f"{type(event).__qualname__}.emit() must return a WebSocketEventPayload, got {envelope!r}")
    return envelope


async def websocket_ids(recipient: str, recipient_id: str) -> tuple[str, ...]:
    """The websocket ids the recipient class registered as ``recipient`` resolves ``recipient_id`` to.

    Raises ``RecipientMapDoesNotExist`` for an unknown recipient. User and group addresses name no
    websocket id and are left out.
    """
    addresses = resolve_addresses(recipient, recipient_id)
    if not isinstance(addresses, list):
        addresses = await addresses
    return tuple(key for kind, key in addresses if kind == "websocket")
