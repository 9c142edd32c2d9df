"""One slow consumer in a group while 20,000 events of 1 KB are broadcast to it, on each adapter's real server.

The server runs the conformance app with the production defaults of the outgoing queue
(``OutgoingLimits()``: 1,024 frames or 8 MiB per connection, 5 s of grace, close 1013). Each
client runs in a process of its own, beside the server's:

- **healthy**: ``--healthy`` connections in the group ``bench``, reading everything. Each sends a
  ``health`` request every ``--probe-interval`` seconds, one at a time, and times its answer (the
  ``health`` event and the completion). First for ``--idle`` seconds with nothing else going on
  (their idle p99), then all through the broadcast (their p99 under load). Each must receive every
  broadcast, with ``seq`` gap-free.
- **slow**: one connection in the group on a bare socket with a 4 KiB receive buffer, which stops
  reading after it has joined. Once the server's log says it closed a slow websocket, it reads
  again: every byte must parse as whole frames (``tests/hardening/rawclient.py``), every frame as
  JSON, ``seq`` must rise by one from each event to the next, and the stream must end with a
  close frame of code 1013.
- **speaker**: one connection outside the group that sends ``--events`` ``room.say`` actions of
  ``--size`` characters to the group, ``--rate`` a second (at most ``--window`` unanswered).

A control run on a fresh server (``--no-control`` skips it) repeats the same without the slow
member, so that what the broadcast itself costs the healthy members on a shared machine can be
told apart from what the slow member costs them.

Meanwhile the server's resident memory (with its children: gunicorn serves from a worker) is
sampled every 50 ms; growth is its peak during the broadcast less its value after the idle phase.
Targets (issue 11): growth under 100 MiB, the healthy p99 under load within 2x of the idle p99,
the slow client's stream valid to its 1013 close.

Run: ``make bench-slow`` (or ``uv run python benchmarks/slow_consumer.py --server fastapi-uvicorn``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import signal
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from websockets.asyncio.client import ClientConnection, connect  # noqa: E402

from tests.conformance.servers import PYTHON, free_port, run_server  # noqa: E402
from tests.conformance.soak import resident_memory  # noqa: E402
from tests.hardening.rawclient import CLOSE, RawClient, StreamCorruptError  # noqa: E402

GROUP = "bench"
#: What the core logs when it closes a slow connection (``core.outgoing``).
SLOW_LOG_LINE = "closing a slow websocket (1013)"
MIB = 1024 * 1024
DJANGO_ENV = {
    "DJANGO_SETTINGS_MODULE": "tests.conformance.apps.django_project.settings",
    # The in-memory channel layer's default capacity (100) would drop events to healthy members
    # under this load; production.md says to raise it, as here.
    "BEEFLOW_TEST_LAYER_CAPACITY": "100000",
}

SERVERS: dict[str, tuple[list[str], dict[str, str]]] = {
    "fastapi-uvicorn": (
        [PYTHON, "-m", "uvicorn", "tests.hardening.apps.fastapi_app:app", "--host", "127.0.0.1", "--port", "{port}",
         "--log-level", "warning", "--no-access-log"],
        {},
    ),
    "django-daphne": (
        [PYTHON, "-m", "daphne", "-b", "127.0.0.1", "-p", "{port}", "-v", "1",
         "tests.hardening.apps.django_asgi:application"],
        DJANGO_ENV,
    ),
    "flask-gunicorn": (
        [PYTHON, "-m", "gunicorn", "--worker-class", "gthread", "--threads", "32", "--workers", "1",
         "--bind", "127.0.0.1:{port}", "--log-level", "warning", "tests.hardening.apps.flask_app:app"],
        {"BEEFLOW_TEST_PING": "25"},  # the adapter's default interval (the hardening app's own is 0.2 s)
    ),
}  # fmt: skip


def action(name: str, payload: dict[str, Any]) -> tuple[str, str]:
    req_id = str(uuid.uuid4())
    frame = {"msg_id": str(uuid.uuid4()), "req_id": req_id, "action": name, "payload": payload}
    return req_id, json.dumps(frame)


def subprotocols(token: str) -> list[Any]:
    return ["beeflow.v1", "access-token", token]


# --- the healthy members ------------------------------------------------------------------------


class Member:
    """One healthy connection: reads every frame, checks ``seq``, times its own ``health`` probes."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.said = 0
        self.last_seq = 0
        self.seq_errors = 0
        self.problems = 0
        self.waiting: dict[str, asyncio.Future[None]] = {}
        self.said_changed = asyncio.Event()
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for text in self.ws:
            frame = json.loads(text)
            if "event" in frame:
                if frame["seq"] != self.last_seq + 1:
                    self.seq_errors += 1
                self.last_seq = frame["seq"]
                if frame["event"] == "said":
                    self.said += 1
                    self.said_changed.set()
            elif "status" in frame:
                self.problems += 1
            if "completed" in frame or "status" in frame:
                done = self.waiting.pop(frame.get("req_id"), None)
                if done is not None and not done.done():
                    done.set_result(None)

    async def request(self, name: str, payload: dict[str, Any], bound: float) -> float:
        """Send an action and wait for its terminal frame; the seconds it took."""
        req_id, text = action(name, payload)
        done = self.waiting[req_id] = asyncio.get_running_loop().create_future()
        start = time.perf_counter()
        await self.ws.send(text)
        await asyncio.wait_for(done, bound)
        return time.perf_counter() - start

    async def until_said(self, count: int, bound: float) -> None:
        async with asyncio.timeout(bound):
            while self.said < count:
                self.said_changed.clear()
                await self.said_changed.wait()


