"""Flask adapter benchmark: beeflow on flask-sock against a bare flask-sock handler, same server, same load.

Both servers run the same way (gunicorn's gthread worker by default, or werkzeug's threaded dev
server), with the same simple-websocket options (ping interval, message size cap), on 127.0.0.1:

- ``ours``: the README setup, ``handle_beeflow_websocket`` serving a typed echo action
  (five-field pydantic payload) on the process event loop, a sender thread per connection;
- ``bare``: a flask-sock route doing the least a hand-written server does for the same frames:
  ``json.loads``, envelope and payload checks, ``json.dumps`` of the same event frame, written
  from the request thread.

The load client (this process, websockets' asyncio client) holds 50 connections with one request
in flight each (``--connections``, ``--window``: ``--connections 10 --window 16`` pipelines 16
requests on each of 10 connections) and counts answered requests. The server's own CPU time per request is read from
/proc, so the figures stay meaningful if the client (sharing the machine) is the bottleneck. The
sides alternate, best of ``--rounds``. Cases: one event per request (a 0.3.0 client), and event
plus completion frame (a ``beeflow.v1`` client; the bare handler then writes a completion too).

Run: ``uv run --all-extras --all-packages python benchmarks/flask_adapter.py`` (add
``--server werkzeug``, ``--seconds 10``, ``--json``).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import re
import socket
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from statistics import median
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.measure import cpu_seconds, echo_frame  # noqa: E402

PYTHON = sys.executable
THREADS = 64  # gthread threads: each open WebSocket holds one
MAX_MESSAGE_SIZE = 1024 * 1024
PING_INTERVAL = 25.0
TARGET = 0.9


# -- the two servers -------------------------------------------------------------------------------


def create_app(kind: str) -> Any:
    """The Flask app of one side: ``"ours"`` or ``"bare"`` (gunicorn calls this as an app factory)."""
    from flask import Flask
    from flask_sock import Sock  # type: ignore[import-untyped]

    from benchmarks.apps import common  # noqa: F401 - registers the bench.echo action and its event

    app = Flask(__name__)
    sock = Sock(app)
    if kind == "ours":
        from beeflow_websocket.flask import configure_beeflow_websocket, handle_beeflow_websocket

        configure_beeflow_websocket(
            app, autodiscover=False, max_message_size=MAX_MESSAGE_SIZE, ping_interval=PING_INTERVAL
        )

        @sock.route("/ws/")  # type: ignore[untyped-decorator]
        def ours(websocket: Any) -> None:
            handle_beeflow_websocket(websocket, user_id=1)

    elif kind == "bare":
        from beeflow_websocket.flask.adapter import transport_limit

        app.config["SOCK_SERVER_OPTIONS"] = {
            "subprotocols": ["beeflow.v1", "access-token"],
            "max_message_size": transport_limit(MAX_MESSAGE_SIZE),
            "ping_interval": PING_INTERVAL,
        }

        @sock.route("/ws/")  # type: ignore[untyped-decorator]
        def bare(websocket: Any) -> None:
            bare_handler(websocket)

    else:
        raise ValueError(f"unknown side {kind!r}")
    return app


#: The event each benchmark action answers with (typed and 0.3.0-style echo, see ``apps.common``).
EVENTS = {"bench.echo": "bench.echoed", "bench.echo030": "bench.echoed030"}
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")


def _valid_echo(payload: Any) -> bool:
    return (
        type(payload) is dict
        and set(payload) == {"text", "count", "ratio", "flag", "colour"}
        and type(payload["text"]) is str
        and type(payload["count"]) is int
        and type(payload["ratio"]) in (int, float)
        and type(payload["flag"]) is bool
        and payload["colour"] in ("red", "green")
    )


def bare_handler(websocket: Any) -> None:
    """A hand-written answer to the same envelope, with no library in between."""
    from beeflow_websocket.core.ids import new_msg_id

    completion = websocket.subprotocol == "beeflow.v1"
    websocket.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as the adapter (and gunicorn) do
    websocket_id = str(uuid.uuid4())
    seq = itertools.count(1)
    while True:
        text = websocket.receive()
        try:
            message = json.loads(text)
        except ValueError:
            websocket.send('{"status": 400}')
            continue
        if not (
            type(message) is dict
            and type(message.get("msg_id")) is str
            and _UUID.match(message["msg_id"])
            and type(message.get("req_id")) is str
            and _UUID.match(message["req_id"])
            and message.get("action") in EVENTS
            and _valid_echo(message.get("payload"))
        ):
            websocket.send('{"status": 422}')
            continue
        websocket.send(
            json.dumps(
                {
                    "msg_id": new_msg_id(),
                    "req_id": message["req_id"],
                    "seq": next(seq),
                    "event": EVENTS[message["action"]],
                    "recipient": "websocket",
                    "recipient_id": websocket_id,
                    "payload": message["payload"],
                }
            )
        )
        if completion:
            websocket.send(
                json.dumps(
                    {"msg_id": new_msg_id(), "req_id": message["req_id"], "completed": message["action"], "events": 1}
                )
            )


def server_argv(server: str, kind: str, port: int) -> list[str]:
    if server == "gunicorn":
        return [
            PYTHON, "-m", "gunicorn", "--worker-class", "gthread", "--threads", str(THREADS), "--workers", "1",
            "--bind", f"127.0.0.1:{port}", "--log-level", "warning", f"benchmarks.flask_adapter:create_app('{kind}')",
        ]  # fmt: skip
    return [PYTHON, str(Path(__file__).resolve()), "--serve", kind, "--port", str(port)]


def serve(kind: str, port: int) -> None:
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log line per handshake
    create_app(kind).run(host="127.0.0.1", port=port, threaded=True)


# -- the load --------------------------------------------------------------------------------------


async def load(
    url: str, *, connections: int, window: int = 1, seconds: float, warmup: float, completion: bool
) -> tuple[int, float, float]:
    """Requests answered during the measured window, the window's length and the client's CPU time in it."""
    from websockets.asyncio.client import connect

    counting = False
    answered = 0
    stop_at = float("inf")
    subprotocols: Any = ["beeflow.v1"] if completion else None
    replies = 2 if completion else 1

    async def session() -> None:
        nonlocal answered
        text = echo_frame()
        async with connect(url, subprotocols=subprotocols, max_size=None, compression=None) as ws:
            for _ in range(window):
                await ws.send(text)
            in_flight = window
            while in_flight:  # a request answered is the next one sent, until the window closes
                for _ in range(replies):
                    reply = await ws.recv()
                    assert '"status"' not in str(reply), reply
                in_flight -= 1
                if counting:
                    answered += 1
                if time.monotonic() < stop_at:
                    await ws.send(text)
                    in_flight += 1

    tasks = [asyncio.create_task(session()) for _ in range(connections)]
    await asyncio.sleep(warmup)
    counting = True
    start, cpu = time.monotonic(), time.process_time()
    stop_at = start + seconds
    await asyncio.gather(*tasks)
    return answered, time.monotonic() - start, time.process_time() - cpu


@dataclass(frozen=True)
class Figures:
    rps: float
    cpu_us: float
    client_load: float


def measure(url: str, pid: int, args: argparse.Namespace, *, completion: bool) -> Figures:
    """One run of the load against a running server."""
    before = cpu_seconds(pid)
    answered, window, client_cpu = asyncio.run(
        load(
            url,
            connections=args.connections,
            window=args.window,
            seconds=args.seconds,
            warmup=args.warmup,
            completion=completion,
        )
    )
    used = cpu_seconds(pid) - before
    return Figures(answered / window, used / max(answered, 1) * 1e6, client_cpu / window)


def run_case(servers: dict[str, tuple[str, int]], args: argparse.Namespace, *, completion: bool) -> dict[str, Any]:
    """Alternate the sides ``--rounds`` times; medians, and the median of the per-round ratios."""
    runs: dict[str, list[Figures]] = {"ours": [], "bare": []}
    for round_ in range(args.rounds):
        for kind in ("ours", "bare") if round_ % 2 == 0 else ("bare", "ours"):
            url, pid = servers[kind]
            runs[kind].append(measure(url, pid, args, completion=completion))
    ours, bare = runs["ours"], runs["bare"]
    return {
        "ours_rps": median(run.rps for run in ours),
        "bare_rps": median(run.rps for run in bare),
        "throughput_ratio": median(mine.rps / theirs.rps for mine, theirs in zip(ours, bare, strict=True)),
        "ours_cpu_us": median(run.cpu_us for run in ours),
        "bare_cpu_us": median(run.cpu_us for run in bare),
        "cpu_ratio": median(theirs.cpu_us / mine.cpu_us for mine, theirs in zip(ours, bare, strict=True)),
        "client_cpu_ours": median(run.client_load for run in ours),
        "client_cpu_bare": median(run.client_load for run in bare),
        "ratios": [round(mine.rps / theirs.rps, 3) for mine, theirs in zip(ours, bare, strict=True)],
    }


CASES = {"event": ("one event per request", False), "completion": ("event + completion (beeflow.v1)", True)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", choices=["gunicorn", "werkzeug"], default="gunicorn")
    parser.add_argument("--seconds", type=float, default=3.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=0.5, help="seconds of load before each run counts")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--window", type=int, default=1, help="requests in flight per connection")
    parser.add_argument("--rounds", type=int, default=6, help="runs per side and case (the medians count)")
    parser.add_argument("--case", choices=sorted(CASES), action="append", help="run only this case (repeatable)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--serve", choices=["ours", "bare"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port)
        return

    from tests.conformance.servers import free_port, run_server

    results: list[dict[str, Any]] = []
    with ExitStack() as stack:
        servers: dict[str, tuple[str, int]] = {}
        for kind in ("ours", "bare"):
            port = free_port()
            log = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "server.log"
            running = stack.enter_context(run_server(kind, server_argv(args.server, kind, port), port=port, log=log))
            servers[kind] = (running.url, running.process.pid)
        for name in args.case or CASES:
            case, completion = CASES[name]
            results.append({"case": case, **run_case(servers, args, completion=completion)})
    if args.json:
        print(json.dumps({"server": args.server, "target": TARGET, "results": results}, indent=2))
        return
    print(
        f"Flask adapter on {args.server}: {args.connections} connections, {args.window} request(s) in flight each, "
        f"{args.rounds} alternating runs of {args.seconds:g} s per side, medians"
    )
    print()
    print(
        "| case | ours req/s | bare req/s | throughput ratio | ours server CPU µs/req "
        "| bare server CPU µs/req | CPU efficiency ratio | client CPU ours / bare |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in results:
        print(
            f"| {row['case']} | {row['ours_rps']:,.0f} | {row['bare_rps']:,.0f} | {row['throughput_ratio']:.2f}x "
            f"| {row['ours_cpu_us']:.0f} | {row['bare_cpu_us']:.0f} | {row['cpu_ratio']:.2f}x "
            f"| {row['client_cpu_ours']:.0%} / {row['client_cpu_bare']:.0%} |"
        )
    print()
    print(f"throughput ratio = median of ours / bare per round (target >= {TARGET}x)")
    print("CPU efficiency ratio = bare server CPU per request / ours (1.00x: same cost)")
    for row in results:
        print(f"per-round throughput ratios, {row['case']}: {row['ratios']}")


if __name__ == "__main__":
    main()
