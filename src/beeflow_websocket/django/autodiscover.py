"""Autodiscovery in a Django project (0.3.0's ``beeflow_websocket.django.autodiscover``).

=============================================== ================ ====================================
Setting                                         Default          Meaning
=============================================== ================ ====================================
``BEEFLOW_WEBSOCKET_AUTODISCOVER``              ``True``         import plugin modules at start-up
``BEEFLOW_WEBSOCKET_AUTODISCOVER_MODULES``      the six modules  which modules of each installed app
``BEEFLOW_WEBSOCKET_AUTODISCOVER_PACKAGES``     ``()``           more packages, imported with every
                                                                 module under them (must exist)
=============================================== ================ ====================================
"""

from __future__ import annotations

from collections.abc import Iterable

from django.apps import apps
from django.conf import settings

from beeflow_websocket.core.autodiscover import (
    DEFAULT_AUTODISCOVER_MODULES,
    autodiscover,
    build_autodiscover_package_names,
    normalize_autodiscover_packages,
)

__all__ = [
    "AUTODISCOVER_MODULES_SETTING",
    "AUTODISCOVER_PACKAGES_SETTING",
    "AUTODISCOVER_SETTING",
    "autodiscover_websocket_plugins",
    "get_autodiscover_enabled",
    "get_autodiscover_modules",
    "get_autodiscover_packages",
    "iter_installed_app_plugin_packages",
]

AUTODISCOVER_SETTING = "BEEFLOW_WEBSOCKET_AUTODISCOVER"
AUTODISCOVER_MODULES_SETTING = "BEEFLOW_WEBSOCKET_AUTODISCOVER_MODULES"
AUTODISCOVER_PACKAGES_SETTING = "BEEFLOW_WEBSOCKET_AUTODISCOVER_PACKAGES"


def get_autodiscover_enabled() -> bool:
    value = getattr(settings, AUTODISCOVER_SETTING, True)
    if not isinstance(value, bool):
        raise TypeError(f"{AUTODISCOVER_SETTING} must be True or False, not {value!r}")
    return value


def get_autodiscover_modules() -> tuple[str, ...]:
    value = getattr(settings, AUTODISCOVER_MODULES_SETTING, DEFAULT_AUTODISCOVER_MODULES)
    return normalize_autodiscover_packages(value, setting_name=AUTODISCOVER_MODULES_SETTING)


def get_autodiscover_packages() -> tuple[str, ...]:
    value = getattr(settings, AUTODISCOVER_PACKAGES_SETTING, ())
    return normalize_autodiscover_packages(value, setting_name=AUTODISCOVER_PACKAGES_SETTING)


def iter_installed_app_plugin_packages() -> Iterable[str]:
    """``<app>.<module>`` for every installed app and every autodiscovered module name."""
    return build_autodiscover_package_names(
        [app_config.name for app_config in apps.get_app_configs()], get_autodiscover_modules()
    )


def autodiscover_websocket_plugins() -> tuple[str, ...]:
    """Import the plugin modules of every installed app, then the configured packages.

    Returns the names of the modules imported; nothing when autodiscovery is off.
    """
    if not get_autodiscover_enabled():
        return ()
    modules = autodiscover(
        [app_config.name for app_config in apps.get_app_configs()],
        get_autodiscover_modules(),
        required=get_autodiscover_packages(),
    )
    return tuple(module.__name__ for module in modules)
