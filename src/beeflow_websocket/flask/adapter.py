"""Moves frames between flask-sock sockets and the core; no protocol rules live here.

A connection is served by its request thread (the flask-sock route), simple-websocket's reader
thread and the process event loop (:mod:`.loop`), which runs the core for every connection:

- simple-websocket's reader thread reads frames; a :class:`.feed.Feed` has the loop run them
  through ``Connection.receive`` as they arrive, one after another in arrival order, with no stop
  in the request thread, which only waits for the socket to end (sockets a ``Feed`` cannot serve,
  such as gevent's, are read by the request thread and handed over in batches);
- the core's frames are written by :class:`.sender.Sender`: on the loop when the socket takes them
  without waiting (the frames of one pass of the loop in one write), otherwise by a writer thread
  of the connection, in order either way.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import uuid
from typing import Any, Unpack

from flask import Flask, current_app
from simple_websocket import ConnectionClosed  # type: ignore[import-untyped]

from beeflow_websocket.core.action_registry import UserId
from beeflow_websocket.core.autodiscover import caller_packages, package_and_parents
from beeflow_websocket.core.connection import Connection
from beeflow_websocket.core.dispatcher import (
    CLOSE_TRY_AGAIN_LATER,
    TRY_AGAIN_LATER_REASON,
    Dispatcher,
    build_dispatcher,
)
from beeflow_websocket.core.handshake import TokenResolver, negotiated
from beeflow_websocket.core.options import AppOptions, configure

from ._simple_websocket import feedable, reader_thread, reading_with, transport
from .feed import Feed
from .handshake import EXTENSION, State, Subprotocols, check_handshake, offered_subprotocols
from .incoming import FrameReader
from .loop import Handoff, track
from .sender import Sender, SyncWebSocket

__all__ = [
    "DEFAULT_PING_INTERVAL",
    "configure_beeflow_websocket",
    "get_dispatcher",
    "handle_beeflow_websocket",
    "transport_limit",
]

#: The longest the request thread waits in ``receive()`` before it looks again. simple-websocket can
#: close a socket (a frame above its cap) without waking a thread blocked in ``receive()``; the
#: next call raises, so such a thread ends within this many seconds instead of never.
RECEIVE_TIMEOUT = 5.0

#: The longest a connection's request thread waits for the client to answer the server's close frame.
CLOSE_TIMEOUT = 5.0

#: Where ``configure_beeflow_websocket`` records its settings in ``app.config`` (0.3.0's names).
PROBLEM_TYPE_BASE_URL_CONFIG_KEY = "BEEFLOW_WEBSOCKET_PROBLEM_TYPE_BASE_URL"
AUTODISCOVER_CONFIG_KEY = "BEEFLOW_WEBSOCKET_AUTODISCOVER"
AUTODISCOVER_MODULES_CONFIG_KEY = "BEEFLOW_WEBSOCKET_AUTODISCOVER_MODULES"
AUTODISCOVER_PACKAGES_CONFIG_KEY = "BEEFLOW_WEBSOCKET_AUTODISCOVER_PACKAGES"

#: simple-websocket's ``thread_class``: its reader thread parses the usual client frames itself.
READER_THREAD = reading_with(FrameReader)

#: Seconds between pings (simple-websocket closes a connection whose pong does not come back in time).
DEFAULT_PING_INTERVAL = 25.0


def transport_limit(max_message_size: int) -> int:
    """simple-websocket's own cap: a quarter (at least 4 KiB) above ``max_message_size``.

    Frames between the two limits reach the core, which answers with a 413 problem and closes
    with 1009. simple-websocket cuts off larger ones as soon as that much has arrived (it counts
    characters of text frames, bytes of binary ones) and closes with 1009 without a problem frame,
    so a client cannot make the server buffer much more than the limit.
    """
    return max_message_size + max(max_message_size // 4, 4096)


def configure_beeflow_websocket(
    app: Flask,
    *,
    ping_interval: float | None = DEFAULT_PING_INTERVAL,
    user_resolver: TokenResolver | None = None,
    **options: Unpack[AppOptions],
) -> Dispatcher:
    """Set up the adapter for ``app`` and return its dispatcher.

    With ``autodiscover`` (default ``True``) the plugin modules (``autodiscover_modules``) of the
    calling module's package and its parents are imported, then the packages
    ``autodiscover_packages`` with every module under them (as in 0.3.0). ``allowed_origins`` and
    ``user_resolver`` (token -> user id or ``None``, sync or async) are checked on every WebSocket
    route before the handshake; a refusal is an HTTP 403 and the resolved user id is
    ``flask.g.beeflow_user_id``. ``ping_interval`` ``None`` turns pings off. ``hub`` replaces the
    in-process hub and ``history`` the in-process session history. ``problem_type_base_url``,
    ``max_message_size``, ``max_in_flight``, ``allowed_origins``, ``rate_limit``,
    ``action_rate_limits``, ``max_connections``, ``idle_timeout``, ``outgoing`` (the slow-consumer
    limits and close code) and ``resume`` (sessions of ``beeflow.v2`` clients) are
    :class:`~beeflow_websocket.core.config.ProtocolConfig`'s. Sets
    ``app.config["SOCK_SERVER_OPTIONS"]`` keys ``subprotocols``, ``max_message_size`` and
    ``ping_interval``, and ``thread_class`` unless it is set (simple-websocket's reader thread then
    reads the usual frames without wsproto, see :mod:`.incoming`), keeping any other keys. ``actions`` (an
    :class:`~beeflow_websocket.core.action_set.ActionSet` or action classes) limits the app to those
    actions; by default it serves every registered action.
    """
    configured = configure(_discovered_packages(app, caller_packages()), **options)
    dispatcher = configured.dispatcher
    app.config[PROBLEM_TYPE_BASE_URL_CONFIG_KEY] = dispatcher.config.problem_type_base_url
    app.config[AUTODISCOVER_CONFIG_KEY] = configured.autodiscover
    app.config[AUTODISCOVER_MODULES_CONFIG_KEY] = configured.modules
    app.config[AUTODISCOVER_PACKAGES_CONFIG_KEY] = configured.packages
    track(dispatcher)
    server_options = dict(app.config.get("SOCK_SERVER_OPTIONS") or {})
    fallback = server_options.get("subprotocols") or ()
    if isinstance(fallback, Subprotocols):
        fallback = fallback.fallback
    elif isinstance(fallback, str):
        fallback = (fallback,)
    server_options.update(
        subprotocols=Subprotocols(fallback),
        max_message_size=transport_limit(dispatcher.config.max_message_size),
        ping_interval=ping_interval,
    )
    server_options.setdefault("thread_class", READER_THREAD)
    app.config["SOCK_SERVER_OPTIONS"] = server_options
    if EXTENSION not in app.extensions:
        app.before_request(check_handshake)
    app.extensions[EXTENSION] = State(dispatcher, user_resolver)
    return dispatcher


def _discovered_packages(app: Flask, callers: list[str]) -> list[str]:
    # As in 0.3.0: the app's import name and its parents, then the caller's package and its parents.
    return [*package_and_parents(app.import_name), *callers] if app.import_name != "__main__" else callers


def get_dispatcher(app: Flask | Any) -> Dispatcher:
    """The dispatcher of a configured app: ``get_dispatcher(app).push_sync(event)`` from any thread."""
    state: State | None = getattr(app, "extensions", {}).get(EXTENSION)
    if state is None:
        raise RuntimeError("call configure_beeflow_websocket(app) before serving beeflow WebSockets")
    track(state.dispatcher)
    return state.dispatcher


def handle_beeflow_websocket(
    websocket: SyncWebSocket, user_id: UserId | None, *, websocket_id: str | None = None
) -> None:
    """Serve one flask-sock WebSocket until it closes; call it from the route function.

    Blocks the request thread, as flask-sock routes do. Completion frames are on when the
    handshake selected ``beeflow.v1`` or ``beeflow.v2`` (which also brings sessions).
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if EXTENSION not in app.extensions:
        # Never configured: serve with the defaults and no autodiscovery, as 0.3.0 did.
        app.extensions[EXTENSION] = State(build_dispatcher(), None)
    dispatcher = get_dispatcher(app)
    try:
        if not dispatcher.admit():
            websocket.close(reason=CLOSE_TRY_AGAIN_LATER, message=TRY_AGAIN_LATER_REASON)
            return
        try:
            _serve(dispatcher, websocket, user_id, websocket_id)
        finally:
            dispatcher.release()
    finally:
        _end_connection(websocket)


