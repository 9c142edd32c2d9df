"""The Django conformance server with test limits (daphne sets the ping interval)."""

from __future__ import annotations

from beeflow_websocket.django import get_dispatcher
from tests.conformance.apps.django_project.asgi import application

from . import limits

limits.apply(get_dispatcher())

__all__ = ["application"]
