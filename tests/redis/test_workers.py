"""Two worker processes share users, groups and websockets through the Redis hub.

Each test runs against FastAPI on two uvicorn processes and Flask on gunicorn with two gthread
workers, with one real redis-server. Every event must arrive exactly once, in order, and only at
the connections it was addressed to.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator

import pytest

from .cluster import KINDS, Cluster, assert_quiet, run_cluster, said, texts, where
from .conftest import RedisServer


@pytest.fixture(scope="module", params=KINDS)
def cluster(
    request: pytest.FixtureRequest, redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    with run_cluster(request.param, redis_server.url, tmp_path_factory.mktemp(request.param)) as running:
        yield running


@pytest.fixture(autouse=True)
def _close_clients(cluster: Cluster) -> Iterator[None]:
    yield
    cluster.close_clients()


def test_the_two_workers_are_two_processes(cluster: Cluster) -> None:
    first, second = cluster.client(0, "p"), cluster.client(1, "q")
    assert where(first)["pid"] != where(second)["pid"]


def test_user_events_reach_every_device_on_every_worker(cluster: Cluster) -> None:
    alice_0, alice_1 = cluster.client(0, "alice"), cluster.client(1, "alice")
    bob_1, carol_0 = cluster.client(1, "bob"), cluster.client(0, "carol")
    assert bob_1.request("notify_user", {"user_id": "alice", "text": "from 1"})[-1]["events"] == 0
    assert carol_0.request("notify_user", {"user_id": "alice", "text": "from 0"})[-1]["events"] == 0
    for device in (alice_0, alice_1):
        assert texts(device, 2) == ["from 1", "from 0"]
    # The sender's own copy goes straight to its socket, once, with its req_id; the other device
    # gets it through Redis, once.
    mine = alice_1.request("notify_user", {"user_id": "alice", "text": "note to self"})
    assert [frame.get("event") for frame in mine] == ["said", None]
    assert texts(alice_0, 1) == ["note to self"]
    assert_quiet(alice_0, alice_1, bob_1, carol_0)


@pytest.mark.parametrize("room", ["lobby", "Zimmer 1 / Küche", "x" * 300], ids=["plain", "unicode", "long"])
def test_group_events_reach_members_on_every_worker_only(cluster: Cluster, room: str) -> None:
    a_0, b_1, c_1, d_0 = (
        cluster.client(0, "a"),
        cluster.client(1, "b"),
        cluster.client(1, "c"),
        cluster.client(0, "d"),
    )
    a_0.request("room.join", {"room": room})
    b_1.request("room.join", {"room": room})
    d_0.request("room.join", {"room": room + " (other)"})
    a_0.request("room.say", {"room": room, "text": "hello from 0"})
    assert texts(b_1, 1) == ["hello from 0"]
    b_1.request("room.say", {"room": room, "text": "hello from 1"})
    assert texts(a_0, 1) == ["hello from 1"]
    b_1.request("room.leave", {"room": room})
    c_1.request("room.say", {"room": room, "text": "knock"})  # c is no member: it gets no copy
    assert texts(a_0, 1) == ["knock"]
    assert_quiet(a_0, b_1, c_1, d_0)


def test_websocket_events_reach_the_one_connection_on_another_worker(cluster: Cluster) -> None:
    alice_0, alice_1, bob_0 = cluster.client(0, "alice"), cluster.client(1, "alice"), cluster.client(0, "bob")
    target = where(alice_1)["websocket_id"]
    frames = bob_0.request("tell", {"websocket_id": target, "text": "psst"})
    assert frames[-1]["events"] == 0
    assert said(alice_1.recv()) == "psst"
    assert_quiet(alice_0, alice_1, bob_0)


@pytest.mark.parametrize("via", ["app", "bare"])
@pytest.mark.parametrize("recipient", ["user", "group", "websocket"])
def test_a_process_without_sockets_reaches_every_worker_in_order(cluster: Cluster, recipient: str, via: str) -> None:
    count = 100
    members = [cluster.client(0, "erin"), cluster.client(1, "erin")]
    outsiders = [cluster.client(0, "frank"), cluster.client(1, "frank")]
    for member in members:
        member.request("room.join", {"room": "news"})
    outsiders[0].request("room.join", {"room": "sport"})
    targets = {"user": ["erin"], "group": ["news"], "websocket": [where(member)["websocket_id"] for member in members]}
    for to in targets[recipient]:
        cluster.push(recipient, to, count, "n", via=None if via == "app" else "bare")
    for member in members:
        assert texts(member, count) == [f"n {n}" for n in range(1, count + 1)]
        seqs = [frame["seq"] for frame in member.received if "seq" in frame]
        assert seqs == list(range(1, len(seqs) + 1))
    assert_quiet(*members, *outsiders)


def test_a_sync_view_on_any_worker_reaches_the_user_on_every_worker(cluster: Cluster) -> None:
    erin_0, erin_1, frank_1 = cluster.client(0, "erin"), cluster.client(1, "erin"), cluster.client(1, "frank")
    for _ in range(4):  # with one shared port, the views run on whichever worker accepts
        for server in cluster.servers:
            request = urllib.request.Request(f"http://127.0.0.1:{server.port}/push?to=erin", method="POST")
            with urllib.request.urlopen(request, timeout=10) as response:
                assert response.status == 200
    pushes = 4 * len(cluster.servers)
    for device in (erin_0, erin_1):
        assert texts(device, pushes) == ["hi"] * pushes
    assert_quiet(erin_0, erin_1, frank_1)
