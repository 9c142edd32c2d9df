"""Django configured in this process: tests drive the consumer through Channels' WebsocketCommunicator."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any
from uuid import UUID

import django
import pytest

os.environ["DJANGO_SETTINGS_MODULE"] = "tests.django.settings"
django.setup()

from channels.routing import URLRouter  # noqa: E402 - needs settings
from django.test import override_settings  # noqa: E402

from beeflow_websocket.django.authentication import AccessTokenAuthMiddleware  # noqa: E402
from beeflow_websocket.django.routing import websocket_urlpatterns  # noqa: E402

CONFORMANCE_APPS = "tests.conformance.apps"


@pytest.fixture(autouse=True)
def _fresh_channel_layer() -> Iterator[None]:
    """A new in-memory channel layer (and so a new dispatcher) for every test and its event loop."""
    with override_settings(CHANNEL_LAYERS={"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}):
        yield


@pytest.fixture
def actions() -> ModuleType:
    """The conformance actions (echo, notify_user, room.*, fail, forbid, sleep, whoami), registered
    in this test's isolated registries."""
    for name in (f"{CONFORMANCE_APPS}.actions", f"{CONFORMANCE_APPS}.events"):
        sys.modules.pop(name, None)
    return importlib.import_module(f"{CONFORMANCE_APPS}.actions")


@dataclass(frozen=True)
class User:
    """A user as a project's resolver returns it."""

    id: Any
    is_authenticated: bool = True


#: ``token-<name>`` authenticates a user whose id is a string; these two have other id types.
SPECIAL_USERS = {"token-int": User(42), "token-uuid": User(UUID("12345678-1234-5678-1234-567812345678"))}


def user_for_token(token: str) -> User | None:
    if token in SPECIAL_USERS:
        return SPECIAL_USERS[token]
    if token.startswith("token-") and len(token) > len("token-"):
        return User(token.removeprefix("token-"))
    return None


async def user_for_token_async(token: str) -> User | None:
    return user_for_token(token)


def token_app(resolver: Any = user_for_token, urlpatterns: Any = None) -> Any:
    """The conformance asgi.py's websocket stack (without the origin validator)."""
    return AccessTokenAuthMiddleware(URLRouter(urlpatterns or websocket_urlpatterns), user_resolver=resolver)
