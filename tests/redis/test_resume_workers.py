"""FastAPI on two uvicorn processes (and Flask on one gunicorn worker) with the session history in
Redis (``RedisHistory``).

Events pushed from a third process to a parked session are recorded in Redis and replayed to its
client on resume, exactly once and in order. A Redis that restarts empty mid-stream kills no
server process, and the resume afterwards is a resync (``epoch-changed`` or ``history-gap``),
never a gap. Without a ``RedisSessionStore`` the resume on the other worker is ``unknown-session``
(``test_adopt_workers.py`` shares the sessions).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from tests.conformance.servers import PYTHON, Server, free_port, run_server
from tests.resume.test_servers import drop, frames_until, open_socket, said

from .cluster import Cluster, run_cluster
from .conftest import RedisServer

Frame = dict[str, Any]


@pytest.fixture(scope="module")
def cluster(redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    tmp = tmp_path_factory.mktemp("resume-workers")
    with run_cluster("fastapi-uvicorn", redis_server.url, tmp, env={"BEEFLOW_TEST_REDIS_HISTORY": "1"}) as running:
        yield running


def greeting(ws: Any) -> Frame:
    [first] = frames_until(ws, lambda frames: len(frames) == 1)
    session: Frame = first["session"]
    return session


def connected_everywhere(cluster: Cluster, *, attempts: int = 200) -> list[dict[str, Any]]:
    """Wait (bounded) until both workers' hub and history reach Redis."""
    health: list[dict[str, Any]] = []
    for _ in range(attempts):
        health = cluster.health()
        if all(worker["connected"] and worker["history"]["connected"] for worker in health):
            return health
        time.sleep(0.05)
    raise AssertionError(f"the workers did not reconnect to Redis: {health}")


def test_a_parked_session_gets_pushed_events_from_the_redis_history_once_in_order(
    cluster: Cluster, redis_server: RedisServer
) -> None:
    a, b = cluster.servers
    user = f"u{uuid.uuid4().hex[:8]}"
    ws = open_socket(a, "beeflow.v2", "access-token", f"token-{user}")
    session = greeting(ws)
    cluster.push("user", user, 20, "n", via="bare")
    first = frames_until(ws, lambda frames: len(said(frames)) == 20)
    last = first[-1]["seq"]
    drop(ws)
    cluster.push("user", user, 30, "m", via="bare")  # while the session is (or is being) parked
    token = f"beeflow.resume.{session['id']}.{session['epoch']}.{last}"
    with open_socket(a, "beeflow.v2", "access-token", f"token-{user}", token) as again:
        rest = frames_until(again, lambda frames: len(said(frames)) >= 30)
        assert rest[0]["session"] == {**session, "resumed": True}
        assert said(first) + said(rest) == [f"n {n}" for n in range(1, 21)] + [f"m {n}" for n in range(1, 31)]
        assert [frame["seq"] for frame in rest[1:]] == list(range(last + 1, last + len(rest)))
    with redis.Redis.from_url(redis_server.url) as client:
        assert client.xlen(f"beeflow:h:{session['id']}") >= 50  # the frames are in Redis
        assert client.get("beeflow:epoch") == session["epoch"].encode()
    with open_socket(b, "beeflow.v2", "access-token", f"token-{user}", token) as elsewhere:
        assert greeting(elsewhere)["resync"] == "unknown-session"  # no RedisSessionStore here: see test_adopt_workers
    assert cluster.alive()


def test_redis_restarting_empty_mid_stream_is_a_resync_never_a_gap(cluster: Cluster, redis_server: RedisServer) -> None:
    a, _ = cluster.servers
    before = connected_everywhere(cluster)
    user = f"u{uuid.uuid4().hex[:8]}"
    ws = open_socket(a, "beeflow.v2", "access-token", f"token-{user}")
    session = greeting(ws)
    cluster.push("user", user, 10, "n", via="bare")
    first = frames_until(ws, lambda frames: len(said(frames)) == 10)
    drop(ws)
    redis_server.kill()
    redis_server.start()
    connected_everywhere(cluster)
    changes = {worker["pid"]: worker["history"]["epoch_changes"] for worker in before}
    cluster.push("user", user, 10, "m", via="bare")  # recorded by A after the restart
    for _ in range(200):
        now = {worker["pid"]: worker["history"] for worker in cluster.health()}
        if any(now[pid]["epoch_changes"] > changes[pid] for pid in now) or not all(
            history["connected"] for history in now.values()
        ):
            break
        time.sleep(0.05)
    token = f"beeflow.resume.{session['id']}.{session['epoch']}.{first[-1]['seq']}"
    with open_socket(a, "beeflow.v2", "access-token", f"token-{user}", token) as again:
        resumed = greeting(again)
    assert resumed["resumed"] is False
    assert resumed["resync"] in {"epoch-changed", "history-gap"}
    assert resumed["id"] != session["id"]
    assert cluster.alive()


@pytest.fixture(scope="module")
def flask_server(redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    port = free_port()
    argv = [
        PYTHON, "-m", "gunicorn", "--worker-class", "gthread", "--threads", "32", "--workers", "1",
        "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "tests.redis.apps.flask_app:app",
    ]  # fmt: skip
    env = {"BEEFLOW_TEST_REDIS_URL": redis_server.url, "BEEFLOW_TEST_REDIS_HISTORY": "1"}
    log = tmp_path_factory.mktemp("flask-history") / "gunicorn.log"
    with run_server("flask-gunicorn", argv, port=port, log=log, env=env) as server:
        yield server


def test_flask_replays_pushed_events_from_the_redis_history_once_in_order(
    flask_server: Server, cluster: Cluster, redis_server: RedisServer
) -> None:
    user = f"u{uuid.uuid4().hex[:8]}"
    ws = open_socket(flask_server, "beeflow.v2", "access-token", f"token-{user}")
    session = greeting(ws)
    cluster.push("user", user, 20, "n", via="bare")
    first = frames_until(ws, lambda frames: len(said(frames)) == 20)
    last = first[-1]["seq"]
    drop(ws)
    cluster.push("user", user, 30, "m", via="bare")
    token = f"beeflow.resume.{session['id']}.{session['epoch']}.{last}"
    with open_socket(flask_server, "beeflow.v2", "access-token", f"token-{user}", token) as again:
        rest = frames_until(again, lambda frames: len(said(frames)) >= 30)
    assert rest[0]["session"] == {**session, "resumed": True}
    assert said(first) + said(rest) == [f"n {n}" for n in range(1, 21)] + [f"m {n}" for n in range(1, 31)]
    assert [frame["seq"] for frame in rest[1:]] == list(range(last + 1, last + len(rest)))
    with redis.Redis.from_url(redis_server.url) as client:
        assert client.xlen(f"beeflow:h:{session['id']}") >= 50
