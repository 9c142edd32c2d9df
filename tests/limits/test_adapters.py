"""Rate limits and the connection cap on every adapter's real server: the same core rule, one answer.

The conformance apps start with ``BEEFLOW_TEST_RATE_LIMIT`` (a bucket of 5 frames refilled at one
frame a minute, so no test depends on timing) and ``BEEFLOW_TEST_MAX_CONNECTIONS`` 3.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests import schema_oracle as oracle
from tests.conformance.client import Client
from tests.conformance.conftest import SERVER_KINDS
from tests.conformance.servers import Server, free_port, run_server

BURST = 5
CAP = 3
LIMITS_ENV = {"BEEFLOW_TEST_RATE_LIMIT": f"{1 / 60},{BURST}", "BEEFLOW_TEST_MAX_CONNECTIONS": str(CAP)}


@pytest.fixture(scope="module", params=sorted(SERVER_KINDS))
def limited(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    name: str = request.param
    kind = SERVER_KINDS[name]
    port = free_port()
    log: Path = tmp_path_factory.mktemp(name) / "server.log"
    with run_server(name, kind.argv(port), port=port, log=log, env={**kind.env, **LIMITS_ENV}) as running:
        yield running


def test_over_the_rate_limit_a_client_gets_429_and_keeps_its_connection(limited: Server) -> None:
    with Client(limited.url) as client:
        answers = [client.request("health")[-1] for _ in range(BURST + 2)]
        assert [("completed" in frame) for frame in answers] == [True] * BURST + [False, False]
        refused = answers[BURST]
        assert refused["status"] == 429
        assert refused["code"] == "websocket_rate_limited"
        assert refused["type"] == "https://example.com/problems/websocket/rate-limited"
        assert 0 < refused["retry_after"] <= 60
        assert oracle.accepts(oracle.FRAME_FILES["problem"], refused)
        # The connection lives: the server still answers pings and frames (with 429 for now).
        client.ws.ping().wait(10)
        assert client.request("health")[-1]["status"] == 429


def _refused_with(url: str) -> int | None:
    """The close code of a connection the server closes straight after the handshake, or None."""
    try:
        with Client(url, timeout=10) as extra:
            extra.recv()
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd is not None else None
    except InvalidStatus as refused:
        return refused.response.status_code
    return None


def test_over_the_connection_cap_a_client_is_closed_with_1013(limited: Server) -> None:
    clients = [Client(limited.url, token=f"token-cap{n}") for n in range(CAP)]
    try:
        for client in clients:
            assert client.request("health")[-1]["completed"] == "health"
        assert _refused_with(limited.url) == 1013
        assert clients[0].request("health")[-1]["completed"] == "health"  # the admitted ones carry on
        clients.pop().close()
        # The server frees the place once it has seen the close: a new client gets in (bounded wait).
        deadline = time.monotonic() + 30
        while True:
            try:
                clients.append(Client(limited.url, token="token-late"))
                reply = clients[-1].request("health")[-1]
            except ConnectionClosed:
                clients.pop()
                assert time.monotonic() < deadline, "the closed connection's place was never given back"
                time.sleep(0.2)
                continue
            assert reply["completed"] == "health"
            break
    finally:
        for client in clients:
            client.close()
