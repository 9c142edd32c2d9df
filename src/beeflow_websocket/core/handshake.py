"""The handshake rules every adapter applies: subprotocols, origins and access tokens.

A browser cannot set headers on a WebSocket handshake, so it offers subprotocols:

- ``access-token`` followed by the token itself: the token authenticates the connection. The
  server never selects the token (it would be echoed in the response headers).
- ``beeflow.v1``: the client understands completion frames (see ``schema/``). A 0.3.0 client does
  not offer it and sees only 0.3.0 frames.
- ``beeflow.v2``: v1 plus sessions that resume after a reconnect (``docs/en/protocol.md``): a
  session frame first, then ``seq`` on every frame. A client offers it before ``beeflow.v1``.
- ``beeflow.resume.<session>.<epoch>.<seq>``: resume that session after the last ``seq`` the
  client received. Never selected.

The server selects ``beeflow.v2`` when offered, else ``beeflow.v1``, else ``access-token``, else
nothing.
"""

from __future__ import annotations

import asyncio
import inspect
import re
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "ACCESS_TOKEN",
    "COMPLETION",
    "SESSIONS",
    "Handshake",
    "ResumeRequest",
    "TokenResolver",
    "negotiate",
    "negotiated",
    "origin_allowed",
    "parse_subprotocols",
    "resolve_token",
]

#: Turns an access token into a user (or user id); ``None`` refuses the connection. Sync or async.
TokenResolver = Callable[[str], Any]

ACCESS_TOKEN = "access-token"
COMPLETION = "beeflow.v1"
SESSIONS = "beeflow.v2"
RESUME_PREFIX = "beeflow.resume."
_RESUME = re.compile(r"beeflow\.resume\.([0-9a-f]{32})\.([0-9a-f]{16})\.(0|[1-9][0-9]{0,17})")


@dataclass(frozen=True, slots=True)
class ResumeRequest:
    """``beeflow.resume.<session>.<epoch>.<seq>``: the session a client asks to resume."""

    session: str
    epoch: str
    seq: int

    @property
    def token(self) -> str:
        return f"{RESUME_PREFIX}{self.session}.{self.epoch}.{self.seq}"


@dataclass(frozen=True, slots=True)
class Handshake:
    """What a handshake's offered subprotocols ask for."""

    subprotocol: str | None
    """The subprotocol to select in the handshake response (never the token)."""
    completion: bool
    """Send completion frames on this connection."""
    token: str | None
    """The access token, if the client sent one."""
    sessions: bool = False
    """``beeflow.v2``: the connection gets a session (session frame, ``seq`` on every frame)."""
    resume: ResumeRequest | None = None
    """The session the client asks to resume (only with ``sessions``)."""


def negotiate(offered: Sequence[str]) -> Handshake:
    """Read the offered subprotocols; select a non-secret one and extract the token."""
    offered = [item.strip() for item in offered]
    token: str | None = None
    if ACCESS_TOKEN in offered:
        position = offered.index(ACCESS_TOKEN)
        if position + 1 < len(offered) and offered[position + 1] not in (ACCESS_TOKEN, COMPLETION, SESSIONS):
            token = offered[position + 1] or None
    sessions = SESSIONS in offered
    completion = sessions or COMPLETION in offered
    if sessions:
        selected: str | None = SESSIONS
    elif completion:
        selected = COMPLETION
    elif ACCESS_TOKEN in offered:
        selected = ACCESS_TOKEN
    else:
        selected = None
    resume: ResumeRequest | None = None
    if sessions:
        for item in offered:
            if item.startswith(RESUME_PREFIX) and (match := _RESUME.fullmatch(item)):
                resume = ResumeRequest(match[1], match[2], int(match[3]))
                break
    return Handshake(subprotocol=selected, completion=completion, token=token, sessions=sessions, resume=resume)


def negotiated(offered: Sequence[str], selected: str | None) -> Handshake:
    """The handshake of a socket whose subprotocol was already selected (by the server or the app).

    When ``selected`` is what :func:`negotiate` picks from ``offered``, that handshake (with its
    resume request); otherwise what ``selected`` alone means.
    """
    handshake = negotiate(offered)
    if handshake.subprotocol == (selected or None):
        return handshake
    return negotiate([selected or ""])


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
