"""End-to-end adapter benchmark: each adapter against the bare framework, same server, same load, same run.

For every case both servers answer the same typed echo envelope (five-field payload, pydantic
validation) on 127.0.0.1. The load client holds 50 connections with one request in flight each
and counts answered requests; the server's own CPU time per request is read from /proc, so the
figures stay meaningful when the load client (sharing the machine) is the bottleneck. Sides run
alternately, best of ``--rounds``.

Run: ``make bench-adapters`` (or ``uv run python benchmarks/adapters.py --seconds 5``).
``benchmarks/flask_adapter.py`` looks closer at Flask: both servers side by side, medians, and the
event-plus-completion case.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from websockets.asyncio.client import connect  # noqa: E402

from benchmarks.measure import cpu_seconds, echo_frame  # noqa: E402
from tests.conformance.servers import free_port, run_server  # noqa: E402

PYTHON = sys.executable


def uvicorn(target: str) -> Callable[[int], list[str]]:
    return lambda port: [PYTHON, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(port),
                         "--log-level", "warning", "--no-access-log"]  # fmt: skip


@dataclass(frozen=True)
class Case:
    name: str
    ours: Callable[[int], list[str]]
    bare: Callable[[int], list[str]]
    target: float
    #: Environment per side ("ours", "bare").
    env: dict[str, dict[str, str]] | None = None


def daphne(port: int) -> list[str]:
    return [PYTHON, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "-v", "0",
            "benchmarks.apps.django_project.asgi:application"]  # fmt: skip


DJANGO = {"DJANGO_SETTINGS_MODULE": "benchmarks.apps.django_project.settings"}


def gunicorn_flask(side: str) -> Callable[[int], list[str]]:
    return lambda port: [
        PYTHON, "-m", "gunicorn", "--worker-class", "gthread", "--threads", "64", "--workers", "1",
        "--bind", f"127.0.0.1:{port}", "--log-level", "warning", f"benchmarks.flask_adapter:create_app('{side}')",
    ]  # fmt: skip


CASES = [
    Case(
        "FastAPI adapter vs bare Starlette + pydantic (uvicorn)",
        uvicorn("benchmarks.apps.fastapi_beeflow:app"),
        uvicorn("benchmarks.apps.starlette_bare:app"),
        0.9,
    ),
    Case(
        "Django adapter vs bare AsyncJsonWebsocketConsumer + pydantic (daphne)",
        daphne,
        daphne,
        1.0,
        env={"ours": {**DJANGO, "BENCH_SIDE": "ours"}, "bare": {**DJANGO, "BENCH_SIDE": "bare"}},
    ),
    Case(
        "Flask adapter vs bare flask-sock handler (gunicorn gthread)",
        gunicorn_flask("ours"),
        gunicorn_flask("bare"),
        0.9,
    ),
]


async def load(url: str, connections: int, seconds: float, warmup: float) -> tuple[int, float]:
    """Requests answered during the measured window, and the window's length."""
    counting = False
    answered = 0
    stop_at = 0.0

    async def session() -> None:
        nonlocal answered
        text = echo_frame()
        async with connect(url, max_size=None) as ws:
            while time.monotonic() < stop_at or not counting:
                await ws.send(text)
                reply = await ws.recv()
                assert '"seq"' in str(reply), reply
                if counting:
                    answered += 1

    stop_at = time.monotonic() + warmup + seconds + 3600
    tasks = [asyncio.create_task(session()) for _ in range(connections)]
    await asyncio.sleep(warmup)
    counting = True
    start = time.monotonic()
    stop_at = start + seconds
    await asyncio.gather(*tasks)
    return answered, time.monotonic() - start


def measure(argv: list[str], port: int, args: argparse.Namespace, env: dict[str, str] | None) -> dict[str, float]:
    log = Path("/tmp") / f"beeflow-bench-{port}.log"
    with run_server("bench", argv, port=port, log=log, env=env) as server:
        before = cpu_seconds(server.process.pid)
        answered, window = asyncio.run(load(server.url, args.connections, args.seconds, args.warmup))
        used = cpu_seconds(server.process.pid) - before
    return {"rps": answered / window, "cpu_us": used / max(answered, 1) * 1e6}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--only", help="run the cases whose name contains this text")
    args = parser.parse_args()
    results: list[dict[str, Any]] = []
    for case in CASES:
        if args.only and args.only.lower() not in case.name.lower():
            continue
        best: dict[str, dict[str, float]] = {}
        for _ in range(args.rounds):
            for side, argv in (("ours", case.ours), ("bare", case.bare)):
                port = free_port()
                figures = measure(argv(port), port, args, (case.env or {}).get(side))
                if side not in best or figures["rps"] > best[side]["rps"]:
                    best[side] = figures
        results.append(
            {
                "case": case.name,
                "ours_rps": best["ours"]["rps"],
                "bare_rps": best["bare"]["rps"],
                "throughput_ratio": best["ours"]["rps"] / best["bare"]["rps"],
                "ours_cpu_us": best["ours"]["cpu_us"],
                "bare_cpu_us": best["bare"]["cpu_us"],
                "cpu_ratio": best["bare"]["cpu_us"] / best["ours"]["cpu_us"],
                "target": case.target,
            }
        )
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(
        f"{args.connections} connections, one request in flight each, {args.seconds:g} s per run, best of {args.rounds}"
    )
    print()
    print(
        "| case | ours req/s | bare req/s | throughput ratio | ours server CPU µs/req "
        "| bare server CPU µs/req | CPU efficiency ratio | target |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in results:
        print(
            f"| {row['case']} | {row['ours_rps']:,.0f} | {row['bare_rps']:,.0f} | {row['throughput_ratio']:.2f}x | "
            f"{row['ours_cpu_us']:.0f} | {row['bare_cpu_us']:.0f} | {row['cpu_ratio']:.2f}x | >= {row['target']:.1f}x |"
        )


if __name__ == "__main__":
    main()
