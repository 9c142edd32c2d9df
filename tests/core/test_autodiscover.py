"""Autodiscovery imports the six conventional modules, skips missing ones, and never hides errors."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from beeflow_websocket.core.action_registry import ActionRegistryMeta
from beeflow_websocket.core.autodiscover import PLUGIN_MODULES, autodiscover, package_and_parents
from beeflow_websocket.core.event_registry import EventRegistryMeta

PLUGINS = "tests.core.plugins"


@pytest.fixture(autouse=True)
def _forget_plugin_modules() -> Iterator[None]:
    yield
    for name in [name for name in sys.modules if name.startswith(PLUGINS)]:
        del sys.modules[name]


def test_conventional_modules_are_imported_and_register() -> None:
    modules = autodiscover([f"{PLUGINS}.goodapp", f"{PLUGINS}.emptyapp", "no_such_package_at_all"])
    assert [module.__name__ for module in modules] == [
        f"{PLUGINS}.goodapp.actions",
        f"{PLUGINS}.goodapp.ws.events",
    ]
    assert "goodapp.ping" in ActionRegistryMeta.registry
    assert "goodapp.pinged" in EventRegistryMeta.registry


def test_an_import_error_inside_an_existing_module_fails_loudly() -> None:
    with pytest.raises(ModuleNotFoundError, match="this_module_does_not_exist"):
        autodiscover([f"{PLUGINS}.brokenapp"])


def test_the_six_conventional_modules() -> None:
    assert PLUGIN_MODULES == ("actions", "events", "recipients", "ws.actions", "ws.events", "ws.recipients")


def test_package_and_parents() -> None:
    assert package_and_parents("my_app.api.main") == ["my_app.api.main", "my_app.api", "my_app"]
