"""0.3.0's ``beeflow_websocket.fastapi.config``: the adapter's settings on ``app.state``."""

from __future__ import annotations

from typing import Any

from .adapter import (
    AUTODISCOVER_MODULES_STATE_KEY,
    AUTODISCOVER_PACKAGES_STATE_KEY,
    AUTODISCOVER_STATE_KEY,
    PROBLEM_TYPE_BASE_URL_STATE_KEY,
    configure_beeflow_websocket,
    get_dispatcher,
)

__all__ = [
    "AUTODISCOVER_MODULES_STATE_KEY",
    "AUTODISCOVER_PACKAGES_STATE_KEY",
    "AUTODISCOVER_STATE_KEY",
    "PROBLEM_TYPE_BASE_URL_STATE_KEY",
    "configure_beeflow_websocket",
    "get_problem_type_base_url",
]


def get_problem_type_base_url(websocket: Any) -> str | None:
    """The problem ``type`` base URL configured for the app serving ``websocket``."""
    return get_dispatcher(websocket.app).config.problem_type_base_url
