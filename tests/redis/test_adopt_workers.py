"""FastAPI on two uvicorn processes (and Flask on two gunicorn servers) with RedisHub, RedisHistory and
RedisSessionStore: a session opened on worker A resumes on worker B.

Events are pushed to the client's user from a third process. A client that drops and resumes on B
gets every event exactly once, in order. After a ``kill -9`` of A, B replays everything A had
written to Redis, then numbers from the hub's journal what A never wrote and what was published
while nobody held the session. A sends a frame only once it is written (write, then send), so the
client never holds a frame B cannot replay: the resume is never a ``history-gap``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import pytest
from redis import Redis

from tests.conformance.servers import PYTHON, Server, free_port, run_server
from tests.resume.test_servers import action, drop, frames_until, open_socket, said

from .cluster import ATTEMPTS, Cluster, run_cluster
from .conftest import RedisServer

Frame = dict[str, Any]
ENV = {"BEEFLOW_TEST_REDIS_HISTORY": "1", "BEEFLOW_TEST_REDIS_SESSIONS": "1"}


@pytest.fixture
def cluster(redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    tmp = tmp_path_factory.mktemp("adopt-workers")
    with run_cluster("fastapi-uvicorn", redis_server.url, tmp, env=ENV) as running:
        yield running


def greeting(ws: Any) -> Frame:
    [first] = frames_until(ws, lambda frames: len(frames) == 1)
    session: Frame = first["session"]
    return session


def flushed(cluster: Cluster, *, attempts: int = 200) -> None:
    """Wait (bounded) until no worker holds a frame not yet written to Redis."""
    for _ in range(attempts):
        if all(worker["history"]["pending"] == 0 for worker in cluster.health()):
            return
        time.sleep(0.02)
    raise AssertionError("the workers did not flush their history")


def test_a_session_dropped_on_a_resumes_on_b_with_every_event_once_in_order(cluster: Cluster) -> None:
    a, b = cluster.servers
    user = f"u{uuid.uuid4().hex[:8]}"
    ws = open_socket(a, "beeflow.v2", "access-token", f"token-{user}")
    session = greeting(ws)
    cluster.push("user", user, 20, "n", via="bare")
    first = frames_until(ws, lambda frames: len(said(frames)) == 20)
    last = first[-1]["seq"]
    drop(ws)
    cluster.push("user", user, 30, "m", via="bare")  # recorded by A's parked session
    flushed(cluster)
    token = f"beeflow.resume.{session['id']}.{session['epoch']}.{last}"
    with open_socket(b, "beeflow.v2", "access-token", f"token-{user}", token) as again:
        rest = frames_until(again, lambda frames: len(said(frames)) >= 30)
        assert rest[0]["session"] == {**session, "resumed": True}
        cluster.push("user", user, 5, "live", via="bare")  # A's old copy gets these too: its writes are refused
        live = frames_until(again, lambda frames: len(said(frames)) >= 5)
        everything = said(first) + said(rest) + said(live)
        expected = [f"n {n}" for n in range(1, 21)] + [f"m {n}" for n in range(1, 31)]
        assert everything == [*expected, *(f"live {n}" for n in range(1, 6))]
        numbered = [frame["seq"] for frame in [*rest[1:], *live]]
        assert numbered == list(range(last + 1, last + 1 + len(numbered)))
    assert cluster.alive()


def test_kill_9_of_a_mid_stream_then_b_replays_what_a_had_written(cluster: Cluster) -> None:
    a, b = cluster.servers
    user = f"u{uuid.uuid4().hex[:8]}"
    ws = open_socket(a, "beeflow.v2", "access-token", f"token-{user}")
    session = greeting(ws)
    cluster.push("user", user, 30, "n", via="bare")
    first = frames_until(ws, lambda frames: len(said(frames)) == 30)
    seen = 10  # the client read only part of what A sent and wrote
    last = next(frame["seq"] for frame in first if said([frame]) == [f"n {seen}"])
    flushed(cluster)
    os.kill(a.process.pid, signal.SIGKILL)
    a.process.wait(10)
    with contextlib.suppress(OSError):
        drop(ws)
    token = f"beeflow.resume.{session['id']}.{session['epoch']}.{last}"
    with open_socket(b, "beeflow.v2", "access-token", f"token-{user}", token) as again:
        rest = frames_until(again, lambda frames: len(said(frames)) >= 30 - seen)
        assert rest[0]["session"] == {**session, "resumed": True}
        assert said(rest) == [f"n {n}" for n in range(seen + 1, 31)]
        assert [frame["seq"] for frame in rest[1:]] == list(range(last + 1, last + len(rest)))
        cluster.push("user", user, 3, "after", via="bare")
        live = frames_until(again, lambda frames: len(said(frames)) >= 3)
        assert said(live) == ["after 1", "after 2", "after 3"]


def test_kill_9_of_a_while_events_stream_in_resumes_with_every_event_once(cluster: Cluster) -> None:
    a, b = cluster.servers
    user = f"u{uuid.uuid4().hex[:8]}"
    ws = open_socket(a, "beeflow.v2", "access-token", f"token-{user}")
    session = greeting(ws)
    pushing = threading.Thread(target=cluster.push, args=("user", user, 300, "n"), kwargs={"via": "bare"})
    pushing.start()
    try:
        first = frames_until(ws, lambda frames: len(said(frames)) >= 40)
        os.kill(a.process.pid, signal.SIGKILL)  # A is numbering and writing frames right now
        a.process.wait(10)
    finally:
        pushing.join(120)
    with contextlib.suppress(OSError):
        drop(ws)
    last = first[-1]["seq"]
    token = f"beeflow.resume.{session['id']}.{session['epoch']}.{last}"
    with open_socket(b, "beeflow.v2", "access-token", f"token-{user}", token) as again:
        resumed = greeting(again)
        assert resumed == {**session, "resumed": True}  # no history-gap: A sent nothing it had not written
        cluster.push("user", user, 1, "after", via="bare")
        rest = frames_until(again, lambda frames: "after 1" in said(frames))
        texts = said(first) + said(rest)
        numbers = [int(text.split()[1]) for text in texts if text.startswith("n ")]
        assert numbers == list(range(1, 301))  # no duplicate, no gap: the journal has what A never wrote
        assert [frame["seq"] for frame in rest] == list(range(last + 1, last + 1 + len(rest)))


@pytest.fixture
def flask_pair(redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Server]]:
    """Two gunicorn servers of one worker each (two ports, so the test picks the worker)."""
    tmp = tmp_path_factory.mktemp("adopt-flask")
    env = {"BEEFLOW_TEST_REDIS_URL": redis_server.url, **ENV}
    with ExitStack() as stack:
        servers = []
        for worker in range(2):
            port = free_port()
            argv = [
                PYTHON, "-m", "gunicorn", "--worker-class", "gthread", "--threads", "32", "--workers", "1",
                "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "tests.redis.apps.flask_app:app",
            ]  # fmt: skip
            log = tmp / f"gunicorn-{worker}.log"
            servers.append(stack.enter_context(run_server("flask-gunicorn", argv, port=port, log=log, env=env)))
        yield servers


def pending(server: Server) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/health", timeout=10) as response:
        return int(json.load(response)["history"]["pending"])


def test_flask_a_session_dropped_on_one_gunicorn_resumes_on_the_other(
    flask_pair: list[Server], redis_server: RedisServer
) -> None:
    a, b = flask_pair
    cluster = Cluster("flask-gunicorn", flask_pair, {"BEEFLOW_TEST_REDIS_URL": redis_server.url, **ENV})
    user = f"u{uuid.uuid4().hex[:8]}"
    ws = open_socket(a, "beeflow.v2", "access-token", f"token-{user}")
    session = greeting(ws)
    cluster.push("user", user, 20, "n", via="bare")
    first = frames_until(ws, lambda frames: len(said(frames)) == 20)
    last = first[-1]["seq"]
    drop(ws)
    cluster.push("user", user, 30, "m", via="bare")
    for _ in range(200):
        if pending(a) == 0:
            break
        time.sleep(0.02)
    token = f"beeflow.resume.{session['id']}.{session['epoch']}.{last}"
    with open_socket(b, "beeflow.v2", "access-token", f"token-{user}", token) as again:
        rest = frames_until(again, lambda frames: len(said(frames)) >= 30)
        assert rest[0]["session"] == {**session, "resumed": True}
        assert said(first) + said(rest) == [f"n {n}" for n in range(1, 21)] + [f"m {n}" for n in range(1, 31)]
        assert [frame["seq"] for frame in rest[1:]] == list(range(last + 1, last + len(rest)))


@pytest.fixture
def gunicorn(redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Flask as docs/en/flask.md deploys it: ``gunicorn --workers 2`` (gthread), both workers on one port."""
    with run_cluster("flask-gunicorn", redis_server.url, tmp_path_factory.mktemp("adopt-gunicorn"), env=ENV) as running:
        yield running


