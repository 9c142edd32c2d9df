"""What ``beeflow_websocket.django._daphne`` relies on in Daphne, Autobahn and Twisted, as installed.

Each test fails when a new release moves a piece the shim reaches for: the consumer's ``send``
being ``partial(server.handle_reply, protocol)``, Autobahn's ``sendCloseFrame`` and
``closeHandshakeTimeout``, and Twisted's producer interface. Daphne is imported in a child process:
importing ``daphne.server`` installs Twisted's asyncio reactor, which this process should not get.
"""

from __future__ import annotations

import inspect
import subprocess
import sys
import textwrap

from autobahn.websocket.protocol import WebSocketServerProtocol
from twisted.internet.interfaces import IPushProducer
from twisted.internet.tcp import Server as TcpServer
from twisted.web.http import HTTPChannel
from zope.interface.verify import verifyObject

from beeflow_websocket.django._daphne import Writable, await_close_reply, daphne_close, daphne_protocol

DAPHNE_SEND = textwrap.dedent(
    """
    import asyncio

    from daphne.server import Server

    from beeflow_websocket.django._daphne import daphne_protocol

    sent = []

    async def application(scope, receive, send):
        sent.append(send)

    async def main():
        protocol = object()
        server = Server(application=application, endpoints=["tcp:port=0:interface=127.0.0.1"])
        server.connections = {protocol: {}}
        server.create_application(protocol, {"type": "websocket"})
        await asyncio.sleep(0)
        assert len(sent) == 1, sent
        assert daphne_protocol(sent[0]) is protocol, sent[0]
        print("daphne send ok")

    asyncio.run(main())
    """
)


def test_daphne_hands_the_consumer_a_send_bound_to_its_protocol() -> None:
    result = subprocess.run(
        [sys.executable, "-c", DAPHNE_SEND], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "daphne send ok"


class _Protocol:
    """Stands for Autobahn's protocol: records what the shim does to it."""

    def __init__(self) -> None:
        self.closeHandshakeTimeout = 1.0
        self.frames: list[dict[str, object]] = []

    def sendCloseFrame(self, code: int | None = None, reasonUtf8: bytes | None = None, isReply: bool = False) -> None:  # noqa: N803
        self.frames.append({"code": code, "reasonUtf8": reasonUtf8, "isReply": isReply})


class _Send:
    def __init__(self, protocol: object) -> None:
        self.args = (protocol,)


def test_autobahn_sends_any_close_code_through_send_close_frame() -> None:
    signature = inspect.signature(WebSocketServerProtocol.sendCloseFrame)
    signature.bind(object(), code=1011, reasonUtf8=b"internal error", isReply=False)
    protocol = _Protocol()
    assert daphne_close(_Send(protocol), 1011, "internal error")
    assert protocol.frames == [{"code": 1011, "reasonUtf8": b"internal error", "isReply": False}]
    assert not daphne_close(object(), 1011, "internal error")


def test_autobahn_waits_closehandshaketimeout_for_the_close_reply() -> None:
    assert "closeHandshakeTimeout" in WebSocketServerProtocol.CONFIG_ATTRS
    protocol = _Protocol()
    await_close_reply(_Send(protocol), 5.0)
    assert protocol.closeHandshakeTimeout == 5.0
    await_close_reply(_Send(protocol), 2.0)
    assert protocol.closeHandshakeTimeout == 5.0


def test_twisted_pauses_and_resumes_a_registered_push_producer() -> None:
    writable = Writable()
    assert verifyObject(IPushProducer, writable, tentative=True)
    assert callable(HTTPChannel.registerProducer)
    assert TcpServer.producer is None  # a transport with no producer registered yet
    writable.pauseProducing()
    assert not writable.ready.is_set()
    writable.resumeProducing()
    assert writable.ready.is_set()


def test_other_servers_are_left_alone() -> None:
    async def send(message: object) -> None:
        return None

    assert daphne_protocol(send) is None
    assert Writable.register(send) is None
