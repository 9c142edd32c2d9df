"""Sessions (beeflow.v2): what they cost, as ratios to a baseline measured in the same run.

- ``v2 / v1 dispatch``: health requests per second through ``Connection.receive`` on a v2
  connection (numbered, recorded frames; the action in a task of the session) against v1.
- ``replay / live``: the frames per second of a resume replaying a 1,000-event gap, against the
  live delivery of the same 1,000 events (``Dispatcher.push`` to a group).
- memory per idle parked session (each with ``--history`` frames kept), at ``--sessions`` sessions.

With Redis (a ``redis-server`` of its own on a free loopback port when one is on PATH, or
``--redis-url``; ``--no-redis`` skips these rows):

- live delivery and replay with the history in Redis (``RedisHistory``), then with the session
  store on as well (``RedisSessionStore``: each frame one fenced Lua call), each against the
  in-process history's. "Written" is the rate up to the last frame being in Redis (``flush``).
- the replay after an adoption: the session parked on one worker is resumed on another (the claim,
  then the replay from the stream), against the live delivery with the store on.
- write, then send (``RedisHistory``'s default) against ``write_before_send=False`` in the same run:
  the live delivery of the gap (with write-then-send, "live" is the rate up to the last frame
  reaching its socket, which it does once written) and the latency of one event, ``push`` to its
  socket (median and p99 of ``--pings`` events), next to a Redis ``PING`` round trip.
- the Redis commands per frame with the store off and on (``INFO commandstats``), and the CPU time
  per frame delivered and written, of this process (against the in-process history's) and of
  redis-server (``INFO cpu``), with the store off and on: unlike the rates, it does not count the
  time other processes of a busy machine take.
- memory per idle parked session at ``--sessions`` sessions, each in a fresh process: the server
  process's RSS per session (in-process history, Redis history, Redis history and store), its
  Python heap per session (tracemalloc, in another process; at ``--heap-sessions`` with Redis,
  whose writer tracemalloc slows several times over) and Redis's ``used_memory`` per session.

Rates are the median of ``--repeat`` runs; each row shows the 1-minute load average (``uptime``).

Run: ``uv run --locked --all-extras --all-packages python benchmarks/resume.py [--redis-url URL]``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from beeflow_websocket.core.dispatcher import Dispatcher  # noqa: E402
from beeflow_websocket.core.event_registry import WebSocketEvent  # noqa: E402
from beeflow_websocket.core.handshake import ResumeRequest, negotiate  # noqa: E402
from beeflow_websocket.core.history import History  # noqa: E402

HEALTH = json.dumps({"msg_id": str(uuid.uuid4()), "req_id": str(uuid.uuid4()), "action": "health", "payload": {}})


def load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


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


async def _flush(history: History | None) -> None:
    flush = getattr(history, "flush", None)
    if flush is not None:
        assert await flush(30.0), "the history did not reach Redis within 30 s"


async def _live(
    dispatcher: Dispatcher, events: int, history: History | None = None
) -> tuple[float, float, ResumeRequest]:
    """Deliver ``events`` ticks to one v2 member of a group, then park it: (live, written, its resume)."""
    received: list[str] = []

    async def keep(text: str) -> None:
        received.append(text)

    connection = dispatcher.connection(send=keep, close=_no_close, user_id=1, handshake=negotiate(["beeflow.v2"]))
    await dispatcher.open(connection)
    group = uuid.uuid4().hex  # a group of its own: the members parked by earlier calls get none of it
    await connection.join_group(group)
    await _flush(history)
    ticks = [Tick(recipient="group", recipient_id=group, payload={"n": n}) for n in range(events)]
    start = time.perf_counter()
    for tick in ticks:
        await dispatcher.push(tick)
    await connection.wait_idle()
    live = events / (time.perf_counter() - start)
    await _flush(history)
    written = events / (time.perf_counter() - start)
    session = json.loads(received[0])["session"]
    last = json.loads(received[-1])["seq"]
    await connection.shutdown()
    await _flush(history)  # a client comes back later than the writer needs: time the replay alone
    return live, written, ResumeRequest(session["id"], session["epoch"], last - events)


async def _replay(dispatcher: Dispatcher, resume: ResumeRequest, events: int) -> float:
    replayed: list[str] = []

    async def keep(text: str) -> None:
        replayed.append(text)

    start = time.perf_counter()
    again = dispatcher.connection(
        send=keep, close=_no_close, user_id=1, handshake=negotiate(["beeflow.v2", resume.token])
    )
    await dispatcher.open(again)
    await again.wait_idle()
    rate = events / (time.perf_counter() - start)
    assert len(replayed) == events + 1, (len(replayed), replayed[:1])
    await again.shutdown()
    return rate


async def replay_vs_live(events: int, history: History | None = None) -> tuple[float, float, float]:
    """(live, written, replay) on one dispatcher."""
    dispatcher = Dispatcher(history=history)
    live, written, resume = await _live(dispatcher, events, history)
    replay = await _replay(dispatcher, resume, events)
    await dispatcher.sessions.close()
    return live, written, replay


def _redis_parts(
    url: str, prefix: str, owner: str | None, max_pending: int = 10_000, *, write_before_send: bool = True
) -> tuple[Any, Any]:
    from beeflow_websocket.redis import RedisHistory, RedisSessionStore

    history = RedisHistory(
        url, key_prefix=prefix, max_events=1000, max_pending=max_pending, write_before_send=write_before_send
    )
    store = None if owner is None else RedisSessionStore(history, owner=owner)
    return history, store


async def _close(dispatcher: Dispatcher, history: Any, store: Any) -> None:
    await dispatcher.sessions.close()
    if store is not None:
        await store.aclose()
    await history.aclose()


async def redis_replay(
    url: str, events: int, store: bool, *, write_before_send: bool = True
) -> tuple[float, float, float]:
    """(live, written, replay) with the history in Redis, with or without the session store."""
    owner = "a" if store else None
    history, session_store = _redis_parts(
        url, f"bench-{uuid.uuid4().hex[:8]}", owner, write_before_send=write_before_send
    )
    dispatcher = Dispatcher(history=history, store=session_store)
    live, written, resume = await _live(dispatcher, events, history)
    replay = await _replay(dispatcher, resume, events)
    await _close(dispatcher, history, session_store)
    return live, written, replay


async def push_latency(url: str | None, pings: int, *, write_before_send: bool = True) -> list[float]:
    """Seconds from ``Dispatcher.push`` of one event to its frame reaching the socket, one at a time,
    on a live session with the store on (without ``url``: the in-process history)."""
    history: Any = None
    session_store: Any = None
    if url is not None:
        prefix = f"bench-{uuid.uuid4().hex[:8]}"
        history, session_store = _redis_parts(url, prefix, "a", write_before_send=write_before_send)
    dispatcher = Dispatcher(history=history, store=session_store)
    arrived = asyncio.Event()

    async def keep(text: str) -> None:
        arrived.set()

    connection = dispatcher.connection(send=keep, close=_no_close, user_id=1, handshake=negotiate(["beeflow.v2"]))
    await dispatcher.open(connection)
    group = uuid.uuid4().hex
    await connection.join_group(group)
    await _flush(history)
    times = []
    for n in range(pings + 10):
        await asyncio.sleep(0.001)  # the writer is idle: each event is alone in its loop turn
        arrived.clear()
        start = time.perf_counter()
        await dispatcher.push(Tick(recipient="group", recipient_id=group, payload={"n": n}))
        await asyncio.wait_for(arrived.wait(), 10)
        if n >= 10:  # the first ten warm up
            times.append(time.perf_counter() - start)
    await connection.shutdown()
    if history is None:
        await dispatcher.sessions.close()
    else:
        await _close(dispatcher, history, session_store)
    return times


async def ping_times(url: str, pings: int) -> list[float]:
    from redis.asyncio import Redis

    async with Redis.from_url(url) as client:
        await client.ping()
        times = []
        for _ in range(pings):
            start = time.perf_counter()
            await client.ping()
            times.append(time.perf_counter() - start)
    return times


def _p(times: list[float], share: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1e6


async def latency_rows(url: str, pings: int) -> None:
    rows = {
        "in-process history": await push_latency(None, pings),
        "Redis history + store, write_before_send=False": await push_latency(url, pings, write_before_send=False),
        "Redis history + store, write then send": await push_latency(url, pings),
        "Redis PING round trip (redis-py)": await ping_times(url, pings),
    }
    print(f"  one event, push to its socket (median / p99 of {pings}), {load()}:")
    for name, times in rows.items():
        print(f"    {name}: {_p(times, 0.5):.0f} / {_p(times, 0.99):.0f} us")
    names = list(rows)
    off, on, ping = (statistics.median(rows[name]) for name in names[1:])
    print(f"    write then send adds {(on - off) * 1e6:.0f} us at the median: {(on - off) / ping:.1f} PING round trips")


async def adopted_replay(url: str, events: int) -> float:
    """The replay of a gap left on worker a, resumed on worker b (claim + replay from the stream)."""
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    a_history, a_store = _redis_parts(url, prefix, "a")
    b_history, b_store = _redis_parts(url, prefix, "b")
    a = Dispatcher(history=a_history, store=a_store)
    b = Dispatcher(history=b_history, store=b_store)
    _, _, resume = await _live(a, events, a_history)
    await _live(b, 1, b_history)  # b has served before: connected to Redis, epoch checked, scripts loaded
    replay = await _replay(b, resume, events)
    await _close(a, a_history, a_store)
    await _close(b, b_history, b_store)
    return replay


async def commands_per_frame(url: str, events: int, store: bool) -> dict[str, float]:
    """Redis commands per frame while ``events`` frames are delivered and written (``INFO commandstats``)."""
    from redis.asyncio import Redis

    async with Redis.from_url(url) as client:
        history, session_store = _redis_parts(url, f"bench-{uuid.uuid4().hex[:8]}", "a" if store else None)
        dispatcher = Dispatcher(history=history, store=session_store)
        await client.config_resetstat()
        await _live(dispatcher, events, history)
        stats = await client.info("commandstats")
        await _close(dispatcher, history, session_store)
    calls = {name.removeprefix("cmdstat_"): int(value["calls"]) / events for name, value in stats.items()}
    return {name: per for name, per in sorted(calls.items(), key=lambda item: -item[1]) if name != "info"}


async def cpu_per_frame(url: str | None, events: int, store: bool, rounds: int) -> tuple[float, float]:
    """CPU microseconds per frame delivered live and written: this process's (``process_time``, the
    delivery and the writer; other processes' load does not count) and redis-server's (``INFO cpu``).
    Without ``url``: the in-process history."""
    from redis.asyncio import Redis

    async def redis_cpu() -> float:
        if url is None:
            return 0.0
        async with Redis.from_url(url) as client:
            info = await client.info("cpu")
        return float(info["used_cpu_sys"]) + float(info["used_cpu_user"])

    history: Any = None
    session_store: Any = None
    if url is not None:
        history, session_store = _redis_parts(url, f"bench-{uuid.uuid4().hex[:8]}", "a" if store else None)
    dispatcher = Dispatcher(history=history, store=session_store)
    await _live(dispatcher, events, history)  # warm-up: scripts loaded, epoch checked
    gc.collect()
    redis_before, before = await redis_cpu(), time.process_time()
    for _ in range(rounds):
        await _live(dispatcher, events, history)
    used, redis_used = time.process_time() - before, await redis_cpu() - redis_before
    if history is None:
        await dispatcher.sessions.close()
    else:
        await _close(dispatcher, history, session_store)
    return used / (events * rounds) * 1e6, redis_used / (events * rounds) * 1e6


async def _park(dispatcher: Dispatcher, sessions: int, group: str) -> None:
    for _ in range(sessions):
        connection = dispatcher.connection(
            send=_nothing, close=_no_close, user_id=1, handshake=negotiate(["beeflow.v2"])
        )
        await dispatcher.open(connection)
        await connection.join_group(group)
        await connection.shutdown()  # parked: it waits for its client, with its history


def _rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


async def memory_child(mode: str, url: str | None, sessions: int, history: int, trace: bool) -> dict[str, float]:
    """In a process of its own: RSS (and Redis used_memory) per idle parked session; with ``trace``,
    the Python heap per session instead (tracemalloc: what stays once transient peaks are gone)."""
    kept: Any = None
    store: Any = None
    if mode != "in-process":
        assert url is not None
        # Every parked session gets each pushed frame at once: let the queue hold all of them.
        kept, store = _redis_parts(url, f"mem-{uuid.uuid4().hex[:8]}", "a" if mode == "store" else None,
                                   max_pending=sessions * (history + 2) + 1000)  # fmt: skip
    dispatcher = Dispatcher(history=kept, store=store)

    async def push_to(group: str, times: int) -> None:
        for _ in range(times):
            await dispatcher.push(Tick(recipient="group", recipient_id=group, payload={"n": 1}))
            await _flush(kept)  # one broadcast at a time in the queue, as a server spaced them

    async def used_memory() -> int:
        if url is None:
            return 0
        from redis.asyncio import Redis

        async with Redis.from_url(url) as client:
            info = await client.info("memory")
        return int(info["used_memory"])

    await _park(dispatcher, 200, "warm")  # first-use allocations (clients, caches) before the baseline
    await push_to("warm", history)
    await _flush(kept)
    gc.collect()
    if trace:
        tracemalloc.start()
    rss, redis, heap = _rss(), await used_memory(), tracemalloc.get_traced_memory()[0]
    await _park(dispatcher, sessions, "all")
    await push_to("all", history)
    await _flush(kept)
    gc.collect()
    result = {"rss": (_rss() - rss) / sessions, "redis": (await used_memory() - redis) / sessions}
    if trace:
        result = {"heap": (tracemalloc.get_traced_memory()[0] - heap) / sessions}
        tracemalloc.stop()
    if kept is not None:
        assert kept.health().dropped == 0, kept.health()
        await _close(dispatcher, kept, store)
    return result


def memory_in_child(mode: str, url: str | None, sessions: int, history: int, trace: bool) -> dict[str, float]:
    argv = [sys.executable, __file__, "--memory-child", mode, "--sessions", str(sessions), "--history", str(history)]
    if trace:
        argv.append("--trace")
    if url is not None:
        argv += ["--redis-url", url]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"memory child {mode} failed:\n{done.stderr}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


async def _median(repeat: int, run: Callable[[], Awaitable[tuple[float, ...]]]) -> tuple[float, ...]:
    await run()  # warm-up, not counted
    results = [await run() for _ in range(repeat)]
    return tuple(statistics.median(column) for column in zip(*results, strict=True))


async def _interleaved(
    repeat: int, runs: dict[str, Callable[[], Awaitable[tuple[float, ...]]]]
) -> dict[str, tuple[float, ...]]:
    """The median of each run, the runs taking turns (a warm-up round first), so that a change of
    load on the machine weighs on all of them alike."""
    results: dict[str, list[tuple[float, ...]]] = {name: [] for name in runs}
    for round_ in range(repeat + 1):
        for name, run in runs.items():
            result = await run()
            if round_:
                results[name].append(result)
    return {
        name: tuple(statistics.median(column) for column in zip(*rows, strict=True)) for name, rows in results.items()
    }


async def redis_rows(args: argparse.Namespace, url: str) -> None:
    events, repeat = args.events, args.repeat
    medians = await _interleaved(
        repeat,
        {
            "in-process": lambda: replay_vs_live(events),
            "off": lambda: redis_replay(url, events, store=False),
            "on": lambda: redis_replay(url, events, store=True),
            "unsafe": lambda: redis_replay(url, events, store=True, write_before_send=False),
            "adopted": lambda: _single(adopted_replay(url, events)),
        },
    )
    (live, _, replay), off, on, (adopted,) = medians["in-process"], medians["off"], medians["on"], medians["adopted"]
    print(f"{events}-event gap, history in Redis (median of {repeat}, in turns), {load()}:")
    print(f"  in-process history: live {live:,.0f} ev/s, replay {replay:,.0f} ev/s (the baseline of this row)")
    for name, (r_live, r_written, r_replay) in (("history only", off), ("history + store", on)):
        print(
            f"  {name}: live {r_live:,.0f} ev/s ({r_live / live:.2f} of in-process), written {r_written:,.0f} ev/s"
            f" ({r_written / live:.2f}), replay {r_replay:,.0f} ev/s ({r_replay / replay:.2f} of in-process),"
            f" replay/live {r_replay / r_live:.1f}"
        )
    print(f"  store on / off: live {on[0] / off[0]:.2f}, written {on[1] / off[1]:.2f}, replay {on[2] / off[2]:.2f}")
    unsafe = medians["unsafe"]
    print(
        f"  history + store, write_before_send=False: live {unsafe[0]:,.0f} ev/s, written {unsafe[1]:,.0f} ev/s;"
        f" write then send / False: live {on[0] / unsafe[0]:.2f}, written {on[1] / unsafe[1]:.2f}"
    )
    await latency_rows(url, args.pings)
    print(
        f"  adopted on another worker (claim + replay): {adopted:,.0f} ev/s, /live with store {adopted / on[0]:.1f},"
        f" /replay on the same worker {adopted / on[2]:.2f}, {load()}"
    )
    for store in (False, True):
        calls = await commands_per_frame(url, events, store)
        shown = ", ".join(f"{name} {per:.3f}" for name, per in calls.items() if per >= 0.001)
        print(
            f"  Redis commands per frame (a script's own count too), {'store on' if store else 'history only'}: {shown}"
        )
    rounds = max(10, repeat)
    base, _ = await cpu_per_frame(None, events, False, rounds)
    print(f"  CPU per frame delivered live and written, {rounds} x {events} frames:")
    print(f"    in-process history: this process {base:.1f} us (the baseline)")
    costs = {}
    for store in (False, True):
        server, redis = costs[store] = await cpu_per_frame(url, events, store, rounds)
        print(
            f"    {'history + store' if store else 'history only'}: this process {server:.1f} us"
            f" ({server / base:.2f} of in-process), redis-server {redis:.1f} us, {load()}"
        )
    (off_server, off_redis), (on_server, on_redis) = costs[False], costs[True]
    print(f"    store on / off: this process {on_server / off_server:.2f}, redis-server {on_redis / off_redis:.2f}")


async def _single(value: Awaitable[float]) -> tuple[float]:
    return (await value,)


def memory_rows(args: argparse.Namespace, url: str | None) -> None:
    modes = ["in-process"] + (["redis", "store"] if url is not None else [])
    names = {"in-process": "in-process history", "redis": "Redis history", "store": "Redis history + store"}
    print(f"idle parked session with {args.history} frames kept, at {args.sessions:,}, a process each:")
    base = None
    for mode in modes:
        figures = memory_in_child(mode, None if mode == "in-process" else url, args.sessions, args.history, False)
        # tracemalloc slows the Redis writer several times over: fewer sessions for the heap with Redis
        counted = args.sessions if mode == "in-process" else min(args.sessions, args.heap_sessions)
        heap = memory_in_child(mode, None if mode == "in-process" else url, counted, args.history, True)["heap"]
        base = base or figures["rss"]
        redis = f", Python heap {heap / 1024:.2f} KiB (tracemalloc, at {counted:,})"
        if mode != "in-process":
            redis += f", Redis used_memory {figures['redis'] / 1024:.2f} KiB"
        print(
            f"  {names[mode]}: server RSS {figures['rss'] / 1024:.2f} KiB ({figures['rss'] / base:.2f} of in-process)"
            f"{redis}, {load()}"
        )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=20000)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--sessions", type=int, default=10000)
    parser.add_argument("--history", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=7, help="runs per Redis rate (the median is shown)")
    parser.add_argument("--redis-url", default=None, help="a Redis to use instead of starting redis-server")
    parser.add_argument("--no-redis", action="store_true", help="skip the Redis rows")
    parser.add_argument("--memory-child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--pings", type=int, default=500, help="events for the push-to-socket latency")
    parser.add_argument("--heap-sessions", type=int, default=3000, help="sessions for the Python heap with Redis")
    args = parser.parse_args()
    if args.memory_child:
        figures = await memory_child(args.memory_child, args.redis_url, args.sessions, args.history, args.trace)
        print(json.dumps(figures))
        return
    print(f"start, {load()}")
    v1 = await dispatch_rate(["beeflow.v1"], args.frames)
    v2 = await dispatch_rate(["beeflow.v2", "beeflow.v1"], args.frames)
    print(f"dispatch: v1 {v1:,.0f} req/s, v2 {v2:,.0f} req/s, v2/v1 {v2 / v1:.2f}, {load()}")
    live, _, replay = await _median(args.repeat, lambda: replay_vs_live(args.events))
    print(
        f"{args.events}-event gap: live {live:,.0f} ev/s, replay {replay:,.0f} ev/s,"
        f" replay/live {replay / live:.1f}, {load()}"
    )
    url, server = args.redis_url, None
    if url is None and not args.no_redis and shutil.which("redis-server"):
        from tests.redis.conftest import RedisServer

        server = RedisServer(Path(tempfile.mkdtemp(prefix="bench-resume-")))
        server.start()
        url = server.url
    try:
        if url is not None:
            await redis_rows(args, url)
        else:
            print("Redis rows skipped: no redis-server on PATH (or --no-redis)")
        memory_rows(args, url)
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    asyncio.run(main())