def serving(ws: Any) -> tuple[int, str, list[Frame]]:
    """The pid and websocket id behind ``ws`` (the ``where`` action), and the frames read meanwhile."""
    req_id = action(ws, "where", {})
    frames = frames_until(ws, lambda frames: any(f.get("completed") == "where" for f in frames))
    [where] = [frame for frame in frames if frame.get("req_id") == req_id and frame.get("event") == "where"]
    return where["payload"]["pid"], where["payload"]["websocket_id"], frames


def numbered(texts: list[str], prefix: str) -> list[int]:
    return [int(text.split()[1]) for text in texts if text.startswith(f"{prefix} ")]


@dataclass
class OnePort:
    """Two sessions of one user on ``gunicorn --workers 2``: ``ws`` on the worker ``pid``, ``other`` on the other."""

    server: Server
    user: str
    ws: Any
    session: Frame
    pid: int
    websocket_id: str
    other: Any

    def resume(self, last: int) -> Any:
        token = f"beeflow.resume.{self.session['id']}.{self.session['epoch']}.{last}"
        return open_socket(self.server, "beeflow.v2", "access-token", f"token-{self.user}", token)


@pytest.fixture
def one_port(gunicorn: Cluster) -> Iterator[OnePort]:
    [server] = gunicorn.servers
    user = f"u{uuid.uuid4().hex[:8]}"
    ws = open_socket(server, "beeflow.v2", "access-token", f"token-{user}")
    session = greeting(ws)
    pid, websocket_id, _ = serving(ws)
    for _ in range(ATTEMPTS):  # the kernel picks the worker of each connection: bounded tries
        candidate = open_socket(server, "beeflow.v2", "access-token", f"token-{user}")
        greeting(candidate)
        if serving(candidate)[0] != pid:
            break
        candidate.close()
    else:
        raise AssertionError(f"no connection reached the other worker in {ATTEMPTS} tries")
    try:
        yield OnePort(server, user, ws, session, pid, websocket_id, candidate)
    finally:
        candidate.close()
        with contextlib.suppress(OSError):
            ws.close()


