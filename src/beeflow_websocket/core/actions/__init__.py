"""Actions bundled with the runtime."""

from .health import Health

__all__ = ["Health"]
