"""50 concurrent connections x 100 actions each: nothing lost, seq gap-free, nothing misaddressed."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from websockets.asyncio.client import connect

from .servers import Server

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
