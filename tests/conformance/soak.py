"""Load and soak: many connections, each sending many actions, all in one group receiving broadcasts.

Shared by ``tests/conformance/test_load.py`` (sized for CI) and ``benchmarks/soak.py`` (the full
1,000 x 100 run). Every connection joins the group ``all``; some actions are ``room.say`` to that
group, the rest are ``echo``. Afterwards each connection must hold exactly the answers to its own
requests, exactly one copy of every broadcast, ``seq`` 1, 2, 3, ... without a gap, and no problem.
"""

from __future__ import annotations

import asyncio
import json
import resource
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from .conftest import DJANGO_ENV, ServerKind
from .servers import PYTHON

GROUP = "all"


def soak_kinds(connections: int) -> dict[str, ServerKind]:
    """One server per adapter, with room for ``connections`` at once (gunicorn: a thread each)."""
    return {
        "fastapi-uvicorn": ServerKind(
            lambda port: [
                PYTHON, "-m", "uvicorn", "tests.conformance.apps.fastapi_app:app", "--host", "127.0.0.1",
                "--port", str(port), "--log-level", "warning", "--no-access-log",
            ]
        ),
        "django-daphne": ServerKind(
            lambda port: [
                PYTHON, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "-v", "0",
                "tests.conformance.apps.django_project.asgi:application",
            ],
            # A channel layer's default capacity (100 messages per consumer) drops group messages
            # silently under this load; production.md says to raise it, as here.
            {**DJANGO_ENV, "BEEFLOW_TEST_LAYER_CAPACITY": "10000"},
        ),
        "flask-gunicorn": ServerKind(
            lambda port: [
                PYTHON, "-m", "gunicorn", "--worker-class", "gthread", "--threads", str(connections + 16),
                "--workers", "1", "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
                "--backlog", str(max(2048, connections * 2)), "tests.conformance.apps.flask_app:app",
            ]
        ),
    }  # fmt: skip


def raise_fd_limit(needed: int) -> None:
    """Raise this process's soft RLIMIT_NOFILE (servers started afterwards inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    if resource.getrlimit(resource.RLIMIT_NOFILE)[0] < needed:
        raise RuntimeError(f"the soak needs {needed} file descriptors; the hard limit is {hard}")


def resident_memory(pid: int) -> int:
    """Resident memory in bytes of a process and its children (gunicorn serves from a worker)."""
    total = 0
    pids = [pid, *map(int, Path(f"/proc/{pid}/task/{pid}/children").read_text().split())]
    for process in pids:
        for line in Path(f"/proc/{process}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
    return total


@dataclass
class Session:
    """What one connection sent and received."""

    index: int
    echoes: dict[str, str] = field(default_factory=dict)
    says: dict[str, str] = field(default_factory=dict)
    frames: list[dict[str, Any]] = field(default_factory=list)
    #: What this connection waited for in vain, if anything (the run goes on, so the rest is checked).
    error: str | None = None


@dataclass
class Result:
    sessions: list[Session]
    broadcasts: int
    seconds: float
    memory_idle: int
    memory_busy: int
    baseline: int

    def per_connection(self, memory: int) -> float:
        return (memory - self.baseline) / len(self.sessions)


class _Reader:
    """Reads one connection's frames into ``session.frames`` and wakes whoever waits for a req_id."""

    def __init__(self, ws: ClientConnection, session: Session) -> None:
        self.ws, self.session = ws, session
        self.waiting: dict[str, asyncio.Future[None]] = {}
        self.said = 0
        self.said_changed = asyncio.Event()
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        async for text in self.ws:
            frame = json.loads(text)
            self.session.frames.append(frame)
            if frame.get("event") == "said":
                self.said += 1
                self.said_changed.set()
            if "completed" in frame or "status" in frame:
                future = self.waiting.pop(frame.get("req_id"), None)
                if future is not None and not future.done():
                    future.set_result(None)

    async def request(self, action: str, payload: dict[str, Any], bound: float) -> str:
        req_id = str(uuid.uuid4())
        done = self.waiting[req_id] = asyncio.get_running_loop().create_future()
        await self.ws.send(
            json.dumps({"msg_id": str(uuid.uuid4()), "req_id": req_id, "action": action, "payload": payload})
        )
        await asyncio.wait_for(done, bound)
        return req_id

    async def until_said(self, count: int, bound: float) -> None:
        """Wait until ``count`` broadcasts have arrived, or ``bound`` seconds (then the check reports the loss)."""
        try:
            async with asyncio.timeout(bound):
                while self.said < count:
                    self.said_changed.clear()
                    await self.said_changed.wait()
        except TimeoutError:
            pass


