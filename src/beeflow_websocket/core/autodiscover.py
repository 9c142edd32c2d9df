"""Import the conventional plugin modules of application packages so their classes register.

For each package ``p`` the modules ``p.actions``, ``p.events``, ``p.recipients``,
``p.ws.actions``, ``p.ws.events`` and ``p.ws.recipients`` are imported when they exist. A missing
module is skipped; an error raised while importing an existing one propagates, so a broken plugin
fails start-up instead of silently dropping its actions.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Iterable
from types import ModuleType

__all__ = ["PLUGIN_MODULES", "autodiscover", "caller_packages", "package_and_parents"]

PLUGIN_MODULES = ("actions", "events", "recipients", "ws.actions", "ws.events", "ws.recipients")


def _exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        # A parent package (``p.ws``) is missing.
        return False


def autodiscover(packages: Iterable[str]) -> list[ModuleType]:
    """Import the plugin modules of ``packages``; return the modules imported, in order."""
    imported: list[ModuleType] = []
    seen: set[str] = set()
    for package in packages:
        for suffix in PLUGIN_MODULES:
            name = f"{package}.{suffix}"
            if name in seen or not _exists(name):
                continue
            seen.add(name)
            imported.append(importlib.import_module(name))
    return imported


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