def test_flask_gunicorn_workers_on_one_port_cross_deliver_then_kill_9_resumes_on_another(
    gunicorn: Cluster, one_port: OnePort, redis_server: RedisServer
) -> None:
    ws, other, room = one_port.ws, one_port.other, f"room-{uuid.uuid4().hex[:8]}"
    # Both workers live: a group event and user events cross from one worker to the other.
    for member in (ws, other):
        join = action(member, "room.join", {"room": room})
        frames_until(member, lambda frames, join=join: any(f.get("req_id") == join for f in frames))
    action(ws, "room.say", {"room": room, "text": "hello"})
    gunicorn.push("user", one_port.user, 3, "u", via="bare")
    for member in (ws, other):
        crossed = frames_until(member, lambda frames: len(said(frames)) >= 4)
        assert sorted(said(crossed)) == ["hello", "u 1", "u 2", "u 3"]
    # A stream to the first session's websocket; the client has read 10 of its 30 events when A dies.
    gunicorn.push("websocket", one_port.websocket_id, 30, "n", via="bare")
    first = frames_until(ws, lambda frames: len(said(frames)) >= 30)
    last = next(frame["seq"] for frame in first if said([frame]) == ["n 10"])
    with Redis.from_url(redis_server.url, decode_responses=True) as redis:  # A has written all 30
        for _ in range(250):
            if int(redis.hget(f"beeflow:s:{one_port.session['id']}", "seq") or 0) >= first[-1]["seq"]:
                break
            time.sleep(0.02)
        else:
            raise AssertionError("worker A did not write its frames to Redis")
    os.kill(one_port.pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        drop(ws)
    # A is gone: whichever worker the kernel picks (the other one, or the master's replacement for A) adopts.
    with one_port.resume(last) as again:
        rest = frames_until(again, lambda frames: len(said(frames)) >= 20)
        assert rest[0]["session"] == {**one_port.session, "resumed": True}
        assert said(rest) == [f"n {n}" for n in range(11, 31)]
        assert [frame["seq"] for frame in rest[1:]] == list(range(last + 1, last + len(rest)))
        pid, websocket_id, _ = serving(again)
        assert pid != one_port.pid
        assert websocket_id == one_port.websocket_id
        gunicorn.push("websocket", websocket_id, 1, "after", via="bare")
        gunicorn.push("group", room, 1, "room", via="bare")  # its groups came along
        assert said(frames_until(again, lambda frames: len(said(frames)) >= 2)) == ["after 1", "room 1"]
    gunicorn.push("user", one_port.user, 2, "still", via="bare")
    assert said(frames_until(other, lambda frames: len(said(frames)) >= 3)) == ["room 1", "still 1", "still 2"]


def test_flask_gunicorn_workers_on_one_port_kill_9_while_streaming_resumes_with_every_event_once(
    gunicorn: Cluster, one_port: OnePort
) -> None:
    ws = one_port.ws
    args = ("websocket", one_port.websocket_id, 300, "n")
    pushing = threading.Thread(target=gunicorn.push, args=args, kwargs={"via": "bare"})
    pushing.start()
    try:
        first = frames_until(ws, lambda frames: len(said(frames)) >= 20)
        os.kill(one_port.pid, signal.SIGKILL)  # A is numbering and writing frames right now
    finally:
        pushing.join(120)
    with contextlib.suppress(OSError):
        drop(ws)
    last = first[-1]["seq"]
    with one_port.resume(last) as again:
        resumed = greeting(again)
        assert resumed["resumed"] is True  # no history-gap: A sent nothing it had not written
        assert "resync" not in resumed
        pid, _, rest = serving(again)
        assert pid != one_port.pid
        numbered_frames = [frame["seq"] for frame in rest if "seq" in frame]
        assert numbered_frames == list(range(last + 1, last + 1 + len(numbered_frames)))
        numbers = numbered(said(first) + said(rest), "n")
        assert numbers == list(range(1, 301))  # none twice, none skipped: the journal has what A never wrote