def broadcast_schedule(connections: int, actions: int, broadcasts: int, *, burst: bool) -> set[tuple[int, int]]:
    """(connection, action number) pairs that are broadcasts.

    Spread out (the default), connection ``i`` of every ``connections // broadcasts`` sends one, at
    an action number that grows with ``i``, so broadcasts overlap the whole run. ``burst`` makes
    them the first action of the first ``broadcasts`` connections: all at once.
    """
    if broadcasts > connections:
        raise ValueError("at most one broadcast per connection")
    if burst:
        return {(index, 0) for index in range(broadcasts)}
    if not broadcasts:
        return set()
    stride = connections // broadcasts
    return {(index, index * actions // connections) for index in range(0, stride * broadcasts, stride)}


async def run(
    url: str, connections: int, actions: int, broadcasts: int, pid: int, bound: float = 120.0, *, burst: bool = False
) -> Result:
    """Run the load against a server at ``url`` (process ``pid``); every wait is bounded by ``bound`` seconds."""
    schedule = broadcast_schedule(connections, actions, broadcasts, burst=burst)
    baseline = resident_memory(pid)
    joined, finished = asyncio.Barrier(connections + 1), asyncio.Barrier(connections + 1)
    go, drained = asyncio.Event(), asyncio.Event()
    sessions = [Session(index) for index in range(connections)]
    opened = asyncio.Semaphore(64)  # handshakes in flight at once, so a listen backlog never overflows

    async def one(session: Session) -> None:
        index = session.index
        async with opened:
            ws = await connect(
                url,
                subprotocols=["beeflow.v1", "access-token", f"token-soak{index}"],  # type: ignore[list-item]
                max_size=None,
                open_timeout=bound,
                ping_interval=None,
            )
        reader = _Reader(ws, session)
        try:
            await reader.request("room.join", {"room": GROUP}, bound)
            await joined.wait()
            await go.wait()
            try:
                for number in range(actions):
                    text = f"c{index}-a{number}"
                    if (index, number) in schedule:
                        req_id = await reader.request("room.say", {"room": GROUP, "text": text}, bound)
                        session.says[req_id] = text
                    else:
                        req_id = await reader.request("echo", {"text": text}, bound)
                        session.echoes[req_id] = text
            except TimeoutError:
                session.error = f"action {text!r} got no terminal frame within {bound} s"
            await finished.wait()
            await reader.until_said(broadcasts, bound)
            await drained.wait()
        finally:
            await ws.close()
            reader.task.cancel()
            await asyncio.gather(reader.task, return_exceptions=True)

    tasks = [asyncio.create_task(one(session)) for session in sessions]
    gate = asyncio.ensure_future(joined.wait())
    await asyncio.wait([gate, *tasks], timeout=bound * 4, return_when=asyncio.FIRST_COMPLETED)
    if not gate.done():
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        failed = next((task.exception() for task in tasks if task.done() and not task.cancelled()), None)
        raise RuntimeError(f"not every connection joined the group: {failed!r}")
    memory_idle = resident_memory(pid)
    started = time.perf_counter()
    go.set()
    await finished.wait()
    seconds = time.perf_counter() - started
    memory_busy = resident_memory(pid)
    drained.set()
    await asyncio.gather(*tasks)
    return Result(sessions, broadcasts, seconds, memory_idle, memory_busy, baseline)


def check(result: Result) -> None:
    """Nothing lost, nothing misrouted, ``seq`` gap-free, no problem: raises AssertionError otherwise."""
    broadcast_texts = {text for session in result.sessions for text in session.says.values()}
    assert len(broadcast_texts) == result.broadcasts
    websocket_ids: set[str] = set()
    for session in result.sessions:
        assert session.error is None, f"connection {session.index}: {session.error}"
        frames = session.frames
        problems = [frame for frame in frames if "status" in frame]
        assert not problems, f"connection {session.index} got problems: {problems[:3]}"
        events = [frame for frame in frames if "event" in frame]
        assert [frame["seq"] for frame in events] == list(range(1, len(events) + 1)), f"seq gap on {session.index}"
        echoed = [frame for frame in events if frame["event"] == "echoed"]
        said = [frame for frame in events if frame["event"] == "said"]
        assert len(events) == len(echoed) + len(said)
        # Its own echoes: one per echo request, with the text it sent, to this connection alone.
        assert {frame["req_id"]: frame["payload"]["text"] for frame in echoed} == session.echoes
        assert len(echoed) == len(session.echoes)
        recipients = {frame["recipient_id"] for frame in echoed}
        assert len(recipients) <= 1
        websocket_ids |= recipients
        # Every broadcast exactly once; its own carry the req_id of the room.say that sent them.
        lost = len(broadcast_texts) - len({frame["payload"]["text"] for frame in said})
        assert not lost, f"connection {session.index} lost {lost} of {len(broadcast_texts)} broadcasts"
        assert sorted(frame["payload"]["text"] for frame in said) == sorted(broadcast_texts)
        assert all(frame["recipient"] == "group" and frame["recipient_id"] == GROUP for frame in said)
        own = {frame["req_id"]: frame["payload"]["text"] for frame in said if frame["req_id"] is not None}
        assert own == session.says
        completions = {frame["req_id"] for frame in frames if "completed" in frame}
        assert completions >= set(session.echoes) | set(session.says)
    assert len(websocket_ids) == sum(1 for session in result.sessions if session.echoes)


def report(name: str, result: Result, connections: int, actions: int) -> str:
    frames = sum(len(session.frames) for session in result.sessions)
    return (
        f"| {name} | {connections} x {actions} | {result.broadcasts} | {frames:,} | {result.seconds:.1f} "
        f"| {frames / result.seconds:,.0f} | {result.per_connection(result.memory_idle) / 1024:.0f} "
        f"| {result.per_connection(result.memory_busy) / 1024:.0f} |"
    )


REPORT_HEADER = (
    "| server | connections x actions | broadcasts | frames received | seconds | frames/s "
    "| KiB/connection idle | KiB/connection busy |\n| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
)


__all__ = ["GROUP", "REPORT_HEADER", "Result", "check", "raise_fd_limit", "report", "run", "soak_kinds"]
