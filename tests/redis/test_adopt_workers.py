"""FastAPI on two uvicorn processes (and Flask on two gunicorn servers) with RedisHub, RedisHistory and
RedisSessionStore: a session opened on worker A resumes on worker B.

Events are pushed to the client's user from a third process. A client that drops and resumes on B
gets every event exactly once, in order. After a ``kill -9`` of A, B replays everything A had
written to Redis, then numbers from the hub's journal what A never wrote and what was published
while nobody held the session; a frame A sent but had not written yet makes the resume a
``history-gap``, never a silent gap (test_journal_workers.py closes the rest of the window).
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
from typing import Any

import pytest

from tests.conformance.servers import PYTHON, Server, free_port, run_server
from tests.resume.test_servers import drop, frames_until, open_socket, said

from .cluster import Cluster, run_cluster
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


def test_kill_9_of_a_while_events_stream_in_is_a_contiguous_resume_or_a_resync(cluster: Cluster) -> None:
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
        if resumed["resumed"]:
            cluster.push("user", user, 1, "after", via="bare")
            rest = frames_until(again, lambda frames: "after 1" in said(frames))
            texts = said(first) + said(rest)
            numbers = [int(text.split()[1]) for text in texts if text.startswith("n ")]
            assert numbers == list(range(1, 301))  # no duplicate, no gap: the journal has what A never wrote
            assert [frame["seq"] for frame in rest] == list(range(last + 1, last + 1 + len(rest)))
        else:
            assert resumed["resync"] == "history-gap"  # A sent a frame it had not written: never a silent gap


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
