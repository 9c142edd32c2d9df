"""The Django app: ``"beeflow_websocket.django"`` in ``INSTALLED_APPS``."""

from __future__ import annotations

from django.apps import AppConfig, apps
from django.conf import settings
from django.core import checks

from beeflow_websocket.core.autodiscover import autodiscover

__all__ = ["BeeflowWebSocketConfig"]


class BeeflowWebSocketConfig(AppConfig):
    """Imports the plugin modules of every installed app once the app registry is ready.

    ``actions``, ``events``, ``recipients``, ``ws.actions``, ``ws.events`` and ``ws.recipients``
    are imported when they exist; an error inside one fails start-up. Set
    ``BEEFLOW_WEBSOCKET_AUTODISCOVER = False`` to import them yourself.
    """

    name = "beeflow_websocket.django"
    label = "beeflow_websocket"
    verbose_name = "Beeflow WebSocket"

    def ready(self) -> None:
        from .checks import check_redis_socket_timeout

        checks.register(check_redis_socket_timeout)
        if getattr(settings, "BEEFLOW_WEBSOCKET_AUTODISCOVER", True):
            autodiscover(app_config.name for app_config in apps.get_app_configs())
