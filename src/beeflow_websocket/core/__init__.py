"""Framework-free protocol runtime: registries, frames, problems, connections and the dispatcher.

Nothing here imports a web framework; the adapters in ``beeflow_websocket.django``,
``beeflow_websocket.fastapi`` and ``beeflow_websocket.flask`` only move frames in and out.
"""

from beeflow_websocket.core.actions.health import Health
from beeflow_websocket.core.events.health import HealthEvent
from beeflow_websocket.core.recipients.websocket import WebSocketRecipient

# 0.3.0 exported the bundled action, event and recipient here.
__all__ = ["Health", "HealthEvent", "WebSocketRecipient"]
