"""The core tests' actions and events (``kit``), and the conformance suite's real servers (``server``)."""

from __future__ import annotations

from tests.conformance.conftest import server
from tests.core.conftest import Kit, kit

__all__ = ["Kit", "kit", "server"]
