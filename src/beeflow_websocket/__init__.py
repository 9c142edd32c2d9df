"""beeflow-websocket: schema-first typed WebSocket actions and events.

The public API lives in submodules, as in 0.3.0: ``beeflow_websocket.core.action_registry``,
``core.event_registry``, ``core.recipient_registry``, ``core.payloads``, ``core.problems``, and the
dispatcher in ``core.dispatcher``. ``beeflow_websocket.testing`` drives actions without a server.
"""

#: The distribution's version, written here rather than read from its metadata (reading it costs
#: tens of milliseconds at every import); tests/test_build.py keeps it equal to pyproject.toml's.
__version__ = "0.4.0.dev0"

__all__ = ["__version__"]
