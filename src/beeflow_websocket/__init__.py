"""beeflow-websocket: schema-first typed WebSocket actions and events.

The public API lives in submodules, as in 0.3.0: ``beeflow_websocket.core.action_registry``,
``core.event_registry``, ``core.recipient_registry``, ``core.payloads``, ``core.problems``, and the
dispatcher in ``core.dispatcher``. ``beeflow_websocket.testing`` drives actions without a server.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("beeflow-websocket")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without metadata
    __version__ = "0.0.0"

__all__ = ["__version__"]
