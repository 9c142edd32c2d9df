"""Events pushed from outside a connection: where they go, and what 0.3.0's event emitters did.

:func:`routed` serves ``Dispatcher.push`` and the Django channel-layer emitter; the adapters' 0.3.0
emitter classes for one socket (``beeflow_websocket.fastapi.emitters``, ``...flask.emitters``) are
built on :func:`emitter_frame`. Connections served by the runtime route their own events
(``Connection._emit``), without a coroutine for synchronous recipients.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from .frames import emitted_members, encode_event, event_name_json
from .payloads import WebSocketEventPayload
from .recipient_registry import Address, resolve_addresses

__all__ = ["addresses_of", "emitter_frame", "event_envelope", "routed", "websocket_ids"]


async def addresses_of(recipient: str, recipient_id: object) -> list[Address]:
    """Where an event for ``recipient``/``recipient_id`` goes; raises ``RecipientMapDoesNotExist``."""
    addresses = resolve_addresses(recipient, recipient_id)
    return addresses if isinstance(addresses, list) else await addresses


async def routed(event: Any) -> tuple[str, list[Address]]:
    """The frame tail of ``event`` (a ``WebSocketEvent`` or a 0.3.0 ``emit()`` event) and its addresses."""
    if event_name_json(type(event)):
        return encode_event(event), await addresses_of(event.recipient, event.recipient_id)
    tail, recipient, recipient_id, _ = emitted_members(event, await event.emit())
    return tail, await addresses_of(recipient, recipient_id)


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
    return tuple(key for kind, key in await addresses_of(recipient, recipient_id) if kind == "websocket")


async def emitter_frame(
    event: Any, websocket_id: str, message_id: Callable[[], UUID], seq: Callable[[], int]
) -> dict[str, Any] | None:
    """0.3.0's emitter for one socket: the frame to send it, or ``None`` when ``event`` is not for it."""
    envelope = await event_envelope(event)
    if websocket_id not in await websocket_ids(envelope.recipient, envelope.recipient_id):
        return None
    return envelope.with_dispatch_metadata(msg_id=message_id(), seq=seq()).to_dict()
