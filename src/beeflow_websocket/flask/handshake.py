"""The core's handshake rules on flask-sock: origins, access tokens and subprotocol selection.

flask-sock completes the WebSocket handshake before the route function runs, so the checks run
earlier, in a ``before_request`` hook on WebSocket routes: a refused handshake gets an ordinary
HTTP 403 and never becomes a WebSocket. Subprotocol selection happens inside simple-websocket; the
:class:`Subprotocols` container makes its choice the core's.
"""

from __future__ import annotations

import inspect
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from flask import Response, current_app, g, has_request_context, request

from beeflow_websocket.core.dispatcher import Dispatcher
from beeflow_websocket.core.handshake import TokenResolver, negotiate, origin_allowed, parse_subprotocols

from .loop import call
from .wire import install_wire

__all__ = ["USER_ID", "Subprotocols", "check_handshake"]

#: Name of the ``flask.g`` attribute holding the user id that ``user_resolver`` returned.
USER_ID = "beeflow_user_id"
EXTENSION = "beeflow_websocket"


@dataclass(frozen=True, slots=True)
class State:
    """What ``configure_beeflow_websocket`` keeps in ``app.extensions``."""

    dispatcher: Dispatcher
    user_resolver: TokenResolver | None


def offered_subprotocols() -> list[str]:
    """The subprotocols the current request offers (none outside a request)."""
    if not has_request_context():
        return []
    return parse_subprotocols(request.headers.get("Sec-WebSocket-Protocol"))


class Subprotocols:
    """``SOCK_SERVER_OPTIONS["subprotocols"]``: contains only what the core's rule selects.

    simple-websocket selects the first subprotocol the client offers that is ``in`` its list.
    This container answers yes for exactly ``negotiate(offered).subprotocol`` of the request being
    upgraded (``beeflow.v2``, else ``beeflow.v1``, else ``access-token``, never the token), so that is what gets
    selected. When the core selects nothing, the application's own list (``fallback``) applies.
    """

    def __init__(self, fallback: Collection[str] = ()) -> None:
        self.fallback = tuple(fallback)

    def __contains__(self, item: object) -> bool:
        selected = negotiate(offered_subprotocols()).subprotocol
        if selected is not None:
            return item == selected
        return item in self.fallback

    def __bool__(self) -> bool:
        return True  # simple-websocket treats an empty list as "no negotiation"

    def __repr__(self) -> str:
        return f"Subprotocols(fallback={self.fallback!r})"


def check_handshake() -> Response | None:
    """``before_request`` hook: refuse a WebSocket handshake with 403 for its origin or token.

    With a ``user_resolver``, the user id it returns is stored as ``flask.g.beeflow_user_id``.
    """
    rule = request.url_rule
    if rule is None or not rule.websocket:
        return None
    state: State | None = current_app.extensions.get(EXTENSION)
    if state is None:
        return None
    if not origin_allowed(request.headers.get("Origin"), state.dispatcher.config.allowed_origins):
        return _forbidden("This origin may not open WebSockets here.")
    if state.user_resolver is not None:
        token = negotiate(offered_subprotocols()).token
        user_id = None if token is None else _resolve(state.user_resolver, token)
        if user_id is None:
            return _forbidden("Authentication failed.")
        setattr(g, USER_ID, user_id)
    # Accepted: from here on every write of this socket, simple-websocket's included, is one frame
    # under one lock (see .wire), and a peer that stops reading cannot block a thread forever.
    install_wire(request.environ, state.dispatcher.config.outgoing.grace)
    return None


def _resolve(resolver: TokenResolver, token: str) -> Any:
    # A sync resolver runs right here, in the request thread, with the app context (database
    # sessions and the like work as in any view); an async one runs on the process loop.
    if inspect.iscoroutinefunction(resolver):
        return call(resolver(token))
    result = resolver(token)
    if inspect.isawaitable(result):
        return call(_awaited(result))
    return result


async def _awaited(awaitable: Any) -> Any:
    return await awaitable


def _forbidden(detail: str) -> Response:
    return Response(detail, status=403, mimetype="text/plain")
