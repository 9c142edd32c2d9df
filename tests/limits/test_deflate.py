"""A permessage-deflate bomb (RFC 6455 10.4): a small compressed frame that inflates to 256 MiB.

Each server either refuses the extension (then the compressed frame is a protocol error) or bounds
what it inflates; the server's peak memory (``VmHWM``) must not grow by anything near 256 MiB, the
frame must never reach a handler, and the server keeps serving.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conformance.client import Client
from tests.conformance.conftest import SERVER_KINDS, ServerKind
from tests.conformance.servers import Server, free_port, run_server

from . import rawws

INFLATED = 256 * 1024 * 1024
#: Peak memory a bomb may add: far below what it inflates to (uvicorn bounds it by --ws-max-size, 16 MiB).
BUDGET = 48 * 1024 * 1024


def _bomb() -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = b"\x00" * (1024 * 1024)
    body = b"".join(compressor.compress(block) for _ in range(INFLATED // len(block)))
    body += compressor.flush(zlib.Z_SYNC_FLUSH)
    return body.removesuffix(b"\x00\x00\xff\xff")


BOMB = _bomb()


def peak_memory(pid: int) -> int:
    """Peak resident memory of a server process and its children (gunicorn serves from a worker)."""
    total = 0
    for process in [pid, *map(int, Path(f"/proc/{pid}/task/{pid}/children").read_text().split())]:
        for line in Path(f"/proc/{process}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                total += int(line.split()[1]) * 1024
    return total


def _uvicorn(extra: list[str]) -> ServerKind:
    base = SERVER_KINDS["fastapi-uvicorn"]
    return ServerKind(lambda port: [*base.argv(port), *extra], base.env)


#: uvicorn as docs/en/production.md deploys it: --ws-max-size at the app's limit plus a quarter.
KINDS = {**SERVER_KINDS, "fastapi-uvicorn-ws-max-size": _uvicorn(["--ws-max-size", str(80 * 1024)])}


@pytest.fixture(scope="module", params=sorted(KINDS))
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    name: str = request.param
    kind = KINDS[name]
    port = free_port()
    log: Path = tmp_path_factory.mktemp(name) / "server.log"
    with run_server(name, kind.argv(port), port=port, log=log, env=kind.env) as running:
        yield running


def test_a_deflate_bomb_is_refused_without_the_memory(server: Server) -> None:
    assert len(BOMB) < INFLATED // 500
    with Client(server.url) as warm:  # the server has served a connection before we measure it
        assert warm.request("health")[-1]["completed"] == "health"
    before = peak_memory(server.process.pid)
    sock, headers = rawws.handshake(server.port, extensions="permessage-deflate")
    try:
        negotiated = "permessage-deflate" in headers.get("sec-websocket-extensions", "")
        sock.sendall(rawws.frame(BOMB, opcode=0x2, rsv1=True))
        code = rawws.read_close_code(sock)
    finally:
        sock.close()
    grown = peak_memory(server.process.pid) - before
    print(f"{server.name}: deflate negotiated={negotiated}, close code={code}, peak memory +{grown / 2**20:.1f} MiB")
    # Negotiated: the inflated message is over the size limit (1009). Refused: RSV1 is a protocol error (1002).
    assert code in ((1009,) if negotiated else (1002, None)), code
    assert grown < BUDGET, f"the bomb grew the server's peak memory by {grown / 2**20:.0f} MiB"
    with Client(server.url) as after:
        assert after.request("health")[-1]["completed"] == "health"