async def healthy_main(url: str, args: argparse.Namespace, ready: Event, load: Event, loaded: Event) -> dict[str, Any]:
    members = []
    for index in range(args.healthy):
        ws = await connect(url, subprotocols=subprotocols(f"token-healthy{index}"), max_size=None)
        members.append(Member(ws))
    for member in members:
        await member.request("room.join", {"room": GROUP}, args.timeout)
    ready.set()
    idle: list[float] = []
    busy: list[float] = []

    async def probe(member: Member) -> None:
        # Until the broadcast is over: idle samples before it starts, busy ones while it runs.
        deadline = time.monotonic() + args.timeout
        while not loaded.is_set() and time.monotonic() < deadline:
            during = load.is_set()
            took = await member.request("health", {}, args.timeout)
            if during:
                busy.append(took)
            elif not load.is_set():
                idle.append(took)
            await asyncio.sleep(args.probe_interval)

    await asyncio.gather(*(probe(member) for member in members))
    lost = 0
    for member in members:
        with contextlib.suppress(TimeoutError):
            await member.until_said(args.events, 30.0)
        lost += args.events - member.said
    for member in members:
        await member.ws.close()
        member.task.cancel()
    return {
        "idle": idle,
        "busy": busy,
        "lost": lost,
        "seq_errors": sum(member.seq_errors for member in members),
        "problems": sum(member.problems for member in members),
    }


def healthy_process(url: str, args: argparse.Namespace, events: tuple[Event, ...], results: Any) -> None:
    try:
        results.put(("healthy", asyncio.run(healthy_main(url, args, *events))))
    except BaseException as error:
        results.put(("healthy", {"error": repr(error)}))
        raise


# --- the speaker --------------------------------------------------------------------------------


async def speaker_main(url: str, args: argparse.Namespace, load: Event) -> dict[str, Any]:
    async with connect(url, subprotocols=subprotocols("token-speaker"), max_size=None) as ws:
        answered = 0
        problems = 0
        room = asyncio.Semaphore(args.window)
        finished = asyncio.Event()

        async def read() -> None:
            nonlocal answered, problems
            async for text in ws:
                frame = json.loads(text)
                if "completed" in frame or "status" in frame:
                    problems += "status" in frame
                    answered += 1
                    room.release()
                    if answered == args.events:
                        finished.set()

        reader = asyncio.create_task(read())
        padding = "x" * args.size
        if not await asyncio.to_thread(load.wait, args.timeout):
            raise TimeoutError("the broadcast was never started")
        start = time.monotonic()
        for number in range(args.events):
            due = start + number / args.rate
            delay = due - time.monotonic()
            if delay > 0.002:
                await asyncio.sleep(delay)
            await asyncio.wait_for(room.acquire(), args.timeout)
            await ws.send(action("room.say", {"room": GROUP, "text": f"{number:>8} {padding}"})[1])
        await asyncio.wait_for(finished.wait(), args.timeout)
        seconds = time.monotonic() - start
        reader.cancel()
    return {"seconds": seconds, "problems": problems}


def speaker_process(url: str, args: argparse.Namespace, load: Event, loaded: Event, results: Any) -> None:
    try:
        results.put(("speaker", asyncio.run(speaker_main(url, args, load))))
    except BaseException as error:
        results.put(("speaker", {"error": repr(error)}))
        raise
    finally:
        loaded.set()


