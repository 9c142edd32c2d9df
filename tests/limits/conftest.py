"""The core tests' actions (``echo``, ``health``, ...) for the limits tests."""

from tests.core.conftest import Kit, kit

__all__ = ["Kit", "kit"]
