"""The one place that touches simple-websocket beyond its documented API.

flask-sock hands a route a ``simple_websocket.Server``. Its documented API (``send``, ``receive``,
``close``, ``subprotocol``) cannot bound the closing handshake, turn Nagle's algorithm off, share one
lock with simple-websocket's own writes, take frames straight from its reader thread or parse them
there without wsproto; for those the adapter reaches the attributes below.
``tests/flask/test_simple_websocket_internals.py`` fails when a release of simple-websocket moves
one, and ``pyproject.toml`` bounds the version to the one tested. Every function accepts any
socket object and answers ``None`` or ``False`` when it is not simple-websocket's (gevent's and
others'), so the adapter falls back to the documented API.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

__all__ = [
    "ENVIRON_SOCKET_KEYS",
    "connected",
    "feedable",
    "frame_event",
    "input_buffer",
    "reader_thread",
    "reading_with",
    "replace_frame_event",
    "transport",
    "wake_receiver",
]

#: Where ``Server(environ)`` takes the request's socket from, in this order (werkzeug, gunicorn).
ENVIRON_SOCKET_KEYS = ("werkzeug.socket", "gunicorn.socket")


def transport(websocket: Any) -> Any | None:
    """The socket simple-websocket reads and writes (``sock``): the environ's, as it found it."""
    return getattr(websocket, "sock", None)


def reader_thread(websocket: Any) -> threading.Thread | None:
    """The thread that reads the socket (``thread``); it ends once the closing handshake is over."""
    reader = getattr(websocket, "thread", None)
    return reader if isinstance(reader, threading.Thread) else None


def wake_receiver(websocket: Any) -> None:
    """Wake a thread blocked in ``receive()`` by setting ``event``, as the reader thread does once
    the client answers a close: ``close()`` itself wakes nobody."""
    event = getattr(websocket, "event", None)
    if event is not None:
        event.set()


def feedable(websocket: Any) -> bool:
    """Whether frames can be taken from ``websocket`` as its reader thread reads them (see below)."""
    return (
        isinstance(getattr(websocket, "input_buffer", None), list)
        and isinstance(getattr(websocket, "event", None), threading.Event)
        and isinstance(getattr(websocket, "connected", None), bool)
    )


def input_buffer(websocket: Any) -> list[str | bytes]:
    """The list the reader thread appends each message to, and ``receive()`` pops from the front."""
    buffer: list[str | bytes] = websocket.input_buffer
    return buffer


def frame_event(websocket: Any) -> threading.Event:
    """The event the reader thread sets after each message and when the socket closes."""
    event: threading.Event = websocket.event
    return event


def replace_frame_event(websocket: Any, signal: Any) -> None:
    """Have the reader thread call ``signal.set()`` instead of setting :func:`frame_event`.

    ``signal`` must also answer ``clear``, ``is_set`` and ``wait`` as a ``threading.Event`` does.
    """
    websocket.event = signal


def connected(websocket: Any) -> bool:
    """``False`` once simple-websocket has seen the socket close or sent its close frame."""
    return bool(websocket.connected)


def reading_with(wrap: Callable[[Any], Any]) -> Callable[..., threading.Thread]:
    """A ``thread_class`` option for ``simple_websocket.Server`` whose reader thread reads through ``wrap``.

    simple-websocket starts its reader thread with ``thread_class(target=self._thread)`` right after
    the handshake; before that thread starts, its wsproto connection (``ws``) is replaced by
    ``wrap(ws)``, which must answer ``receive_data`` and ``events`` as wsproto does (the thread
    uses nothing else of it on its own). The thread itself is a plain ``threading.Thread``, looked
    up when it is made (so a monkey-patched ``threading`` still applies).
    """

    def thread_class(*, target: Callable[[], None], **options: Any) -> threading.Thread:
        server = getattr(target, "__self__", None)
        connection = getattr(server, "ws", None)
        if connection is not None and getattr(target, "__name__", "") == "_thread":
            server.ws = wrap(connection)  # type: ignore[union-attr]
        return threading.Thread(target=target, **options)

    return thread_class