# --- the slow member ----------------------------------------------------------------------------


def slow_process(port: int, args: argparse.Namespace, ready: Event, wake: Event, results: Any) -> None:
    outcome: dict[str, Any] = {"frames": 0, "events": 0, "seq_ok": True, "close_code": None, "error": None}
    try:
        client = RawClient(port, token="token-slow", receive_buffer=4096, timeout=args.timeout)
        client.request("room.join", {"room": GROUP})
        ready.set()
        wake.wait(args.timeout)  # reads nothing until then
        last_seq = 0
        while True:
            try:
                frame = client.frame()  # raises StreamCorruptError on any byte that is not a valid frame
            except (EOFError, ConnectionResetError) as gone:
                outcome["error"] = f"no close frame: {gone!r}"
                break
            if frame is None:
                outcome["close_code"] = client.close_code
                with contextlib.suppress(OSError):  # the close handshake's reply
                    client.send_frame(CLOSE, (client.close_code or 1000).to_bytes(2, "big"))
                break
            outcome["frames"] += 1
            if "event" in frame:
                outcome["events"] += 1
                if frame["seq"] != last_seq + 1:
                    outcome["seq_ok"] = False
                last_seq = frame["seq"]
        client.close()
    except StreamCorruptError as error:
        outcome["error"] = f"corrupt stream: {error}"
    except Exception as error:
        outcome["error"] = repr(error)
    results.put(("slow", outcome))


# --- the run ------------------------------------------------------------------------------------


@dataclass
class Figures:
    server: str
    rate: float
    rss_before: float
    rss_growth: float
    idle_p99: float
    busy_p99: float
    idle_samples: int
    busy_samples: int
    lost: int
    slow: dict[str, Any] | None
    slow_after: float | None
    failures: list[str]

    @property
    def ratio(self) -> float:
        return self.busy_p99 / self.idle_p99


def p99(samples: list[float]) -> float:
    if len(samples) < 2:
        return float("nan")
    return statistics.quantiles(samples, n=100, method="inclusive")[98]


def measure(name: str, args: argparse.Namespace, *, with_slow: bool = True) -> Figures:
    """One run on a fresh server; ``with_slow`` false leaves the slow member out (the control run)."""
    template, env = SERVERS[name]
    port = free_port()
    argv = [part.format(port=port) for part in template]
    log = Path(tempfile.mkdtemp(prefix=f"slow-{name}-")) / "server.log"
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    slow_ready, slow_wake = context.Event(), context.Event()
    healthy_ready, load, loaded = context.Event(), context.Event(), context.Event()
    with run_server(name, argv, port=port, log=log, env=env) as server:
        slow = context.Process(target=slow_process, args=(port, args, slow_ready, slow_wake, results))
        healthy = context.Process(
            target=healthy_process, args=(server.url, args, (healthy_ready, load, loaded), results)
        )
        speaker = context.Process(target=speaker_process, args=(server.url, args, load, loaded, results))
        children = [slow, healthy, speaker] if with_slow else [healthy, speaker]
        for child in children:
            child.start()
        try:
            for ready in (slow_ready, healthy_ready) if with_slow else (healthy_ready,):
                if not ready.wait(args.timeout):
                    raise RuntimeError("the clients did not connect")
            time.sleep(args.idle)
            before = resident_memory(server.process.pid)
            peak = before
            load.set()
            started = time.monotonic()
            slow_after: float | None = None
            deadline = started + args.timeout
            while not loaded.is_set() and time.monotonic() < deadline:
                peak = max(peak, resident_memory(server.process.pid))
                if slow_after is None and SLOW_LOG_LINE in server.logs():
                    slow_after = time.monotonic() - started
                    slow_wake.set()
                time.sleep(0.05)
            slow_wake.set()
            collected: dict[str, dict[str, Any]] = {}
            while len(collected) < len(children):
                who, outcome = results.get(timeout=args.timeout)
                collected[who] = outcome
            peak = max(peak, resident_memory(server.process.pid))
        finally:
            slow_wake.set()
            loaded.set()
            for child in children:
                child.join(10)
                if child.is_alive() and child.pid is not None:
                    os.kill(child.pid, signal.SIGKILL)
                    child.join(10)
    for who, outcome in collected.items():
        if "error" in outcome and who != "slow":
            raise RuntimeError(f"{name}: the {who} client failed: {outcome['error']}")
    healthy_out, speaker_out = collected["healthy"], collected["speaker"]
    slow_out = collected.get("slow")
    figures = Figures(
        server=name,
        rate=args.events / speaker_out["seconds"],
        rss_before=before / MIB,
        rss_growth=(peak - before) / MIB,
        idle_p99=p99(healthy_out["idle"]) * 1000,
        busy_p99=p99(healthy_out["busy"]) * 1000,
        idle_samples=len(healthy_out["idle"]),
        busy_samples=len(healthy_out["busy"]),
        lost=healthy_out["lost"],
        slow=slow_out,
        slow_after=slow_after,
        failures=[],
    )
    figures.failures = verdict(figures, healthy_out, speaker_out)
    return figures


