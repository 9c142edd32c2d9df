"""Sessions (beeflow.v2) in one process: what they cost, as ratios measured in the same run.

- ``v2 / v1 dispatch``: health requests per second through ``Connection.receive`` on a v2
  connection (numbered, recorded frames; the action in a task of the session) against v1.
- ``replay / live``: the frames per second of a resume replaying a 1,000-event gap, against the
  live delivery of the same 1,000 events (``Dispatcher.push`` to a group).
- memory per idle parked session (each with ``--history`` frames kept), at ``--sessions`` sessions.
- with ``--redis-url``: live delivery and the same replay with the history in Redis
  (``RedisHistory``), as ratios to the in-process history's.

Run: ``uv run --locked --all-extras --all-packages python benchmarks/resume.py [--redis-url URL]``.
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
from beeflow_websocket.core.history import History

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


async def replay_vs_live(events: int, history: History | None = None) -> tuple[float, float]:
    dispatcher = Dispatcher(history=history)
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
    flush = getattr(history, "flush", None)
    if flush is not None:
        assert await flush(10.0)  # a client comes back later than the writer needs: time the replay alone
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
    parser.add_argument("--redis-url", default=None, help="also measure RedisHistory on this Redis")
    args = parser.parse_args()
    v1 = await dispatch_rate(["beeflow.v1"], args.frames)
    v2 = await dispatch_rate(["beeflow.v2", "beeflow.v1"], args.frames)
    live, replay = await replay_vs_live(args.events)
    per_session = await memory_per_session(args.sessions, args.history)
    print(f"dispatch: v1 {v1:,.0f} req/s, v2 {v2:,.0f} req/s, v2/v1 {v2 / v1:.2f}")
    print(f"{args.events}-event gap: live {live:,.0f} ev/s, replay {replay:,.0f} ev/s, replay/live {replay / live:.1f}")
    print(f"idle parked session with {args.history} frames kept: {per_session / 1024:.1f} KiB at {args.sessions:,}")
    if args.redis_url:
        from beeflow_websocket.redis import RedisHistory

        history = RedisHistory(args.redis_url, key_prefix="bench", max_events=max(1000, args.events))
        redis_live, redis_replay = await replay_vs_live(args.events, history)
        await history.aclose()
        print(
            f"{args.events}-event gap, history in Redis: live {redis_live:,.0f} ev/s ({redis_live / live:.2f} of"
            f" in-process), replay {redis_replay:,.0f} ev/s ({redis_replay / replay:.2f} of in-process),"
            f" replay/live {redis_replay / redis_live:.1f}"
        )


if __name__ == "__main__":
    asyncio.run(main())
