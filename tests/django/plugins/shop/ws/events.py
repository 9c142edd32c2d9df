from __future__ import annotations

from beeflow_websocket.core.event_registry import WebSocketEvent


class CheckedOut(WebSocketEvent, name="shop.checked_out"):
    pass
