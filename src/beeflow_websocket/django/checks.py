"""System checks (``manage.py check``) for settings that break delivery at run time."""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning

from beeflow_websocket.core.config import resume_config

from .resume import HISTORY_SETTING, SESSION_STORE_SETTING, SettingError, resume_backends

__all__ = ["check_redis_socket_timeout", "check_resume_settings"]

_REDIS_LAYER = "channels_redis.core.RedisChannelLayer"


def _major(distribution: str) -> int | None:
    try:
        return int(version(distribution).split(".")[0])
    except (PackageNotFoundError, ValueError):
        return None


def check_redis_socket_timeout(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """``beeflow_websocket.W001``: a Redis channel layer whose hosts keep redis-py 8's read timeout.

    redis-py 8 reads with a 5 s ``socket_timeout`` by default, as long as channels-redis 4.3 blocks
    in ``BZPOPMIN`` waiting for messages: an idle consumer's receive then fails, and the server
    closes its socket with 1011 every few seconds (django/channels_redis#422). Each host needs an
    explicit ``socket_timeout``.
    """
    if (_major("redis") or 0) < 8:
        return []
    messages: list[CheckMessage] = []
    for alias, layer in (getattr(settings, "CHANNEL_LAYERS", None) or {}).items():
        if layer.get("BACKEND") != _REDIS_LAYER:
            continue
        hosts = (layer.get("CONFIG") or {}).get("hosts") or [("localhost", 6379)]
        if all(isinstance(host, dict) and "socket_timeout" in host for host in hosts):
            continue
        messages.append(
            Warning(
                f"CHANNEL_LAYERS[{alias!r}] uses redis-py 8 read timeouts: idle WebSocket consumers "
                "will be disconnected (close code 1011) every few seconds.",
                hint=(
                    'Give every host an explicit socket_timeout, e.g. "hosts": '
                    '[{"address": "redis://127.0.0.1:6379", "socket_timeout": None}], '
                    'or {"host": ..., "port": ..., "socket_timeout": None}.'
                ),
                id="beeflow_websocket.W001",
            )
        )
    return messages


_RESUME_ERRORS = {HISTORY_SETTING: "beeflow_websocket.E001", SESSION_STORE_SETTING: "beeflow_websocket.E002"}


def check_resume_settings(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """``beeflow_websocket.E001`` / ``E002``: a history or session store setting that names nothing usable.

    The settings are resolved as the dispatcher resolves them (dotted paths imported, Redis URLs
    turned into a ``RedisHistory`` and a ``RedisSessionStore``, nothing connected), so a mistake
    shows at ``manage.py check`` rather than at the first ``beeflow.v2`` connection.
    """
    try:
        resume = resume_config(getattr(settings, "BEEFLOW_WEBSOCKET_RESUME", None))
    except (TypeError, ValueError) as error:
        return [Error(f"BEEFLOW_WEBSOCKET_RESUME: {error}", id="beeflow_websocket.E003")]
    try:
        resume_backends(resume)
    except SettingError as error:
        hint = "See the resumable sessions section of the Django guide (docs/en/django.md)."
        return [Error(str(error), hint=hint, id=_RESUME_ERRORS[error.setting])]
    return []