def verdict(figures: Figures, healthy: dict[str, Any], speaker: dict[str, Any]) -> list[str]:
    failures = []
    if figures.rss_growth >= 100:
        failures.append(f"server memory grew by {figures.rss_growth:.0f} MiB")
    if not figures.ratio <= 2:
        failures.append(f"healthy p99 {figures.ratio:.2f}x its idle value")
    if figures.lost or healthy["seq_errors"] or healthy["problems"] or speaker["problems"]:
        failures.append(
            f"healthy members: {figures.lost} events lost, {healthy['seq_errors']} seq gaps, "
            f"{healthy['problems']} problems; speaker: {speaker['problems']} problems"
        )
    slow = figures.slow
    if slow is not None and (slow["error"] or not slow["seq_ok"] or slow["close_code"] != 1013):
        failures.append(f"slow stream: {slow['error'] or ''} seq ok {slow['seq_ok']}, close {slow['close_code']}")
    return failures


HEADER = (
    "| server | events/s sent | RSS before (MiB) | RSS growth (MiB) | healthy p99 idle (ms) | healthy p99 busy (ms) "
    "| busy / idle | busy p99 without the slow member (ms) | healthy lost | slow found after (s) "
    "| slow: frames read, seq | slow: close | verdict |\n"
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |"
)


def row(figures: Figures, control: Figures | None) -> str:
    slow = figures.slow
    assert slow is not None
    found = "never" if figures.slow_after is None else f"{figures.slow_after:.1f}"
    seq = "gap-free" if slow["seq_ok"] else "GAP"
    close = slow["close_code"] if slow["close_code"] is not None else "none"
    failures = figures.failures + (control.failures if control is not None else [])
    verdict_text = "ok" if not failures else "FAILED: " + "; ".join(failures)
    without = "-" if control is None else f"{control.busy_p99:.1f}"
    return (
        f"| {figures.server} | {figures.rate:,.0f} | {figures.rss_before:.0f} | {figures.rss_growth:.1f} "
        f"| {figures.idle_p99:.1f} | {figures.busy_p99:.1f} | {figures.ratio:.2f}x | {without} | {figures.lost} "
        f"| {found} | {slow['frames']:,}, {seq} | {close} | {verdict_text} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", action="append", choices=sorted(SERVERS), help="only these (repeatable)")
    parser.add_argument("--events", type=int, default=20_000, help="broadcasts to the group")
    parser.add_argument("--size", type=int, default=1024, help="characters of text in each broadcast")
    parser.add_argument("--rate", type=float, default=1000.0, help="broadcasts a second")
    parser.add_argument("--window", type=int, default=64, help="broadcasts sent and not yet answered, at most")
    parser.add_argument("--healthy", type=int, default=4, help="healthy members of the group")
    parser.add_argument("--idle", type=float, default=5.0, help="seconds of probes before the broadcast")
    parser.add_argument("--probe-interval", type=float, default=0.01, help="seconds between a member's probes")
    parser.add_argument(
        "--no-control",
        dest="control",
        action="store_false",
        help="skip the control run (the same broadcast without the slow member) on each server",
    )
    parser.add_argument("--timeout", type=float, default=180.0, help="bound on every single wait, in seconds")
    args = parser.parse_args()
    names = args.server or sorted(SERVERS)
    print(
        f"{args.events:,} broadcasts of {args.size:,} characters at {args.rate:g}/s to a group of "
        f"{args.healthy} healthy members and one that stops reading; OutgoingLimits() defaults",
        flush=True,
    )
    print(HEADER, flush=True)
    failed = False
    for name in names:
        control = None
        if args.control:
            control = measure(name, args, with_slow=False)
            control.failures = [f"(control) {failure}" for failure in control.failures if "p99" not in failure]
        figures = measure(name, args)
        failed = failed or bool(figures.failures) or bool(control and control.failures)
        print(row(figures, control), flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
