"""The core tests' actions and events (``kit``), for the resume tests."""

from __future__ import annotations

from tests.core.conftest import Kit, kit

__all__ = ["Kit", "kit"]
