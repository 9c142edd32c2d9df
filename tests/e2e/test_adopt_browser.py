"""The TypeScript runtime in headless Chromium keeps its session when the worker it is on is killed.

Two uvicorn workers of the conformance app (``tests/redis/apps/fastapi_app.py``) share one
redis-server through RedisHub, RedisHistory and RedisSessionStore. The browser connects to one
address, a TCP switch on 127.0.0.1 (``switch.py``) standing in for a load balancer, which sends
it to worker A. Events are pushed to the browser's user from a third process.

Mid-stream, the switch holds back what A sends (the browser has seen the first 10 events, A has
sent 30), A is killed with SIGKILL and the switch points at B: the runtime reconnects to the same
URL, offers its resume token, B adopts the session and replays the 20 events the browser never
saw. The page counts every event by its text and its ``seq``: each exactly once, in order, with
no ``gap`` and no ``resync`` signal.

In the first test the pushes stop, and the test waits until A has written all 30 frames to
Redis, before the kill. The second test kills A while it numbers, writes and sends a stream, and
the pushes go on while no worker holds the session: A sends a frame only once Redis has it (write,
then send), and B numbers from the hub's journal what A never wrote and what was published while
nobody held the session, so the browser again gets every event once, in order, with no ``resync``.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from redis import Redis

from tests.redis.cluster import Cluster, run_cluster
from tests.redis.conftest import RedisServer

from .conftest import Browser
from .switch import Switch

ENV = {"BEEFLOW_TEST_REDIS_HISTORY": "1", "BEEFLOW_TEST_REDIS_SESSIONS": "1"}


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def cluster(redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with run_cluster("fastapi-uvicorn", redis_server.url, tmp_path_factory.mktemp("adopt-browser"), env=ENV) as running:
        yield running


@pytest.fixture
def switch(cluster: Cluster) -> Iterator[Switch]:
    with Switch(cluster.servers[0].port) as running:
        yield running


def logs(cluster: Cluster, browser: Browser) -> str:
    servers = [f"--- {server.name} :{server.port}\n{server.log.read_text()[-3000:]}" for server in cluster.servers]
    return "\n".join([*servers, f"--- browser\n{browser.logs()}"])


def call(browser: Browser, cluster: Cluster, page: str, fn: str, *args: str) -> dict[str, Any]:
    try:
        result: dict[str, Any] = browser.send("call", page=page, fn=fn, args=list(args))
    except (AssertionError, TimeoutError) as error:
        raise AssertionError(f"{error}\n{logs(cluster, browser)}") from None
    return result


def written(redis_server: RedisServer, user: str, seq: int, *, attempts: int = 250) -> None:
    """Wait (bounded) until the session of ``user`` has its frames up to ``seq`` in Redis."""
    with Redis.from_url(redis_server.url, decode_responses=True) as redis:
        for _ in range(attempts):
            for key in redis.scan_iter("beeflow:s:*", count=1000):
                record = redis.hgetall(key)
                if record.get("u") == f"={user}" and int(record.get("seq", "0")) >= seq:
                    return
            time.sleep(0.02)
    raise AssertionError(f"the session of {user} did not reach seq {seq} in Redis")


def test_kill_9_of_the_worker_mid_stream_the_browser_resumes_on_the_other_with_every_event_once(
    browser: Browser, cluster: Cluster, switch: Switch, redis_server: RedisServer
) -> None:
    a, b = cluster.servers
    user = f"u{uuid.uuid4().hex[:8]}"
    page = f"adopt-{user}"
    browser.send("open", page=page, ws=f"ws://127.0.0.1:{switch.port}/ws/")
    try:
        assert call(browser, cluster, page, "follow", user)["state"] == "open"
        cluster.push("user", user, 10, "n", via="bare")
        assert call(browser, cluster, page, "followed", "10")["texts"] == [f"n {n}" for n in range(1, 11)]
        switch.hold()  # what A sends from now on does not reach the browser
        cluster.push("user", user, 20, "n+", via="bare")
        written(redis_server, user, 30)
        switch.target = b.port
        os.kill(a.process.pid, signal.SIGKILL)
        a.process.wait(10)
        switch.cut()  # A's connection is gone: the browser reconnects to the same URL and lands on B
        resumed = call(browser, cluster, page, "followed", "30")
        assert resumed["resyncs"] == [], logs(cluster, browser)
        assert resumed["texts"] == [f"n {n}" for n in range(1, 11)] + [f"n+ {n}" for n in range(1, 21)]
        cluster.push("user", user, 5, "live", via="bare")
        seen = call(browser, cluster, page, "followed", "35")
    finally:
        browser.send("call", page=page, fn="unfollow")
        browser.send("close", page=page)
    expected = [f"n {n}" for n in range(1, 11)] + [f"n+ {n}" for n in range(1, 21)] + [f"live {n}" for n in range(1, 6)]
    assert seen["texts"] == expected  # every event once, in order: none lost, none twice
    assert seen["seqs"] == list(range(1, 36))
    assert (seen["gaps"], seen["resyncs"]) == ([], [])
    assert "reconnecting" in seen["states"]
    assert seen["state"] == "open"
    assert switch.routed[0] == a.port
    assert set(switch.routed[1:]) == {b.port}  # every reconnect went to B, and the session resumed there


def test_kill_9_while_events_stream_in_the_browser_resumes_with_every_event_once(
    browser: Browser, cluster: Cluster, switch: Switch
) -> None:
    """A is killed while it numbers, writes and sends a stream: no flush wait, no hold.

    The runtime retries the dead worker until the pushes are over, then lands on B, which replays
    what A wrote after the browser's last event and numbers from the journal what A never wrote and
    what was pushed after the kill: all 300 events, each once, in order, and no resync.
    """
    a, b = cluster.servers
    user = f"u{uuid.uuid4().hex[:8]}"
    page = f"adopt-{user}"
    browser.send("open", page=page, ws=f"ws://127.0.0.1:{switch.port}/ws/")
    try:
        assert call(browser, cluster, page, "follow", user)["state"] == "open"
        pushing = threading.Thread(target=cluster.push, args=("user", user, 300, "n"), kwargs={"via": "bare"})
        pushing.start()
        try:
            call(browser, cluster, page, "followed", "20")
            os.kill(a.process.pid, signal.SIGKILL)
            a.process.wait(10)
        finally:
            pushing.join(120)
        switch.target = b.port
        call(browser, cluster, page, "roundTrip")
        cluster.push("user", user, 1, "after", via="bare")
        seen = call(browser, cluster, page, "followed", "1", "after 1")
    finally:
        browser.send("call", page=page, fn="unfollow")
        browser.send("close", page=page)
    assert seen["gaps"] == []  # the runtime checks every frame's seq: none skipped
    assert seen["texts"][-1] == "after 1"
    numbers = [int(text.split()[1]) for text in seen["texts"] if text.startswith("n ")]
    assert seen["resyncs"] == []  # no history-gap: A sent nothing it had not written
    assert numbers == list(range(1, 301))  # none twice, none skipped, none lost
    assert seen["seqs"] == sorted(set(seen["seqs"]))  # in seq order, none twice (the echo has seqs too)
    assert (switch.routed[0], switch.routed[-1]) == (a.port, b.port)
