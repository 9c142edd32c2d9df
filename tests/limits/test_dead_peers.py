"""Peers that vanish: a client process killed with its connections open (no close frames) leaves
the server with no file descriptors (and no places under ``max_connections``) of those connections."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conformance.client import Client
from tests.conformance.conftest import SERVER_KINDS
from tests.conformance.servers import ROOT, Server, free_port, run_server

PEERS = 50
#: The cap is the peers plus the warm-up connection: after the kill, a new client must get in.
LIMITS_ENV = {"BEEFLOW_TEST_MAX_CONNECTIONS": str(PEERS + 1)}

#: Opens the connections, answers "ready" once each has completed an action, then waits to be killed.
PEER_SCRIPT = textwrap.dedent(
    """
    import json, sys, uuid
    from tests.limits import rawws
    port, count = int(sys.argv[1]), int(sys.argv[2])
    socks = []
    for n in range(count):
        sock, _ = rawws.handshake(port, token=f"token-peer{n}")
        frame = {"msg_id": str(uuid.uuid4()), "req_id": str(uuid.uuid4()), "action": "health", "payload": {}}
        sock.sendall(rawws.frame(json.dumps(frame).encode()))
        seen = b""
        while b'"completed"' not in seen:
            seen += sock.recv(65536)
        socks.append(sock)
    print("ready", flush=True)
    sys.stdin.read()
    """
)


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def server_pids(server: Server) -> list[int]:
    """The server process and its children (gunicorn's worker)."""
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children").read_text().split()
    return [server.process.pid, *map(int, children)]


@pytest.fixture(scope="module", params=sorted(SERVER_KINDS))
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    name: str = request.param
    kind = SERVER_KINDS[name]
    port = free_port()
    log: Path = tmp_path_factory.mktemp(name) / "server.log"
    with run_server(name, kind.argv(port), port=port, log=log, env={**kind.env, **LIMITS_ENV}) as running:
        yield running


def test_killed_peers_give_back_their_file_descriptors(server: Server) -> None:
    with Client(server.url) as warm:
        assert warm.request("health")[-1]["completed"] == "health"
        time.sleep(0.5)  # let the warm-up's lazily made threads and loops settle before the baseline
        pids = server_pids(server)
        baseline = sum(open_fds(pid) for pid in pids)
        peers = subprocess.Popen(
            [sys.executable, "-c", PEER_SCRIPT, str(server.port), str(PEERS)],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        try:
            assert peers.stdout is not None
            assert peers.stdout.readline().strip() == b"ready"
            assert sum(open_fds(pid) for pid in pids) >= baseline + PEERS
        finally:
            os.kill(peers.pid, signal.SIGKILL)  # no close frames: the kernel just drops the sockets
            peers.wait(10)
        deadline = time.monotonic() + 60
        while (now := sum(open_fds(pid) for pid in pids)) > baseline and time.monotonic() < deadline:
            time.sleep(0.2)
        assert now <= baseline, f"{now - baseline} descriptors of killed peers still open after 60 s"
        # Their places under max_connections are free again: as many new clients get in.
        fresh = [Client(server.url, token=f"token-fresh{n}") for n in range(PEERS)]
        try:
            assert all(client.request("health")[-1]["completed"] == "health" for client in fresh)
        finally:
            for client in fresh:
                client.close()
