"""The Django app: ``"beeflow_websocket.django"`` in ``INSTALLED_APPS``."""

from __future__ import annotations

from django.apps import AppConfig
from django.core import checks

__all__ = ["BeeflowWebSocketConfig", "BeeflowWebsocketDjangoConfig"]


class BeeflowWebSocketConfig(AppConfig):
    """Imports the plugin modules of every installed app once the app registry is ready.

    ``actions``, ``events``, ``recipients``, ``ws.actions``, ``ws.events`` and ``ws.recipients``
    are imported when they exist; an error inside one fails start-up. Set
    ``BEEFLOW_WEBSOCKET_AUTODISCOVER = False`` to import them yourself; 0.3.0's
    ``BEEFLOW_WEBSOCKET_AUTODISCOVER_MODULES`` and ``..._PACKAGES`` are honoured
    (see :mod:`beeflow_websocket.django.autodiscover`).
    """

    name = "beeflow_websocket.django"
    label = "beeflow_websocket"
    verbose_name = "Beeflow WebSocket"

    def ready(self) -> None:
        from .autodiscover import autodiscover_websocket_plugins
        from .checks import check_redis_socket_timeout, check_resume_settings

        checks.register(check_redis_socket_timeout)
        checks.register(check_resume_settings)
        autodiscover_websocket_plugins()


class BeeflowWebsocketDjangoConfig(BeeflowWebSocketConfig):
    """0.3.0's name, for ``INSTALLED_APPS`` entries that spell out the config class."""

    default = False  # the app's default config stays BeeflowWebSocketConfig
