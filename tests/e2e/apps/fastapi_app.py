"""FastAPI on uvicorn: the chat example's own app (examples/chat/server.py) plus ``e2e.notify``."""

from __future__ import annotations

import importlib

from . import chat  # noqa: F401 - puts examples/chat on the path; registers the chat package and e2e.notify

#: examples/chat/server.py, unchanged
app = importlib.import_module("server").app

__all__ = ["app"]
