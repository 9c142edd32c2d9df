"""Concurrent connections: nothing lost, seq gap-free, nothing misaddressed.

50 connections x 100 actions on every server, then the soak: 200 connections x 20 actions in one
group with broadcasts, on one server per adapter.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import connect

from . import soak
from .servers import Server, free_port, run_server

CONNECTIONS = 50
ACTIONS = 100


async def _session(url: str, index: int) -> dict[str, Any]:
    token = f"token-load{index}"
    async with connect(url, subprotocols=["beeflow.v1", "access-token", token], max_size=None) as ws:  # type: ignore[list-item]
        sent: dict[str, str] = {}
        frames: list[dict[str, Any]] = []
        for number in range(ACTIONS):
            req_id = str(uuid.uuid4())
            text = f"c{index}-a{number}"
            sent[req_id] = text
            await ws.send(
                json.dumps({"msg_id": str(uuid.uuid4()), "req_id": req_id, "action": "echo", "payload": {"text": text}})
            )
            # One request in flight: read until its completion frame.
            while True:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 30))
                frames.append(frame)
                if frame.get("completed") and frame["req_id"] == req_id:
                    break
        return {"index": index, "sent": sent, "frames": frames}


async def _run(url: str) -> list[dict[str, Any]]:
    return await asyncio.gather(*(_session(url, index) for index in range(CONNECTIONS)))


def test_fifty_connections_hundred_actions_each(server: Server) -> None:
    sessions = asyncio.run(_run(server.url))
    websocket_ids: set[str] = set()
    for session in sessions:
        events = [frame for frame in session["frames"] if "event" in frame]
        completions = [frame for frame in session["frames"] if "completed" in frame]
        assert len(events) == ACTIONS
        assert len(completions) == ACTIONS
        assert [frame["seq"] for frame in events] == list(range(1, ACTIONS + 1))
        # Every event answers one of this connection's own requests, with the text it sent.
        assert {frame["req_id"]: frame["payload"]["text"] for frame in events} == session["sent"]
        [websocket_id] = {frame["recipient_id"] for frame in events}
        websocket_ids.add(websocket_id)
        assert not [frame for frame in session["frames"] if "status" in frame]
    assert len(websocket_ids) == CONNECTIONS


# The soak (tests/conformance/soak.py; the full 1,000 x 100 run is `make soak`), scaled down for CI:
# every connection in one group, broadcasts among its actions.
SOAK_CONNECTIONS = 200
SOAK_ACTIONS = 20
SOAK_BROADCASTS = 20


@pytest.fixture(scope="module", params=sorted(soak.soak_kinds(SOAK_CONNECTIONS)))
def soak_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    name: str = request.param
    kind = soak.soak_kinds(SOAK_CONNECTIONS)[name]
    soak.raise_fd_limit(4 * SOAK_CONNECTIONS + 256)
    port = free_port()
    log: Path = tmp_path_factory.mktemp(name) / "server.log"
    with run_server(name, kind.argv(port), port=port, log=log, env=kind.env) as running:
        yield running


def test_soak_connections_in_one_group_lose_nothing(soak_server: Server) -> None:
    result = asyncio.run(
        soak.run(soak_server.url, SOAK_CONNECTIONS, SOAK_ACTIONS, SOAK_BROADCASTS, soak_server.process.pid)
    )
    soak.check(result)
    print(f"\n{soak.REPORT_HEADER}\n{soak.report(soak_server.name, result, SOAK_CONNECTIONS, SOAK_ACTIONS)}")
