"""What the consumer uses of Daphne's and Autobahn's internals, in one place.

Channels gives a consumer no way to see the server's write buffer, to wait longer for a close
reply, or to send an RFC 6455 close code that Autobahn refuses from applications. Under Daphne the
consumer's ``send`` is ``functools.partial(server.handle_reply, protocol)``, and the protocol (an
Autobahn ``WebSocketServerProtocol`` on a Twisted transport) can do all three. Each helper here
does nothing under another server. ``tests/django/test_daphne_internals.py`` checks every piece
against the installed Daphne, Autobahn and Twisted.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

__all__ = ["Writable", "await_close_reply", "daphne_close", "daphne_protocol"]

logger = logging.getLogger("beeflow_websocket")


def daphne_protocol(send: Any) -> Any:
    """The Autobahn protocol behind Daphne's ``send``, or ``None`` under another server."""
    return next(iter(getattr(send, "args", ())), None)


class Writable:
    """Whether Daphne's buffer for a socket has room: a Twisted push producer on its transport.

    Daphne (Twisted) buffers every frame it is given, without bound and without telling the
    application, so a peer that stops reading would make the server's memory grow forever. Twisted
    calls ``pauseProducing`` once a transport holds more than 64 KiB and ``resumeProducing`` when it
    has drained; Autobahn's ``registerProducer`` is the public way in. Under other servers (whose
    ``send`` waits by itself, as uvicorn's does) there is nothing to register.
    """

    def __init__(self) -> None:
        self.ready = asyncio.Event()
        self.ready.set()

    @classmethod
    def register(cls, send: Any) -> Writable | None:
        transport = getattr(daphne_protocol(send), "transport", None)
        if transport is None or not hasattr(transport, "producer"):
            return None
        # Daphne upgrades an HTTP connection: its HTTPChannel stays the transport's producer and
        # hands pause and resume on to a producer registered with it.
        consumer = transport if transport.producer is None else transport.producer
        register = getattr(consumer, "registerProducer", None)
        if not callable(register):
            return None
        writable = cls()
        try:
            register(writable, True)
        except Exception:
            logger.debug("could not watch the server's write buffer", exc_info=True)
            return None
        return writable

    def pauseProducing(self) -> None:  # noqa: N802 - Twisted's IPushProducer
        self.ready.clear()

    def resumeProducing(self) -> None:  # noqa: N802
        self.ready.set()

    def stopProducing(self) -> None:  # noqa: N802 - the connection is gone: let writes fail
        self.ready.set()


def await_close_reply(send: Any, seconds: float) -> None:
    """Under Daphne, wait ``seconds`` (at least Autobahn's 1 s) for the peer's close reply.

    Autobahn aborts the TCP connection when the reply is late, discarding what is still buffered
    for the peer: the frames queued before the close, and the close frame itself. A slow connection
    is given the grace to read them (core.outgoing), so its closing handshake gets as long.
    """
    protocol = daphne_protocol(send)
    current = getattr(protocol, "closeHandshakeTimeout", None)
    if isinstance(current, int | float) and current < seconds:
        protocol.closeHandshakeTimeout = seconds


def daphne_close(send: Any, code: int, reason: str) -> bool:
    """Close a Daphne socket with a protocol close code; ``False`` when ``send`` is not Daphne's.

    Daphne hands ``websocket.close`` codes to Autobahn's ``sendClose``, which accepts only 1000 and
    3000-4999 from applications and raises for the RFC 6455 codes the core uses (1009 message too
    big, 1011 internal error). The protocol's ``sendCloseFrame`` sends any code.
    """
    send_close_frame = getattr(daphne_protocol(send), "sendCloseFrame", None)
    if not callable(send_close_frame):
        return False
    send_close_frame(code=code, reasonUtf8=reason.encode("utf-8")[:123], isReply=False)
    return True
