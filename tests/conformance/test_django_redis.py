"""Django across processes: two Daphne servers share users, groups and websockets through channels-redis."""

from __future__ import annotations

import os
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from .client import Client, Frame
from .servers import PYTHON, ROOT, Server, free_port, redis_server, run_server

SETTINGS = "tests.conformance.apps.django_project.settings"
QUIET = 0.3


@contextmanager
def daphne(name: str, tmp: Path, env: dict[str, str]) -> Iterator[Server]:
    port = free_port()
    argv = [
        PYTHON, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "-v", "1",
        "tests.conformance.apps.django_project.asgi:application",
    ]  # fmt: skip
    with run_server(name, argv, port=port, log=tmp / f"{name}.log", env=env) as server:
        yield server


@pytest.fixture(scope="module")
def redis_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    with redis_server(tmp_path_factory.mktemp("redis")) as port:
        yield {"DJANGO_SETTINGS_MODULE": SETTINGS, "BEEFLOW_TEST_REDIS_URL": f"redis://127.0.0.1:{port}/0"}


@pytest.fixture(scope="module")
def servers(redis_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Server]]:
    tmp = tmp_path_factory.mktemp("django-redis")
    with ExitStack() as stack:
        first = stack.enter_context(daphne("daphne-1", tmp, redis_env))
        second = stack.enter_context(daphne("daphne-2", tmp, redis_env))
        yield first, second


def ready(*clients: Client) -> None:
    """A finished round trip: the connection is registered in the channel layer."""
    for client in clients:
        assert client.request("health")[-1]["completed"] == "health"


def assert_quiet(*clients: Client) -> None:
    """Nothing more arrives on any of the clients (one wait for all of them)."""
    time.sleep(QUIET)
    for client in clients:
        with pytest.raises(TimeoutError):
            client.recv(timeout=0)


def said(frame: Frame) -> dict[str, str]:
    assert frame["event"] == "said", frame
    assert frame["req_id"] is None
    payload: dict[str, str] = frame["payload"]
    return payload


def test_user_delivery_both_ways(servers: tuple[Server, Server]) -> None:
    one, two = servers
    with (
        Client(one.url, token="token-alice") as alice_1,
        Client(two.url, token="token-alice") as alice_2,
        Client(one.url, token="token-carol") as carol_1,
        Client(two.url, token="token-bob") as bob_2,
    ):
        ready(alice_1, alice_2, carol_1, bob_2)
        assert bob_2.request("notify_user", {"user_id": "alice", "text": "from 2"})[-1]["events"] == 0
        assert carol_1.request("notify_user", {"user_id": "alice", "text": "from 1"})[-1]["events"] == 0
        for device in (alice_1, alice_2):
            assert [said(device.recv()) for _ in range(2)] == [
                {"sender": "bob", "text": "from 2"},
                {"sender": "carol", "text": "from 1"},
            ]
        # The sender's own copy goes straight to its socket, once, with its req_id; the other device
        # gets it through Redis.
        mine = alice_2.request("notify_user", {"user_id": "alice", "text": "note to self"})
        assert [frame.get("event") for frame in mine] == ["said", None]
        assert said(alice_1.recv()) == {"sender": "alice", "text": "note to self"}
        assert_quiet(alice_1, alice_2, carol_1, bob_2)


@pytest.mark.parametrize(
    "room",
    ["lobby", "Zimmer 1 / Küche", "x" * 150, "beeflow.uh.lobby"],
    ids=["plain", "unicode and spaces", "too long for a layer group", "looks like a digest"],
)
def test_group_delivery_both_ways(servers: tuple[Server, Server], room: str) -> None:
    one, two = servers
    with (
        Client(one.url, token="token-a") as a_1,
        Client(two.url, token="token-b") as b_2,
        Client(two.url, token="token-c") as c_2,
        Client(one.url, token="token-d") as d_1,
    ):
        a_1.request("room.join", {"room": room})
        b_2.request("room.join", {"room": room})
        d_1.request("room.join", {"room": "lobby2"})
        ready(c_2)
        a_1.request("room.say", {"room": room, "text": "hello from 1"})
        assert said(b_2.recv()) == {"sender": "a", "text": "hello from 1"}
        b_2.request("room.say", {"room": room, "text": "hello from 2"})
        assert said(a_1.recv()) == {"sender": "b", "text": "hello from 2"}
        b_2.request("room.leave", {"room": room})
        c_2.request("room.say", {"room": room, "text": "knock"})
        assert said(a_1.recv()) == {"sender": "c", "text": "knock"}
        assert_quiet(a_1, b_2, c_2, d_1)


def test_a_management_command_reaches_one_websocket_on_another_process(
    servers: tuple[Server, Server], redis_env: dict[str, str]
) -> None:
    one, two = servers
    with Client(one.url, token="token-alice") as alice_1, Client(two.url, token="token-alice") as alice_2:
        [who, _] = alice_2.request("whoami")
        ready(alice_1)
        command = [PYTHON, "-m", "django", "beeflow_push", "websocket", who["payload"]["websocket_id"], "psst"]
        environment = {**os.environ, "PYTHONPATH": str(ROOT), **redis_env}
        done = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert said(alice_2.recv()) == {"sender": "command", "text": "psst"}
        assert_quiet(alice_1, alice_2)


def test_a_sync_view_pushes_to_a_user_on_another_process(servers: tuple[Server, Server]) -> None:
    one, two = servers
    with Client(two.url, token="token-erin") as erin_2, Client(one.url, token="token-frank") as frank_1:
        ready(erin_2, frank_1)
        query = urllib.parse.urlencode({"recipient": "user", "to": "erin", "text": "from a view"})
        with urllib.request.urlopen(f"http://127.0.0.1:{one.port}/push/?{query}", timeout=10) as response:
            assert response.status == 200
        assert said(erin_2.recv()) == {"sender": "view", "text": "from a view"}
        assert_quiet(erin_2, frank_1)
