"""WebSocket subprotocol negotiation, the same for every adapter.

A browser cannot set headers on a WebSocket handshake, so it offers subprotocols:

- ``access-token`` followed by the token itself: the token authenticates the connection. The
  server never selects the token (it would be echoed in the response headers).
- ``beeflow.v1``: the client understands completion frames (see ``schema/``). A 0.3.0 client does
  not offer it and sees only 0.3.0 frames.

The server selects ``beeflow.v1`` when offered, else ``access-token`` when offered, else nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["ACCESS_TOKEN", "COMPLETION", "Handshake", "negotiate"]

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
        if position + 1 < len(offered):
            token = offered[position + 1] or None
    completion = COMPLETION in offered
    if completion:
        selected: str | None = COMPLETION
    elif ACCESS_TOKEN in offered:
        selected = ACCESS_TOKEN
    else:
        selected = None
    return Handshake(subprotocol=selected, completion=completion, token=token)
