"""The conformance app on FastAPI with test limits (uvicorn sets the ping interval)."""

from __future__ import annotations

from beeflow_websocket.fastapi import get_dispatcher
from tests.conformance.apps.fastapi_app import app

from . import limits

limits.apply(get_dispatcher(app))

__all__ = ["app"]
