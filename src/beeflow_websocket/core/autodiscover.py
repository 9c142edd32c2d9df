"""Import the conventional plugin modules of application packages so their classes register.

For each package ``p`` the modules ``p.actions``, ``p.events``, ``p.recipients``,
``p.ws.actions``, ``p.ws.events`` and ``p.ws.recipients`` are imported when they exist; a plugin
module that is a package is imported with every module under it, as 0.3.0 did. A missing module is
skipped; an error raised while importing an existing one propagates, so a broken plugin fails
start-up instead of silently dropping its actions.

The 0.3.0 functions (``autodiscover_websocket_plugins``, ``build_autodiscover_package_names``, ...)
keep their names and contracts.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import sys
from collections.abc import Iterable
from types import ModuleType

__all__ = [
    "DEFAULT_AUTODISCOVER_MODULES",
    "PLUGIN_MODULES",
    "autodiscover",
    "autodiscover_available_websocket_plugins",
    "autodiscover_websocket_plugins",
    "build_autodiscover_package_names",
    "caller_packages",
    "get_calling_module_name",
    "get_module_base_packages",
    "normalize_autodiscover_packages",
    "package_and_parents",
]

PLUGIN_MODULES = ("actions", "events", "recipients", "ws.actions", "ws.events", "ws.recipients")
#: 0.3.0's name for :data:`PLUGIN_MODULES`.
DEFAULT_AUTODISCOVER_MODULES = PLUGIN_MODULES


def _exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        # A parent package (``p.ws``) is missing.
        return False


def _import_tree(name: str, imported: list[ModuleType], seen: set[str]) -> None:
    """Import ``name`` and, when it is a package, every module under it (once each)."""
    if name in seen:
        return
    seen.add(name)
    module = importlib.import_module(name)
    imported.append(module)
    path = getattr(module, "__path__", None)
    if path is not None:
        for info in sorted(pkgutil.iter_modules(path, f"{name}."), key=lambda info: info.name):
            _import_tree(info.name, imported, seen)


def autodiscover(
    packages: Iterable[str], modules: Iterable[str] = PLUGIN_MODULES, *, required: Iterable[str] = ()
) -> list[ModuleType]:
    """Import the plugin ``modules`` of ``packages`` that exist, then the ``required`` packages.

    Returns the modules imported, in order. ``required`` packages (0.3.0's
    ``autodiscover_packages``) must exist: a missing one raises ``ModuleNotFoundError``.
    """
    imported: list[ModuleType] = []
    seen: set[str] = set()
    suffixes = tuple(modules)
    for package in packages:
        for suffix in suffixes:
            name = f"{package}.{suffix}"
            if name not in seen and _exists(name):
                _import_tree(name, imported, seen)
    for name in required:
        _import_tree(name, imported, seen)
    return imported


def normalize_autodiscover_packages(
    packages: Iterable[str] | str | None, *, setting_name: str = "autodiscover packages"
) -> tuple[str, ...]:
    """0.3.0: package names from a setting, stripped; a lone string, a non-string or a blank name is an error."""
    if packages is None:
        return ()
    if isinstance(packages, str):
        raise TypeError(f"{setting_name} must be a list of package names, not the string {packages!r}")
    names = []
    for package in packages:
        if not isinstance(package, str):
            raise TypeError(f"{setting_name} must hold package names (strings), not {package!r}")
        if not package.strip():
            raise ValueError(f"{setting_name} holds a blank package name")
        names.append(package.strip())
    return tuple(names)


def autodiscover_websocket_plugins(packages: Iterable[str] | str | None) -> tuple[str, ...]:
    """0.3.0: import each package and every module under it; return the names imported."""
    names = normalize_autodiscover_packages(packages, setting_name="autodiscover packages")
    return tuple(module.__name__ for module in autodiscover((), (), required=names))


def autodiscover_available_websocket_plugins(packages: Iterable[str] | str | None) -> tuple[str, ...]:
    """0.3.0: as :func:`autodiscover_websocket_plugins`, skipping packages that do not exist."""
    names = normalize_autodiscover_packages(packages, setting_name="autodiscover packages")
    return tuple(module.__name__ for module in autodiscover((), (), required=filter(_exists, names)))


def build_autodiscover_package_names(
    base_packages: Iterable[str] | str | None,
    module_names: Iterable[str] | str | None = DEFAULT_AUTODISCOVER_MODULES,
) -> tuple[str, ...]:
    """0.3.0: every ``<base>.<module>`` name, bases first."""
    bases = normalize_autodiscover_packages(base_packages, setting_name="autodiscover base packages")
    suffixes = normalize_autodiscover_packages(module_names, setting_name="autodiscover module names")
    return tuple(f"{base}.{suffix}" for base in bases for suffix in suffixes)


def get_module_base_packages(module_name: str | None) -> tuple[str, ...]:
    """0.3.0: ``"a.b.c"`` -> ``("a.b.c", "a.b", "a")``; nothing for ``None`` or ``__main__``."""
    if not module_name or module_name == "__main__":
        return ()
    return tuple(package_and_parents(".".join(part for part in module_name.split(".") if part)))


def get_calling_module_name(stack_depth: int) -> str | None:
    """0.3.0: the ``__name__`` of the module ``stack_depth`` frames above this call."""
    try:
        name = sys._getframe(stack_depth).f_globals.get("__name__")
    except ValueError:
        return None
    return name if isinstance(name, str) and name else None


def package_and_parents(module: str) -> list[str]:
    """``"a.b.c"`` -> ``["a.b.c", "a.b", "a"]``: where FastAPI and Flask apps look for plugins."""
    parts = module.split(".")
    return [".".join(parts[:end]) for end in range(len(parts), 0, -1)]


def caller_packages(depth: int = 2) -> list[str]:
    """The module that called our caller, and its parent packages (for FastAPI and Flask setup).

    ``depth`` counts frames above this function: 2 is the caller of the function calling this one.
    A script run as ``__main__`` counts under its import name when it has one.
    """
    namespace = sys._getframe(depth).f_globals
    name = namespace.get("__name__", "")
    if name == "__main__":
        spec = namespace.get("__spec__")
        name = getattr(spec, "name", "") or ""
    return package_and_parents(name) if name else []
