"""The access-token convention as Channels middleware: ``new WebSocket(url, ["access-token", token])``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware

from beeflow_websocket.core.handshake import ACCESS_TOKEN, TokenResolver, negotiate, resolve_token

__all__ = [
    "AUTHENTICATION_SUBPROTOCOL",
    "ASGIApplication",
    "ASGIReceive",
    "ASGIScope",
    "ASGISend",
    "AccessTokenAuthMiddleware",
    "TokenUserResolver",
    "access_token_from_subprotocols",
    "selected_authentication_subprotocol",
]

#: The subprotocol a client offers before its token: ``["access-token", token]``.
AUTHENTICATION_SUBPROTOCOL = ACCESS_TOKEN

ASGIScope = dict[str, Any]
ASGIReceive = Callable[[], Awaitable[dict[str, Any]]]
ASGISend = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApplication = Callable[[ASGIScope, ASGIReceive, ASGISend], Awaitable[None]]
#: token -> user (``is_authenticated``, ``id``) or ``None``; sync or async.
TokenUserResolver = TokenResolver


def _offered(scope: Mapping[str, object]) -> list[str]:
    offered = scope.get("subprotocols") or ()
    if isinstance(offered, str) or not isinstance(offered, list | tuple):
        return []
    return [item for item in offered if isinstance(item, str)]


def access_token_from_subprotocols(scope: Mapping[str, object]) -> str:
    """The token offered after ``access-token`` in the handshake, or ``""``."""
    return negotiate(_offered(scope)).token or ""


def selected_authentication_subprotocol(scope: Mapping[str, object]) -> str | None:
    """``"access-token"`` when the client offered it (never the token itself), else ``None``."""
    return AUTHENTICATION_SUBPROTOCOL if AUTHENTICATION_SUBPROTOCOL in _offered(scope) else None


class AccessTokenAuthMiddleware(BaseMiddleware):
    """Sets ``scope["user"]`` from the access token a browser offers as a subprotocol.

    ``user_resolver(token)`` returns the user (``user.is_authenticated`` true, ``user.id`` the
    application user id) or ``None`` for a token it does not accept; it may be sync (run through
    ``database_sync_to_async``, so ORM lookups stay off the event loop) or async. Without a token,
    or when the resolver returns ``None``, the scope gets an anonymous user and
    :class:`~beeflow_websocket.django.consumer.WebSocketConsumer` refuses the handshake with HTTP 403.
    The token is never selected as the subprotocol.
    """

    def __init__(self, inner: Any, user_resolver: TokenResolver) -> None:
        super().__init__(inner)
        self.user_resolver = user_resolver

    async def __call__(self, scope: Any, receive: Any, send: Any) -> Any:
        scope = dict(scope)
        token = negotiate(scope.get("subprotocols") or ()).token
        user = await resolve_token(self.user_resolver, token, run_sync=database_sync_to_async)
        scope["user"] = _anonymous() if user is None else user
        inner: Any = self.inner
        return await inner(scope, receive, send)


class _AnonymousUser:
    """Stands in for Django's ``AnonymousUser`` in projects without ``django.contrib.auth``."""

    id = None
    pk = None
    is_authenticated = False
    is_anonymous = True

    def __str__(self) -> str:
        return "AnonymousUser"


def _anonymous() -> Any:
    from django.apps import apps

    if apps.is_installed("django.contrib.auth"):
        from django.contrib.auth.models import AnonymousUser

        return AnonymousUser()
    return _AnonymousUser()
