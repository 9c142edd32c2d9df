"""The Django app: ``"beeflow_websocket.django"`` in ``INSTALLED_APPS``."""

from __future__ import annotations

import importlib

from django.apps import AppConfig, apps
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from beeflow_websocket.core.autodiscover import autodiscover

__all__ = ["BeeflowWebSocketConfig"]


class BeeflowWebSocketConfig(AppConfig):
    """Imports the plugin modules of every installed app once the app registry is ready.

    ``actions``, ``events``, ``recipients``, ``ws.actions``, ``ws.events`` and ``ws.recipients``
    are imported when they exist; an error inside one fails start-up. Set
    ``BEEFLOW_WEBSOCKET_AUTODISCOVER = False`` to import them yourself.

    ``BEEFLOW_WEBSOCKET_MODULES`` lists more modules to import, with or without autodiscovery:
    a generated package outside the installed apps (``["mysite.api"]``), for example.
    """

    name = "beeflow_websocket.django"
    label = "beeflow_websocket"
    verbose_name = "Beeflow WebSocket"

    def ready(self) -> None:
        from .checks import check_redis_socket_timeout

        checks.register(check_redis_socket_timeout)
        if getattr(settings, "BEEFLOW_WEBSOCKET_AUTODISCOVER", True):
            autodiscover(app_config.name for app_config in apps.get_app_configs())
        for module in _modules():
            importlib.import_module(module)


def _modules() -> list[str]:
    modules = getattr(settings, "BEEFLOW_WEBSOCKET_MODULES", ())
    if (
        isinstance(modules, str)
        or not isinstance(modules, list | tuple)
        or not all(isinstance(module, str) for module in modules)
    ):
        raise ImproperlyConfigured(
            f"BEEFLOW_WEBSOCKET_MODULES must be a list of module names, such as ['mysite.api'], not {modules!r}"
        )
    return list(modules)
