"""The idle timeout: a connection that sends no complete frame is closed with 1001, on every server,
including one whose first frame is never finished."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from beeflow_websocket.core.config import ProtocolConfig
from beeflow_websocket.testing import AsyncWebSocketTestClient
from tests.conformance.client import Client
from tests.conformance.conftest import SERVER_KINDS
from tests.conformance.servers import Server, free_port, run_server

from . import rawws
from .conftest import Kit

IDLE_ENV = {"BEEFLOW_TEST_IDLE_TIMEOUT": "1"}


async def test_a_silent_connection_is_closed_with_1001() -> None:
    async with AsyncWebSocketTestClient(config=ProtocolConfig(idle_timeout=0.05)) as client:
        for _ in range(200):  # bounded: at most 2 s for a 0.05 s timeout
            if client.closed:
                break
            await asyncio.sleep(0.01)
        assert client.close_code == 1001
        assert client.connection.closed


async def test_a_connection_that_keeps_sending_stays_open(kit: Kit) -> None:
    async with AsyncWebSocketTestClient(config=ProtocolConfig(idle_timeout=0.5)) as client:
        for _ in range(75):  # 1.5 s of a frame every 20 ms: never silent for a whole timeout
            assert (await client.request("health")).ok
            await asyncio.sleep(0.02)
        assert not client.closed


async def test_a_running_action_is_not_idleness(kit: Kit) -> None:
    async with AsyncWebSocketTestClient(config=ProtocolConfig(idle_timeout=0.05)) as client:
        reply = await client.request("slow", {"delay": 0.3, "tag": "long"})
        assert reply.payloads("echoed") == [{"text": "long"}]


@pytest.mark.parametrize("value", [0, -1, float("inf"), float("nan"), "5", True])
def test_a_bad_idle_timeout_is_refused(value: object) -> None:
    with pytest.raises(ValueError, match="idle_timeout"):
        ProtocolConfig(idle_timeout=value)  # type: ignore[arg-type]


@pytest.fixture(scope="module", params=sorted(SERVER_KINDS))
def idle_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    name: str = request.param
    kind = SERVER_KINDS[name]
    port = free_port()
    log: Path = tmp_path_factory.mktemp(name) / "server.log"
    with run_server(name, kind.argv(port), port=port, log=log, env={**kind.env, **IDLE_ENV}) as running:
        yield running


@pytest.mark.parametrize("first_bytes", [b"", b"\x81\xfe"], ids=["nothing", "half a frame header"])
def test_a_silent_client_is_closed_by_the_server(idle_server: Server, first_bytes: bytes) -> None:
    sock, _ = rawws.handshake(idle_server.port)
    try:
        sock.sendall(first_bytes)
        sock.settimeout(30)  # the idle timeout is 1 s; server pings (20 s and more) come later
        assert rawws.read_close_code(sock) == 1001
    finally:
        sock.close()


def test_a_talking_client_is_not_closed(idle_server: Server) -> None:
    with Client(idle_server.url) as client:
        started = time.monotonic()
        while time.monotonic() - started < 3:  # three idle timeouts, a request every 100 ms
            assert client.request("health")[-1]["completed"] == "health"
            time.sleep(0.1)
