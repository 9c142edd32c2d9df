"""End-to-end adapter benchmark: each adapter beside its bare framework, same load, same run.

Per adapter two servers run at once on 127.0.0.1, answering the same echo of a five-field payload:

- ``ours``: the adapter as the README sets it up, with the action written two ways: typed (a
  pydantic payload model and a ``WebSocketEvent``) and as the 0.3.0 README shows (``message.payload``
  read as a dict, a 0.3.0 event whose ``emit()`` builds the envelope); see ``apps/common.py``;
- ``bare``: the framework alone: Starlette + pydantic ``model_validate_json``/``model_dump``, a
  Channels ``AsyncJsonWebsocketConsumer`` + pydantic, a flask-sock route (gunicorn gthread).

The load client is a process of its own (closed loop: a connection sends its next request when an
answer arrives). Two load shapes: 50 connections with one request in flight each (C50 W1) and 10
connections with 16 in flight each (C10 W16). With two CPUs or more the servers are pinned to one
CPU and the client to another (``os.sched_setaffinity``). The server's CPU time per request is read
from /proc, so the CPU figures stay meaningful when the client is the bottleneck.

Every (style, shape) runs ``--rounds`` times, ours and bare back to back (alternating which goes
first); the table shows the median of the per-round ratios (ours / bare throughput) and their
spread (lowest to highest). Default: 5 rounds of 2 s, about 7 minutes for the three adapters.

Run: ``make bench-adapters`` (``BENCH_ARGS="--seconds 2 --rounds 5"``), or
``uv run python benchmarks/adapters.py --only flask --shapes c10w16``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from statistics import median
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.measure import cpu_seconds, echo_frame  # noqa: E402
from tests.conformance.servers import free_port, run_server  # noqa: E402

PYTHON = sys.executable
#: The handler styles: the action each sends (``apps/common.py``).
STYLES = {"typed": "bench.echo", "030": "bench.echo030"}
#: Load shapes: connections, requests in flight per connection.
SHAPES = {"c50w1": (50, 1), "c10w16": (10, 16)}
#: Starts a process pinned to a CPU, then becomes the given program (same pid).
_PINNED = "import os, sys; os.sched_setaffinity(0, {int(sys.argv[1])}); os.execv(sys.argv[2], sys.argv[2:])"


def _cpus() -> tuple[int, int] | None:
    """(server CPU, client CPU), or ``None`` with fewer than two CPUs."""
    available = sorted(os.sched_getaffinity(0))
    return (available[0], available[1]) if len(available) >= 2 else None


def pinned(argv: list[str], cpu: int | None) -> list[str]:
    return argv if cpu is None else [PYTHON, "-c", _PINNED, str(cpu), *argv]


def uvicorn(target: str) -> Callable[[int], list[str]]:
    return lambda port: [PYTHON, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(port),
                         "--log-level", "warning", "--no-access-log"]  # fmt: skip


def daphne(port: int) -> list[str]:
    return [PYTHON, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "-v", "0",
            "benchmarks.apps.django_project.asgi:application"]  # fmt: skip


def gunicorn_flask(side: str) -> Callable[[int], list[str]]:
    return lambda port: [
        PYTHON, "-m", "gunicorn", "--worker-class", "gthread", "--threads", "64", "--workers", "1",
        "--bind", f"127.0.0.1:{port}", "--log-level", "warning", f"benchmarks.flask_adapter:create_app('{side}')",
    ]  # fmt: skip


DJANGO = {"DJANGO_SETTINGS_MODULE": "benchmarks.apps.django_project.settings"}


@dataclass(frozen=True)
class Case:
    name: str
    ours: Callable[[int], list[str]]
    bare: Callable[[int], list[str]]
    #: Target throughput ratio per shape.
    targets: dict[str, float]
    #: Environment per side ("ours", "bare").
    env: dict[str, dict[str, str]] | None = None


CASES = [
    Case(
        "FastAPI adapter vs bare Starlette + pydantic (uvicorn)",
        uvicorn("benchmarks.apps.fastapi_beeflow:app"),
        uvicorn("benchmarks.apps.starlette_bare:app"),
        {"c50w1": 0.95, "c10w16": 0.95},
    ),
    Case(
        "Django adapter vs bare AsyncJsonWebsocketConsumer + pydantic (daphne)",
        daphne,
        daphne,
        {"c50w1": 1.5, "c10w16": 1.5},
        env={"ours": {**DJANGO, "BENCH_SIDE": "ours"}, "bare": {**DJANGO, "BENCH_SIDE": "bare"}},
    ),
    Case(
        "Flask adapter vs bare flask-sock handler (gunicorn gthread)",
        gunicorn_flask("ours"),
        gunicorn_flask("bare"),
        {"c50w1": 0.9, "c10w16": 0.8},
    ),
]


# -- the load client (its own process) ---------------------------------------------------------------


async def load(url: str, action: str, connections: int, window: int, seconds: float, warmup: float) -> dict[str, Any]:
    """Closed loop: each connection keeps ``window`` requests in flight; answers counted after ``warmup``."""
    from websockets.asyncio.client import connect

    counting = False
    answered = 0
    stop_at = float("inf")
    connected = 0
    all_connected = asyncio.Event()

    async def session() -> None:
        nonlocal answered, connected
        text = echo_frame(action)
        async with connect(url, max_size=None, compression=None, open_timeout=60) as ws:
            connected += 1
            if connected == connections:
                all_connected.set()
            await all_connected.wait()
            for _ in range(window):
                await ws.send(text)
            in_flight = window
            while in_flight:
                reply = await ws.recv()
                assert '"seq"' in str(reply), reply
                in_flight -= 1
                if counting:
                    answered += 1
                if time.monotonic() < stop_at:
                    await ws.send(text)
                    in_flight += 1

    tasks = [asyncio.create_task(session()) for _ in range(connections)]
    await asyncio.wait_for(all_connected.wait(), 60)
    await asyncio.sleep(warmup)
    counting = True
    print("start", flush=True)  # the parent reads the server's CPU time now and at "stop"
    start = time.monotonic()
    cpu = time.process_time()
    stop_at = start + seconds
    await asyncio.sleep(seconds)
    counting = False
    print("stop", flush=True)
    measured = answered
    window_s = time.monotonic() - start
    client_cpu = time.process_time() - cpu
    await asyncio.wait_for(asyncio.gather(*tasks), 30)
    return {"answered": measured, "window": window_s, "client_cpu": client_cpu}


def client_main(argv: list[str]) -> None:
    url, action, connections, window, seconds, warmup = argv
    result = asyncio.run(load(url, action, int(connections), int(window), float(seconds), float(warmup)))
    print(json.dumps(result))


# -- the runs ---------------------------------------------------------------------------------------------


def measure(url: str, pid: int, action: str, shape: str, args: argparse.Namespace, cpu: int | None) -> dict[str, float]:
    connections, window = SHAPES[shape]
    argv = [PYTHON, str(Path(__file__).resolve()), "--client", url, action, str(connections), str(window),
            str(args.seconds), str(args.warmup)]  # fmt: skip
    with tempfile.TemporaryFile("w+") as errors:
        client = subprocess.Popen(pinned(argv, cpu), cwd=ROOT, stdout=subprocess.PIPE, stderr=errors, text=True)
        try:
            # The server's CPU is counted over the client's measured window (connects and warm-up left out).
            assert client.stdout is not None
            started = client.stdout.readline().strip() == "start"
            before = cpu_seconds(pid)
            stopped = client.stdout.readline().strip() == "stop"
            used = cpu_seconds(pid) - before
            output = client.stdout.read()  # what readline() buffered too (communicate() would miss it)
            client.wait(60)
        finally:
            if client.poll() is None:
                client.kill()
                client.wait()
        errors.seek(0)
        complaint = errors.read()[-2000:]
    lines = [line for line in output.splitlines() if line.startswith("{")]
    if client.returncode != 0 or not (started and stopped and lines):
        raise RuntimeError(f"load client failed ({client.returncode}, {started=}, {stopped=}): {complaint}")
    result = json.loads(lines[-1])
    answered = max(result["answered"], 1)
    return {
        "rps": result["answered"] / result["window"],
        "cpu_us": used / answered * 1e6,
        "client_cpu": result["client_cpu"] / result["window"],
    }


def run_case(case: Case, args: argparse.Namespace, cpus: tuple[int, int] | None) -> list[dict[str, Any]]:
    server_cpu, client_cpu = (None, None) if cpus is None else cpus
    rows = []
    with ExitStack() as stack:
        servers = {}
        for side, argv in (("ours", case.ours), ("bare", case.bare)):
            port = free_port()
            log = Path("/tmp") / f"beeflow-bench-{side}-{port}.log"
            env = (case.env or {}).get(side)
            servers[side] = stack.enter_context(
                run_server(side, pinned(argv(port), server_cpu), port=port, log=log, env=env)
            )
        for style in args.styles:
            for shape in args.shapes:
                runs: dict[str, list[dict[str, float]]] = {"ours": [], "bare": []}
                for round_ in range(args.rounds):
                    order = ("ours", "bare") if round_ % 2 == 0 else ("bare", "ours")
                    for side in order:
                        server = servers[side]
                        try:
                            figures = measure(server.url, server.process.pid, STYLES[style], shape, args, client_cpu)
                        except RuntimeError as error:  # seen once on a machine busy with other work: retry once
                            print(f"retrying: {error}", file=sys.stderr)
                            figures = measure(server.url, server.process.pid, STYLES[style], shape, args, client_cpu)
                        runs[side].append(figures)
                ratios = [o["rps"] / b["rps"] for o, b in zip(runs["ours"], runs["bare"], strict=True)]
                cpu_ratios = [b["cpu_us"] / o["cpu_us"] for o, b in zip(runs["ours"], runs["bare"], strict=True)]
                rows.append(
                    {
                        "case": case.name,
                        "style": style,
                        "shape": shape,
                        "ours_rps": median(r["rps"] for r in runs["ours"]),
                        "bare_rps": median(r["rps"] for r in runs["bare"]),
                        "ratio": median(ratios),
                        "ratio_min": min(ratios),
                        "ratio_max": max(ratios),
                        "ours_cpu_us": median(r["cpu_us"] for r in runs["ours"]),
                        "bare_cpu_us": median(r["cpu_us"] for r in runs["bare"]),
                        "cpu_ratio": median(cpu_ratios),
                        "client_cpu": max(r["client_cpu"] for side in runs.values() for r in side),
                        "target": case.targets[shape],
                    }
                )
                print(_row(rows[-1]), file=sys.stderr, flush=True)
    return rows


def _row(row: dict[str, Any]) -> str:
    met = "met" if row["ratio"] >= row["target"] else "missed"
    return (
        f"| {row['case']} | {row['style']} | {row['shape'].upper()} | "
        f"{row['ours_rps']:,.0f} | {row['bare_rps']:,.0f} | "
        f"{row['ratio']:.2f}x ({row['ratio_min']:.2f} to {row['ratio_max']:.2f}) | {row['ours_cpu_us']:.0f} | "
        f"{row['bare_cpu_us']:.0f} | {row['cpu_ratio']:.2f}x | >= {row['target']:.2f}x: {met} |"
    )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--client":
        client_main(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=2.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=0.5, help="seconds of load before each measured window")
    parser.add_argument("--rounds", type=int, default=5, help="runs per side and case; medians and spread")
    parser.add_argument("--styles", type=lambda text: text.split(","), default=list(STYLES), help="typed,030")
    parser.add_argument("--shapes", type=lambda text: text.split(","), default=list(SHAPES), help="c50w1,c10w16")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--only", help="run the cases whose name contains this text")
    args = parser.parse_args()
    for style in args.styles:
        if style not in STYLES:
            parser.error(f"unknown style {style!r}")
    for shape in args.shapes:
        if shape not in SHAPES:
            parser.error(f"unknown shape {shape!r}")
    cpus = _cpus()
    started = time.monotonic()
    results: list[dict[str, Any]] = []
    for case in CASES:
        if args.only and args.only.lower() not in case.name.lower():
            continue
        results.extend(run_case(case, args, cpus))
    if args.json:
        print(json.dumps(results, indent=2))
        return
    pinning = f"servers on CPU {cpus[0]}, client on CPU {cpus[1]}" if cpus else "not pinned (one CPU)"
    print(
        f"{args.seconds:g} s per run, {args.rounds} rounds, medians (spread); {pinning}; "
        f"load average {os.getloadavg()[0]:.2f}; {time.monotonic() - started:.0f} s in all"
    )
    print()
    print(
        "| case | handler style | load | ours req/s | bare req/s | throughput ratio (spread) "
        "| ours server CPU µs/req | bare server CPU µs/req | CPU efficiency ratio | target |"
    )
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for row in results:
        print(_row(row))


if __name__ == "__main__":
    main()
