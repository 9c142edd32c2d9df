"""Events bundled with the runtime."""

from beeflow_websocket.core.event_registry import WebSocketEvent

from .health import HealthEvent, HealthEventPayload

__all__ = ["HealthEvent", "HealthEventPayload", "WebSocketEvent"]
