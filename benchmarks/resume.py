"""Sessions (beeflow.v2) in one process: what they cost, as ratios measured in the same run.

- ``v2 / v1 dispatch``: health requests per second through ``Connection.receive`` on a v2
  connection (numbered, recorded frames; the action in a task of the session) against v1.
- ``replay / live``: the frames per second of a resume replaying a 1,000-event gap, against the
  live delivery of the same 1,000 events (``Dispatcher.push`` to a group).
- memory per idle parked session (each with ``--history`` frames kept), at ``--sessions`` sessions.

Run: ``uv run --locked --all-extras --all-packages python benchmarks/resume.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import time
import tracemalloc
import uuid

from beeflow_websocket.core.dispatcher import Dispatcher
from beeflow_websocket.core.event_registry import WebSocketEvent
from beeflow_websocket.core.handshake import ResumeRequest, negotiate

HEALTH = json.dumps({"msg_id": str(uuid.uuid4()), "req_id": str(uuid.uuid4()), "action": "health", "payload": {}})


async def _nothing(text: str) -> None:
    return None


async def _no_close(code: int, reason: str) -> None:
    return None


async def dispatch_rate(offered: list[str], frames: int) -> float:
    dispatcher = Dispatcher()
    connection = dispatcher.connection(send=_nothing, close=_no_close, user_id=1, handshake=negotiate(offered))
    await dispatcher.open(connection)
    gc.collect()
    start = time.perf_counter()
    for _ in range(frames):
        await connection.receive(HEALTH)
    elapsed = time.perf_counter() - start
    await connection.shutdown()
    return frames / elapsed


class Tick(WebSocketEvent, name="bench.tick"):
    payload: dict[str, int]


async def replay_vs_live(events: int) -> tuple[float, float]:
    dispatcher = Dispatcher()
    received: list[str] = []

    async def keep(text: str) -> None:
        received.append(text)

    connection = dispatcher.connection(send=keep, close=_no_close, user_id=1, handshake=negotiate(["beeflow.v2"]))
    await dispatcher.open(connection)
    await connection.join_group("g")
    ticks = [Tick(recipient="group", recipient_id="g", payload={"n": n}) for n in range(events)]
    start = time.perf_counter()
    for tick in ticks:
        await dispatcher.push(tick)
    await connection.wait_idle()
    live = events / (time.perf_counter() - start)
    session = json.loads(received[0])["session"]
    last = json.loads(received[-1])["seq"] - events
    await connection.shutdown()
    replayed: list[str] = []

    async def keep_replay(text: str) -> None:
        replayed.append(text)

    start = time.perf_counter()
    again = dispatcher.connection(
        send=keep_replay,
        close=_no_close,
        user_id=1,
        handshake=negotiate(["beeflow.v2", ResumeRequest(session["id"], session["epoch"], last).token]),
    )
    await dispatcher.open(again)
    await again.wait_idle()
    replay = events / (time.perf_counter() - start)
    assert len(replayed) == events + 1, len(replayed)
    await again.shutdown()
    return live, replay


async def memory_per_session(sessions: int, history: int) -> float:
    dispatcher = Dispatcher()
    tick = Tick(recipient="group", recipient_id="all", payload={"n": 1})
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(sessions):
        connection = dispatcher.connection(
            send=_nothing, close=_no_close, user_id=1, handshake=negotiate(["beeflow.v2"])
        )
        await dispatcher.open(connection)
        await connection.join_group("all")
        await connection.shutdown()  # parked: it waits for its client, with its history
    for _ in range(history):
        await dispatcher.push(tick)
    gc.collect()
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    await dispatcher.sessions.close()
    return used / sessions


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=20000)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--sessions", type=int, default=10000)
    parser.add_argument("--history", type=int, default=10)
    args = parser.parse_args()
    v1 = await dispatch_rate(["beeflow.v1"], args.frames)
    v2 = await dispatch_rate(["beeflow.v2", "beeflow.v1"], args.frames)
    live, replay = await replay_vs_live(args.events)
    per_session = await memory_per_session(args.sessions, args.history)
    print(f"dispatch: v1 {v1:,.0f} req/s, v2 {v2:,.0f} req/s, v2/v1 {v2 / v1:.2f}")
    print(f"{args.events}-event gap: live {live:,.0f} ev/s, replay {replay:,.0f} ev/s, replay/live {replay / live:.1f}")
    print(f"idle parked session with {args.history} frames kept: {per_session / 1024:.1f} KiB at {args.sessions:,}")


if __name__ == "__main__":
    asyncio.run(main())
