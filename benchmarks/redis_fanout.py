"""Group fan-out across worker processes on one Redis: beeflow-websocket's Redis hub, Socket.IO's
``AsyncRedisManager`` and Channels' ``group_send`` over channels-redis, same load, same run.

For each side: one redis-server, ``--workers`` server processes (uvicorn, one process each, as
``--workers N`` would run them), ``--connections`` WebSocket clients per worker (a client process
per worker), all in one room/group. A producer process that holds no socket publishes, in each
library's documented way to emit from outside a server: beeflow, a ``Dispatcher`` with a
``RedisHub``; Socket.IO, a write-only ``AsyncRedisManager``; Channels, the Django adapter's
dispatcher, whose hub is the channel layer (``benchmarks/redis_django.py``). It publishes:

1. ``--events`` events back to back: deliveries per second = connections x events / (last arrival
   - first publish), and the CPU time per delivery of the server processes, of redis-server and
   of the clients (read from /proc: on a machine this small, the clients share the cores with the
   servers, so deliveries per second also reflect what each side's frames cost the clients);
2. once every client has the whole burst, ``--paced`` events at ``--rate`` per second: the latency
   from publish to arrival at each client, p50 and p99 (one machine, so one monotonic clock).

Every side's clients are the same raw ``websockets`` client; during the burst it only counts frames
(beeflow frames carry a per-connection ``msg_id`` and ``seq``, so parsing them would weigh on the
client, not the server), during the paced phase it parses each one for its publish time. The
machine is shared (2 cores): compare the sides of one run, not runs of different days.

Run: ``make bench-redis`` (or ``uv run python benchmarks/redis_fanout.py --workers 2 --connections 100``;
``--sides beeflow,socketio`` runs some sides only).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from websockets.exceptions import ConnectionClosed  # noqa: E402

from benchmarks.measure import cpu_seconds  # noqa: E402
from tests.conformance.servers import free_port, run_server  # noqa: E402
from tests.redis.conftest import RedisServer  # noqa: E402

PYTHON = sys.executable
SIDES = ("beeflow", "socketio", "channels")
APPS = {
    "beeflow": "benchmarks.redis_app:beeflow",
    "socketio": "benchmarks.redis_app:socketio_app",
    "channels": "benchmarks.redis_django:application",
}
#: Longest a client waits for the next event before it reports what it has.
IDLE = 20.0


# Clients: one process per worker, holding ``connections`` sockets.


async def _beeflow_socket(url: str, room: str) -> Any:
    from websockets.asyncio.client import connect

    websocket = await connect(url, subprotocols=["beeflow.v1"], max_size=None, ping_interval=None)  # type: ignore[list-item]
    join = {"msg_id": str(uuid.uuid4()), "req_id": str(uuid.uuid4()), "action": "bench.join", "payload": {"room": room}}
    await websocket.send(json.dumps(join))
    while "completed" not in json.loads(await websocket.recv()):
        pass
    return websocket


async def _socketio_socket(url: str, room: str) -> Any:
    from websockets.asyncio.client import connect

    websocket = await connect(url, max_size=None, ping_interval=None)
    await websocket.recv()  # Engine.IO open packet
    await websocket.send("40")
    while not str(await websocket.recv()).startswith("40"):
        pass
    await websocket.send("421" + json.dumps(["join", room]))
    while not str(await websocket.recv()).startswith("431"):
        pass
    return websocket


async def _receive(side: str, websocket: Any, expect: int, timed: bool, arrivals: list[tuple[float, float]]) -> None:
    """Collect ``expect`` notes as (publish time, arrival time); untimed notes are only counted, not parsed."""
    got = 0
    while got < expect:
        try:
            text = await asyncio.wait_for(websocket.recv(), IDLE)
        except (TimeoutError, ConnectionClosed):
            return  # counted as not delivered
        now = time.monotonic()
        if side == "socketio" and text == "2":  # Engine.IO ping
            await websocket.send("3")
            continue
        if "bench.note" not in text:
            continue
        got += 1
        if not timed:
            arrivals.append((0.0, now))
        elif side == "socketio":
            arrivals.append((json.loads(text[2:])[1]["t"], now))
        else:
            arrivals.append((json.loads(text)["payload"]["t"], now))


async def client(side: str, url: str, connections: int, burst: int, paced: int) -> None:
    """Print ``ready``, then the arrivals of the burst (warm-up included), then those of the paced phase."""
    opener = _socketio_socket if side == "socketio" else _beeflow_socket
    sockets = [await opener(url, "bench") for _ in range(connections)]
    print("ready", flush=True)
    for expect, timed in ((1 + burst, False), (paced, True)):
        arrivals: list[tuple[float, float]] = []
        await asyncio.gather(*(_receive(side, websocket, expect, timed, arrivals) for websocket in sockets))
        print(json.dumps(arrivals), flush=True)
    for websocket in sockets:
        await websocket.close()


# The producer: a process without sockets.


async def produce(side: str, phase: str, count: int, rate: float) -> None:
    """Publish ``count`` events to the room; ``rate`` 0 is back to back."""
    from benchmarks.redis_events import REDIS_URL, ROOM, Note, NotePayload

    if side == "socketio":
        import socketio  # type: ignore[import-untyped]

        manager = socketio.AsyncRedisManager(REDIS_URL, write_only=True)

        async def emit(n: int, phase: str) -> None:
            await manager.emit("bench.note", {"n": n, "t": time.monotonic(), "phase": phase}, room=ROOM, namespace="/")
    else:
        if side == "beeflow":
            from beeflow_websocket.core.dispatcher import Dispatcher
            from beeflow_websocket.redis import RedisHub

            dispatcher = Dispatcher(hub=RedisHub(REDIS_URL))
        else:
            import benchmarks.redis_django  # noqa: F401 - configures Django and its channel layer
            from beeflow_websocket.django import get_dispatcher

            dispatcher = get_dispatcher()  # its hub is Channels' group_send over channels-redis

        async def emit(n: int, phase: str) -> None:
            note = Note(recipient="group", recipient_id=ROOM, payload=NotePayload(n=n, t=time.monotonic(), phase=phase))
            await dispatcher.push(note)

    if phase == "burst":
        await emit(-1, "warmup")
        await asyncio.sleep(0.5)
    print(time.monotonic(), flush=True)
    for n in range(count):
        await emit(n, phase)
        if rate:
            await asyncio.sleep(1 / rate)
    await asyncio.sleep(0.1)  # socketio's write-only manager publishes from a task of its own


# The driver.


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def run_side(side: str, args: argparse.Namespace, tmp: Path) -> dict[str, float]:
    with ExitStack() as stack:
        redis = RedisServer(tmp)
        redis.start()
        stack.callback(redis.stop)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "BEEFLOW_BENCH_REDIS_URL": redis.url}
        ports, servers_running = [], []
        for worker in range(args.workers):
            port = free_port()
            argv = [PYTHON, "-m", "uvicorn", APPS[side], "--host", "127.0.0.1", "--port", str(port),
                    "--log-level", "warning", "--no-access-log"]  # fmt: skip
            log = tmp / f"{side}-{worker}.log"
            servers_running.append(stack.enter_context(run_server(side, argv, port=port, log=log, env=env)))
            ports.append(port)
        path = "/socket.io/?EIO=4&transport=websocket" if side == "socketio" else "/ws/"
        clients = []
        for port in ports:
            url = f"ws://127.0.0.1:{port}{path}"
            argv = [PYTHON, __file__, "client", side, url, str(args.connections), str(args.events), str(args.paced)]
            process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
            stack.callback(_stop, process)
            clients.append(process)
        for process in clients:
            if _line(process) != "ready":
                raise RuntimeError(f"a {side} client failed to connect")
        servers = [server.process.pid for server in servers_running]
        assert redis.process is not None
        cpu_before = sum(cpu_seconds(pid) for pid in servers)
        redis_before = cpu_seconds(redis.process.pid)
        clients_before = sum(cpu_seconds(process.pid) for process in clients)
        start = _produce(side, "burst", args.events, 0, env)
        burst = [arrival for process in clients for arrival in json.loads(_line(process))]
        cpu = sum(cpu_seconds(pid) for pid in servers) - cpu_before
        redis_cpu = cpu_seconds(redis.process.pid) - redis_before
        clients_cpu = sum(cpu_seconds(process.pid) for process in clients) - clients_before
        _produce(side, "paced", args.paced, args.rate, env)
        paced = [arrival for process in clients for arrival in json.loads(_line(process))]
        for process in clients:
            process.wait(60)
    expected = args.workers * args.connections
    delivered = len(burst) - expected  # less the warm-up note of each connection
    latencies = [(got - sent) * 1000 for sent, got in paced]
    return {
        "delivered": min(delivered / (expected * args.events), len(latencies) / (expected * args.paced)),
        "per_second": delivered / (max(got for _, got in burst) - start),
        "cpu_us": cpu / len(burst) * 1e6,
        "redis_us": redis_cpu / len(burst) * 1e6,
        "clients_us": clients_cpu / len(burst) * 1e6,
        "p50_ms": statistics.median(latencies),
        "p99_ms": percentile(latencies, 0.99),
    }


def _line(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    return process.stdout.readline().strip()


def _produce(side: str, phase: str, count: int, rate: float, env: dict[str, str]) -> float:
    """Run the producer; return the monotonic time of its first publish."""
    argv = [PYTHON, __file__, "produce", side, phase, str(count), str(rate)]
    done = subprocess.run(argv, cwd=ROOT, env=env, check=True, timeout=600, capture_output=True, text=True)
    return float(done.stdout.split()[0])


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.kill()
        process.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=100, help="clients per worker")
    parser.add_argument("--events", type=int, default=500, help="events of the burst")
    parser.add_argument("--paced", type=int, default=100, help="events of the latency phase")
    parser.add_argument("--rate", type=float, default=20.0, help="events per second of the latency phase")
    parser.add_argument("--sides", default=",".join(SIDES))
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for side in args.sides.split(","):
            results[side] = run_side(side, args, Path(tmp))
    print(
        f"group fan-out: {args.workers} workers x {args.connections} connections, "
        f"{args.events}-event burst, {args.paced} events at {args.rate:g}/s"
    )
    print(f"{'side':<10} {'delivered':>9} {'deliveries/s':>13} {'CPU/delivery: servers':>22} {'Redis':>8} ", end="")
    print(f"{'clients':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for side, figures in results.items():
        print(
            f"{side:<10} {figures['delivered']:>9.1%} {figures['per_second']:>13,.0f} "
            f"{figures['cpu_us']:>19.1f} us {figures['redis_us']:>5.1f} us {figures['clients_us']:>6.1f} us "
            f"{figures['p50_ms']:>8.1f} {figures['p99_ms']:>8.1f}"
        )
    ours = results.get("beeflow")
    for peer in ("socketio", "channels"):
        theirs = results.get(peer)
        if ours and theirs:
            print(
                f"beeflow / {peer}: {ours['per_second'] / theirs['per_second']:.2f}x deliveries per second, "
                f"{ours['cpu_us'] / theirs['cpu_us']:.2f}x server CPU per delivery"
            )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "client":
        asyncio.run(client(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])))
    elif len(sys.argv) > 1 and sys.argv[1] == "produce":
        asyncio.run(produce(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])))
    else:
        main()
