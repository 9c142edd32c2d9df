"""AccessTokenAuthMiddleware: sync and async resolvers, anonymous users, the scope it hands on."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.test import override_settings

from beeflow_websocket.django.authentication import AccessTokenAuthMiddleware

from .conftest import User


class Inner:
    """An ASGI app that records the scope it gets."""

    def __init__(self) -> None:
        self.scope: dict[str, Any] | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.scope = scope


async def call(middleware: AccessTokenAuthMiddleware, inner: Inner, subprotocols: list[str]) -> Any:
    scope = {"type": "websocket", "path": "/ws/", "subprotocols": subprotocols}
    await middleware(scope, None, None)
    assert "user" not in scope  # the caller's scope is left alone
    assert inner.scope is not None
    return inner.scope["user"]


async def test_a_sync_resolver_runs_off_the_event_loop() -> None:
    threads: list[int] = []

    def resolver(token: str) -> User | None:
        threads.append(threading.get_ident())
        return User(7) if token == "good" else None

    inner = Inner()
    middleware = AccessTokenAuthMiddleware(inner, user_resolver=resolver)
    user = await call(middleware, inner, ["beeflow.v1", "access-token", "good"])
    assert user == User(7)
    assert len(threads) == 1
    assert threads[0] != threading.get_ident()


async def test_an_async_resolver_is_awaited() -> None:
    seen: list[str] = []

    async def resolver(token: str) -> User:
        seen.append(token)
        return User("u-1")

    inner = Inner()
    user = await call(AccessTokenAuthMiddleware(inner, user_resolver=resolver), inner, ["access-token", "t0k3n"])
    assert (user, seen) == (User("u-1"), ["t0k3n"])


@pytest.mark.parametrize("subprotocols", [[], ["beeflow.v1"], ["access-token"], ["access-token", "rejected"]])
async def test_no_token_or_a_refused_one_gives_an_anonymous_user(subprotocols: list[str]) -> None:
    calls: list[str] = []

    def resolver(token: str) -> None:
        calls.append(token)

    inner = Inner()
    user = await call(AccessTokenAuthMiddleware(inner, user_resolver=resolver), inner, subprotocols)
    assert isinstance(user, AnonymousUser)
    assert calls == (["rejected"] if "rejected" in subprotocols else [])


async def test_projects_without_django_contrib_auth_get_a_stand_in_anonymous_user() -> None:
    installed = [app for app in settings.INSTALLED_APPS if app != "django.contrib.auth"]
    with override_settings(INSTALLED_APPS=installed):
        inner = Inner()
        user = await call(AccessTokenAuthMiddleware(inner, user_resolver=lambda token: None), inner, [])
    assert user.is_authenticated is False
    assert user.id is None
