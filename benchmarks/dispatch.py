"""In-process dispatch benchmark: frames per second through the core, against a hand-written baseline.

Both sides run in the same process and the same run, one frame at a time on one core:

- ``beeflow``: ``Connection.receive`` of the real dispatcher (decode + validate in one pass,
  registry lookup, handler, recipient resolution, seq/msg_id, frame encoding, send callback).
- ``baseline``: the least a hand-written server does for the same frames: ``json.loads``,
  dict/type checks, a dict lookup, the same id generator, ``json.dumps``.

The cost ratio is the median over runs of the two sides paired in time (see :func:`measure`).

Run: ``make bench`` (or ``uv run python benchmarks/dispatch.py --frames 50000``).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import re
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from beeflow_websocket.core.dispatcher import Dispatcher
from beeflow_websocket.core.ids import new_msg_id

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.apps import common  # noqa: F401 - registers bench.echo and bench.echo030, the echo actions


def action_frame(action: str, payload: dict[str, Any]) -> str:
    return json.dumps({"msg_id": str(uuid.uuid4()), "req_id": str(uuid.uuid4()), "action": action, "payload": payload})


HEALTH = action_frame("health", {})
ECHO = action_frame("bench.echo", {"text": "hello", "count": 3, "ratio": 0.5, "flag": True, "colour": "red"})
ECHO_030 = action_frame("bench.echo030", {"text": "hello", "count": 3, "ratio": 0.5, "flag": True, "colour": "red"})

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")


class Baseline:
    """A minimal hand-written loop answering the same frames."""

    def __init__(self, send: Callable[[str], Awaitable[None]]) -> None:
        self.send = send
        self.seq = 0
        self.websocket_id = str(uuid.uuid4())
        self.handlers: dict[str, Callable[[dict[str, Any]], dict[str, Any] | None]] = {
            "health": lambda payload: {"status": "ok"},
            "bench.echo": self.echo,
            "bench.echo030": self.echo,
        }

    @staticmethod
    def echo(payload: dict[str, Any]) -> dict[str, Any] | None:
        if (
            set(payload) == {"text", "count", "ratio", "flag", "colour"}
            and type(payload["text"]) is str
            and type(payload["count"]) is int
            and type(payload["ratio"]) in (int, float)
            and type(payload["flag"]) is bool
            and payload["colour"] in ("red", "green")
        ):
            return payload
        return None

    async def receive(self, frame: str) -> None:
        message = json.loads(frame)
        if not (
            type(message) is dict
            and type(message.get("msg_id")) is str
            and _UUID.match(message["msg_id"])
            and type(message.get("req_id")) is str
            and _UUID.match(message["req_id"])
            and type(message.get("action")) is str
            and message["action"].strip()
            and type(message.get("payload")) is dict
        ):
            await self.send('{"status": 400}')
            return
        handler = self.handlers.get(message["action"])
        payload = handler(message["payload"]) if handler else None
        if payload is None:
            await self.send('{"status": 422}')
            return
        self.seq += 1
        await self.send(
            json.dumps(
                {
                    "msg_id": new_msg_id(),
                    "req_id": message["req_id"],
                    "seq": self.seq,
                    "event": message["action"],
                    "recipient": "websocket",
                    "recipient_id": self.websocket_id,
                    "payload": payload,
                }
            )
        )


async def measure(
    ours: Callable[[str], Awaitable[None]],
    theirs: Callable[[str], Awaitable[None]],
    frame: str,
    frames: int,
    repeats: int,
) -> tuple[float, float, float]:
    """Best-of-``repeats`` seconds per frame for both sides, and the median of the ratios of the
    two sides' runs paired in time.

    The runs alternate, first ours then theirs, then the other way round, so noise on a shared
    machine hits both sides of a pair alike; the ratio of a pair is far steadier than the ratio of
    two bests, which may come from calm moments of different length.
    """
    best = [float("inf"), float("inf")]
    ratios = []
    for repeat in range(repeats):
        pair = [0.0, 0.0]
        order = ((0, ours), (1, theirs)) if repeat % 2 == 0 else ((1, theirs), (0, ours))
        for side, receive in order:
            gc.collect()
            start = time.perf_counter()
            for _ in range(frames):
                await receive(frame)
            pair[side] = (time.perf_counter() - start) / frames
            best[side] = min(best[side], pair[side])
        ratios.append(pair[0] / pair[1])
    return best[0], best[1], statistics.median(ratios)


async def run(frames: int, repeats: int) -> list[dict[str, Any]]:
    sent: list[str] = []

    async def send(text: str) -> None:
        if len(sent) > 1000:
            sent.clear()
        sent.append(text)

    async def close(code: int, reason: str) -> None:
        raise AssertionError(f"closed with {code}")

    dispatcher = Dispatcher()
    results = []
    async with dispatcher.connect(send=send, close=close, user_id=1) as connection:
        baseline = Baseline(send)
        cases = (
            ("health", HEALTH),
            ("typed echo (5 fields)", ECHO),
            ("0.3.0-style echo (dict payload, emit() event)", ECHO_030),
        )
        for name, frame in cases:
            await connection.receive(frame)
            assert '"seq"' in sent[-1], sent[-1]
            ours, theirs, ratio = await measure(connection.receive, baseline.receive, frame, frames, repeats)
            results.append(
                {
                    "case": name,
                    "beeflow_per_s": 1 / ours,
                    "baseline_per_s": 1 / theirs,
                    "beeflow_us": ours * 1e6,
                    "baseline_us": theirs * 1e6,
                    "cost_ratio": ratio,
                }
            )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=2_000, help="frames per timed run")
    parser.add_argument("--repeats", type=int, default=60, help="timed runs per side and case")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    results = asyncio.run(run(args.frames, args.repeats))
    if args.json:
        print(json.dumps(results, indent=2))
        return
    version = sys.version.split()[0]
    print(f"Python {version}, {args.repeats} runs of {args.frames} frames per side, one connection, one core")
    print()
    print("| case | beeflow frames/s | baseline frames/s | beeflow µs/frame | baseline µs/frame | cost ratio |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for row in results:
        print(
            f"| {row['case']} | {row['beeflow_per_s']:,.0f} | {row['baseline_per_s']:,.0f} | "
            f"{row['beeflow_us']:.2f} | {row['baseline_us']:.2f} | {row['cost_ratio']:.2f}x |"
        )
    print()
    print("µs/frame: the best run of each side; cost ratio: the median over runs paired in time of")
    print("beeflow time per frame / baseline time per frame (target: <= 2.00x)")


if __name__ == "__main__":
    main()
