"""The handshake rules every adapter applies: subprotocols, origins and access tokens.

A browser cannot set headers on a WebSocket handshake, so it offers subprotocols:

- ``access-token`` followed by the token itself: the token authenticates the connection. The
  server never selects the token (it would be echoed in the response headers).
- ``beeflow.v1``: the client understands completion frames (see ``schema/``). A 0.3.0 client does
  not offer it and sees only 0.3.0 frames.

The server selects ``beeflow.v1`` when offered, else ``access-token`` when offered, else nothing.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

__all__ = [
    "ACCESS_TOKEN",
    "COMPLETION",
    "Handshake",
    "TokenResolver",
    "negotiate",
    "origin_allowed",
    "parse_subprotocols",
    "resolve_token",
]

T = TypeVar("T")

#: Turns an access token into a user (or user id); ``None`` refuses the connection. Sync or async.
TokenResolver = Callable[[str], Any]

ACCESS_TOKEN = "access-token"
COMPLETION = "beeflow.v1"


@dataclass(frozen=True, slots=True)
class Handshake:
    """What a handshake's offered subprotocols ask for."""

    subprotocol: str | None
    """The subprotocol to select in the handshake response (never the token)."""
    completion: bool
    """Send completion frames on this connection."""
    token: str | None
    """The access token, if the client sent one."""


def negotiate(offered: Sequence[str]) -> Handshake:
    """Read the offered subprotocols; select a non-secret one and extract the token."""
    offered = [item.strip() for item in offered]
    token: str | None = None
    if ACCESS_TOKEN in offered:
        position = offered.index(ACCESS_TOKEN)
        if position + 1 < len(offered) and offered[position + 1] not in (ACCESS_TOKEN, COMPLETION):
            token = offered[position + 1] or None
    completion = COMPLETION in offered
    if completion:
        selected: str | None = COMPLETION
    elif ACCESS_TOKEN in offered:
        selected = ACCESS_TOKEN
    else:
        selected = None
    return Handshake(subprotocol=selected, completion=completion, token=token)


def parse_subprotocols(header: str | None) -> list[str]:
    """The offered subprotocols from a ``Sec-WebSocket-Protocol`` header value."""
    if not header:
        return []
    return [item.strip() for item in header.split(",") if item.strip()]


def _normalise_origin(origin: str) -> str:
    parts = urlsplit(origin.strip().lower())
    default_port = {"http": 80, "https": 443}.get(parts.scheme)
    try:
        port = parts.port
    except ValueError:
        return origin
    netloc = parts.hostname or ""
    if port is not None and port != default_port:
        netloc = f"{netloc}:{port}"
    return f"{parts.scheme}://{netloc}"


def origin_allowed(origin: str | None, allowed: Collection[str] | None) -> bool:
    """Whether a handshake's ``Origin`` may connect.

    ``allowed`` ``None`` accepts every origin; ``"*"`` in it accepts every origin too. A handshake
    without an ``Origin`` header (not a browser) is accepted: origin checks protect browsers from
    cross-site WebSocket hijacking, and browsers always send one.
    """
    if allowed is None or "*" in allowed or origin is None:
        return True
    return _normalise_origin(origin) in {_normalise_origin(item) for item in allowed}


async def resolve_token[T](
    resolver: TokenResolver,
    token: str | None,
    *,
    run_sync: Callable[[Callable[[str], T]], Callable[[str], Awaitable[T]]] | None = None,
) -> Any:
    """Call an application's token resolver; ``None`` without a token.

    Async resolvers are awaited; sync ones run off the event loop (in a thread by default, or
    through ``run_sync`` such as Channels' ``database_sync_to_async``).
    """
    if not token:
        return None
    if inspect.iscoroutinefunction(resolver):
        return await resolver(token)
    if run_sync is not None:
        return await run_sync(resolver)(token)
    result = await asyncio.to_thread(resolver, token)
    if inspect.isawaitable(result):
        return await result
    return result
