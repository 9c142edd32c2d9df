"""0.3.0's ``beeflow_websocket.flask.config``: the adapter's settings in ``app.config``."""

from __future__ import annotations

from flask import current_app

from .adapter import (
    AUTODISCOVER_CONFIG_KEY,
    AUTODISCOVER_MODULES_CONFIG_KEY,
    AUTODISCOVER_PACKAGES_CONFIG_KEY,
    PROBLEM_TYPE_BASE_URL_CONFIG_KEY,
    configure_beeflow_websocket,
)

__all__ = [
    "AUTODISCOVER_CONFIG_KEY",
    "AUTODISCOVER_MODULES_CONFIG_KEY",
    "AUTODISCOVER_PACKAGES_CONFIG_KEY",
    "PROBLEM_TYPE_BASE_URL_CONFIG_KEY",
    "configure_beeflow_websocket",
    "get_problem_type_base_url",
]


def get_problem_type_base_url() -> str | None:
    """The problem ``type`` base URL configured for the current Flask app."""
    value = current_app.config.get(PROBLEM_TYPE_BASE_URL_CONFIG_KEY)
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{PROBLEM_TYPE_BASE_URL_CONFIG_KEY} must be a string or None, not {value!r}")
    return value
