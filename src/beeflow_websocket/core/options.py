"""The options FastAPI's and Flask's ``configure_beeflow_websocket`` share, and the dispatcher they make.

Each adapter adds its own (Flask: ``ping_interval``, ``user_resolver``) and records the result
where its framework keeps settings; what the options mean and their defaults live here, once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Unpack

from .autodiscover import DEFAULT_AUTODISCOVER_MODULES, normalize_autodiscover_packages
from .dispatcher import Dispatcher, DispatcherOptions, build_dispatcher

__all__ = ["AppOptions", "Configured", "configure"]


class AppOptions(DispatcherOptions, total=False):
    """The keyword arguments of ``configure_beeflow_websocket`` in the FastAPI and Flask adapters."""

    autodiscover: bool
    autodiscover_modules: Iterable[str] | str | None
    autodiscover_packages: Iterable[str] | str | None


@dataclass(frozen=True, slots=True)
class Configured:
    """The dispatcher, and the autodiscovery settings as read (0.3.0 recorded them on the app)."""

    dispatcher: Dispatcher
    autodiscover: bool
    modules: tuple[str, ...]
    packages: tuple[str, ...]


def configure(
    discover: Iterable[str],
    *,
    autodiscover: bool = True,
    autodiscover_modules: Iterable[str] | str | None = DEFAULT_AUTODISCOVER_MODULES,
    autodiscover_packages: Iterable[str] | str | None = None,
    **options: Unpack[DispatcherOptions],
) -> Configured:
    """Read an application's options and build its dispatcher.

    With ``autodiscover`` the plugin modules (``autodiscover_modules``) of the packages
    ``discover`` (the adapter passes the calling module's package and its parents) are imported,
    then the packages ``autodiscover_packages`` with every module under them, as in 0.3.0.
    """
    if not isinstance(autodiscover, bool):
        raise TypeError(f"autodiscover must be True or False, not {autodiscover!r}")
    modules = normalize_autodiscover_packages(autodiscover_modules, setting_name="autodiscover_modules")
    packages = normalize_autodiscover_packages(autodiscover_packages, setting_name="autodiscover_packages")
    dispatcher = build_dispatcher(
        discover=discover if autodiscover else (),
        discover_modules=modules,
        discover_packages=packages if autodiscover else (),
        **options,
    )
    return Configured(dispatcher, autodiscover, modules, packages)