def _serve(dispatcher: Dispatcher, websocket: SyncWebSocket, user_id: UserId | None, websocket_id: str | None) -> None:
    loop = track(dispatcher)
    websocket_id = websocket_id or str(uuid.uuid4())
    handshake = negotiated(offered_subprotocols(), websocket.subprotocol)
    _no_delay(websocket)
    sender = Sender(websocket, loop, name=f"beeflow-websocket-sender-{websocket_id}")
    connection = dispatcher.connection(
        send=sender.send, close=sender.close, user_id=user_id, websocket_id=websocket_id, handshake=handshake
    )
    handoff = Handoff(loop)
    handoff.call(dispatcher.open(connection))
    if feedable(websocket):
        feed = Feed(websocket, connection, loop, sender)
        try:
            feed.run(RECEIVE_TIMEOUT)
        finally:
            try:
                handoff.call(feed.finished())
            finally:
                handoff.call(_shut_down(connection, sender))
                sender.stop()
        return
    try:
        while True:
            try:
                frame = websocket.receive(timeout=RECEIVE_TIMEOUT)
            except ConnectionClosed:
                break
            if frame is None:
                continue  # the next receive() raises if simple-websocket closed without waking us
            frames = [frame]
            ended = _take_ready(websocket, frames)
            handoff.wait()  # the previous frames have finished: one batch at a time, in arrival order
            if connection.closed:
                break
            if not ended:
                ended = _take_ready(websocket, frames)
            # Pipelined frames go over together: one hand-off to the loop per batch, not per frame.
            handoff.start(connection.receive(frame) if len(frames) == 1 else _receive_each(connection, frames))
            if ended:
                break
    finally:
        try:
            handoff.wait()
        finally:
            handoff.call(_shut_down(connection, sender))
            sender.stop()


