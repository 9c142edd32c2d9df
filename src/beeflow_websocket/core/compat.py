"""What generated code needs from the runtime, and the check it runs when it is imported.

``RUNTIME_API`` grows by one whenever the runtime gains something generated code relies on.
Generated packages call :func:`require_runtime_api` with the level they were generated for, so an
out-of-date runtime fails at import with a message saying what to upgrade, not later with an
``AttributeError``.
"""

from __future__ import annotations

__all__ = ["RUNTIME_API", "require_runtime_api"]

#: 1: typed actions (``payload_model``), ``WebSocketEvent``, ``ActionNotImplemented``.
#: 2: ``beeflow_websocket.core.constraints`` (JSON Schema checks of generated models).
#: 3: ``beeflow_websocket.runtime``, the one module generated code imports.
RUNTIME_API = 3


def require_runtime_api(level: int, *, package: str) -> None:
    """Raise ``ImportError`` when this runtime is older than ``level``."""
    if level > RUNTIME_API:
        from beeflow_websocket import __version__

        raise ImportError(
            f"{package} was generated for beeflow-websocket runtime API {level}, but the installed "
            f"beeflow-websocket {__version__} provides API {RUNTIME_API}: upgrade beeflow-websocket."
        )
