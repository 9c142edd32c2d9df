"""redis-server killed and started again in the middle of a stream of events.

What a user sees: no worker dies and no handler fails; connections on the same worker keep getting
their events; events for other workers are dropped while Redis is away (and the hub's health says
so); then delivery across workers works again, with nothing duplicated and order kept.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conformance.client import Client

from .cluster import KINDS, Cluster, assert_quiet, run_cluster, said, texts
from .conftest import RedisServer

#: Probes sent (one every 0.1 s at most) while waiting for cross-worker delivery to come back.
PROBES = 100


@pytest.fixture(params=KINDS)
def setup(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Cluster, RedisServer]]:
    redis_server = RedisServer(tmp_path_factory.mktemp("redis"))
    redis_server.start()
    try:
        with run_cluster(request.param, redis_server.url, tmp_path_factory.mktemp(request.param)) as cluster:
            yield cluster, redis_server
    finally:
        redis_server.stop()


def say(client: Client, text: str) -> None:
    frames = client.request("room.say", {"room": "room", "text": text})
    assert frames[-1].get("completed") == "room.say", frames  # never a problem frame, Redis or not


def until(client: Client, text: str) -> None:
    """Read until ``text`` arrives (probes still on their way arrive before it)."""
    for _ in range(PROBES + 2):
        if said(client.recv()) == text:
            return
    raise AssertionError(f"{text!r} never arrived")


def test_delivery_comes_back_after_redis_restarts(setup: tuple[Cluster, RedisServer]) -> None:
    cluster, redis_server = setup
    a_0, b_0, c_1 = cluster.client(0, "a"), cluster.client(0, "b"), cluster.client(1, "c")
    for client in (a_0, b_0, c_1):
        client.request("room.join", {"room": "room"})
    for n in range(10):
        say(a_0, f"before {n}")
    expected = [f"before {n}" for n in range(10)]
    assert texts(b_0, 10) == expected
    assert texts(c_1, 10) == expected

    redis_server.kill()
    try:
        for n in range(5):
            say(a_0, f"down {n}")
        assert texts(b_0, 5) == [f"down {n}" for n in range(5)]  # same worker: no Redis needed
        down = cluster.health()
        assert len(down) == 2
        assert not any(worker["connected"] for worker in down)
        assert all(worker["last_error"] for worker in down)
        assert cluster.alive()
    finally:
        redis_server.start()

    for attempt in range(PROBES):
        say(a_0, f"probe {attempt}")
        try:
            said(c_1.recv(timeout=0.1))
        except TimeoutError:
            continue
        break
    else:
        raise AssertionError(f"no delivery across workers after {PROBES} probes")
    say(a_0, "marker")
    until(c_1, "marker")
    until(b_0, "marker")

    for n in range(20):
        say(a_0, f"after {n}")
    expected = [f"after {n}" for n in range(20)]
    assert texts(b_0, 20) == expected
    assert texts(c_1, 20) == expected
    cluster.push("group", "room", 10, "job")
    for client in (a_0, b_0, c_1):
        assert texts(client, 10) == [f"job {n}" for n in range(1, 11)]
    assert_quiet(a_0, b_0, c_1)

    up = cluster.health()
    assert all(worker["connected"] for worker in up)
    assert [worker["outages"] for worker in up] == [1, 1]
    assert sum(worker["dropped"] for worker in up) >= 1  # a_0's worker dropped what was meant for c_1
    assert cluster.alive()