#: The most frames handed to the loop at once (a client that pipelines more waits for the next batch).
MAX_BATCH = 64


async def _shut_down(connection: Connection, sender: Sender) -> None:
    try:
        await connection.shutdown()
    finally:
        sender.flush()  # what the core sent last goes out before the request thread stops the sender


def _take_ready(websocket: SyncWebSocket, frames: list[str | bytes]) -> bool:
    """Add the frames simple-websocket has already read (without waiting); ``True`` once it is closed."""
    while len(frames) < MAX_BATCH:
        try:
            frame = websocket.receive(timeout=0)
        except ConnectionClosed:
            return True
        if frame is None:
            return False
        frames.append(frame)
    return False


async def _receive_each(connection: Connection, frames: list[str | bytes]) -> None:
    for frame in frames:
        await connection.receive(frame)  # returns at once after a frame that closed the connection


def _end_connection(websocket: SyncWebSocket) -> None:
    """Wait (at most :data:`CLOSE_TIMEOUT` seconds) for the closing handshake, then end the TCP connection.

    Handing the socket back to the server before the client has answered our close frame loses
    that answer: werkzeug reads what is left on a socket after every request (with a blocking
    ``read`` that returns only at end of stream), so it would take the client's close frame from
    simple-websocket's reader thread and both would wait for the client to give up. Once the
    reader thread has seen the end of the handshake, or the client has not answered in time, the
    server ends the TCP connection itself, as RFC 6455 7.1.1 asks of it.
    """
    reader = reader_thread(websocket)
    if reader is not None and reader is not threading.current_thread():
        reader.join(CLOSE_TIMEOUT)
    sock = transport(websocket)
    with contextlib.suppress(OSError, AttributeError):
        sock.shutdown(socket.SHUT_RDWR)  # type: ignore[union-attr]


def _no_delay(websocket: SyncWebSocket) -> None:
    # An event and the completion frame after it are two small writes in a row; with Nagle's
    # algorithm on (werkzeug leaves it on; gunicorn and asyncio servers turn it off) the second
    # waits for the client's delayed ACK, about 40 ms.
    sock = transport(websocket)
    try:
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except (OSError, AttributeError):
        pass
