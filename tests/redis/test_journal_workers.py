"""The Redis hub's journal: what a killed worker never wrote, and what was published while no worker
held the session, reaches the client once it resumes on another worker.

FastAPI on two uvicorn processes and Flask on two gunicorn servers, with RedisHub, RedisHistory and
RedisSessionStore on a real redis-server. A third process pushes a numbered stream, alternating
between the client's user and a group it joined. The worker serving the client is killed with
SIGKILL mid-stream, the stream goes on while no worker holds the session, and the client resumes
on the other worker: every event once, in order, without a history-gap. The kill comes right after
the client read its first events, while the worker still has frames to write: a worker sends a
frame only once Redis has it (write, then send), so the client holds nothing the other worker
cannot replay.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
import redis

from tests.conformance.servers import PYTHON, free_port, run_server
from tests.resume.test_servers import action, drop, frames_until, open_socket, said

from .cluster import Cluster, run_cluster
from .conftest import RedisServer

Frame = dict[str, Any]
ENV = {"BEEFLOW_TEST_REDIS_HISTORY": "1", "BEEFLOW_TEST_REDIS_SESSIONS": "1"}
#: Events of the stream, and the seconds the producer waits between two of them (so that it is
#: still pushing when the worker is killed, and goes on while no worker holds the session).
EVENTS = 200
PAUSE = 0.01
#: Events the client reads from the first worker before it is killed.
READ_FIRST = 40
ROUNDS = 3


@pytest.fixture(params=["fastapi", "flask"])
def pair(
    request: pytest.FixtureRequest, redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    """Two worker processes of one app, a port each (so the test picks the worker)."""
    tmp = tmp_path_factory.mktemp("journal-workers")
    if request.param == "fastapi":
        with run_cluster("fastapi-uvicorn", redis_server.url, tmp, env=ENV) as cluster:
            yield cluster
        return
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
        yield Cluster("flask-gunicorn", servers, env)


def greeting(ws: Any) -> Frame:
    [first] = frames_until(ws, lambda frames: len(frames) == 1)
    session: Frame = first["session"]
    return session


def written(redis_url: str, session_id: str, seq: int, *, attempts: int = 500) -> None:
    """Wait (bounded) until the session's record in Redis says frame ``seq`` is written."""
    client = redis.Redis.from_url(redis_url)
    try:
        for _ in range(attempts):
            value = client.hget(f"beeflow:s:{session_id}", "seq")
            if value is not None and int(value) >= seq:
                return
            time.sleep(0.01)
    finally:
        client.close()
    raise AssertionError(f"the worker did not write frame {seq} of session {session_id}")


def kill(cluster: Cluster, worker: int) -> None:
    process = cluster.servers[worker].process
    os.kill(process.pid, signal.SIGKILL)
    process.wait(10)


def joined(ws: Any, room: str) -> list[Frame]:
    action(ws, "room.join", {"room": room})
    return frames_until(ws, lambda frames: any(frame.get("completed") == "room.join" for frame in frames))


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_kill_9_mid_stream_then_every_event_once_in_order_on_the_other_worker(
    pair: Cluster, redis_server: RedisServer, round_: int
) -> None:
    a, b = pair.servers
    user, room = f"u{uuid.uuid4().hex[:8]}", f"room-{uuid.uuid4().hex[:8]}"
    ws = open_socket(a, "beeflow.v2", "access-token", f"token-{user}")
    session = greeting(ws)
    first = joined(ws, room)
    pushing = threading.Thread(
        target=pair.push,
        args=("user,group", f"{user},{room}", EVENTS, "n"),
        kwargs={"via": "bare", "pause": PAUSE},
    )
    pushing.start()
    try:
        first += frames_until(ws, lambda frames: len(said(frames)) >= READ_FIRST)
        last = first[-1]["seq"]
        mid_stream = pushing.is_alive()
        kill(pair, 0)  # A has deliveries in hand: received, maybe written, not sent
    finally:
        pushing.join(120)
    assert mid_stream, "the producer had finished before the worker was killed: nothing was tested"
    with contextlib.suppress(OSError):
        drop(ws)
    token = f"beeflow.resume.{session['id']}.{session['epoch']}.{last}"
    with open_socket(b, "beeflow.v2", "access-token", f"token-{user}", token) as again:
        rest = frames_until(again, lambda frames: f"n {EVENTS}" in said(frames), limit=2 * EVENTS)
        assert rest[0]["session"] == {**session, "resumed": True}  # no history-gap
        pair.push("group", room, 1, "after", via="bare")
        live = frames_until(again, lambda frames: "after 1" in said(frames), limit=2 * EVENTS)
    assert said(first) + said(rest) == [f"n {n}" for n in range(1, EVENTS + 1)]  # once each, in order
    assert said(live) == ["after 1"]  # and nothing twice after the last one
    numbered = [frame["seq"] for frame in [*rest[1:], *live]]
    assert numbered == list(range(last + 1, last + 1 + len(numbered)))


def test_a_journal_trimmed_past_what_the_session_numbered_resumes_with_history_gap(
    pair: Cluster, redis_server: RedisServer
) -> None:
    a, b = pair.servers
    user = f"u{uuid.uuid4().hex[:8]}"
    ws = open_socket(a, "beeflow.v2", "access-token", f"token-{user}")
    session = greeting(ws)
    first = joined(ws, f"room-{uuid.uuid4().hex[:8]}")
    last = first[-1]["seq"]
    written(redis_server.url, session["id"], last)
    kill(pair, 0)
    with contextlib.suppress(OSError):
        drop(ws)
    # No worker holds the session; the producer's journal keeps about 50 deliveries per address.
    pair.push("user", user, 400, "n", via="bare", env={"BEEFLOW_TEST_JOURNAL_EVENTS": "50"})
    token = f"beeflow.resume.{session['id']}.{session['epoch']}.{last}"
    with open_socket(b, "beeflow.v2", "access-token", f"token-{user}", token) as again:
        resumed = greeting(again)
        assert resumed["resumed"] is False
        assert resumed["resync"] == "history-gap"  # never a silent gap
        assert resumed["id"] != session["id"]
        pair.push("user", user, 1, "after", via="bare")
        live = frames_until(again, lambda frames: "after 1" in said(frames))
        assert said(live) == ["after 1"]
