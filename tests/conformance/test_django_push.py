"""Pushing from a synchronous Django view served by Daphne, with the in-memory channel layer."""

from __future__ import annotations

import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest

from .client import Client
from .servers import PYTHON, Server, free_port, run_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    port = free_port()
    argv = [
        PYTHON, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "-v", "1",
        "tests.conformance.apps.django_project.asgi:application",
    ]  # fmt: skip
    log = tmp_path_factory.mktemp("django-push") / "server.log"
    env = {"DJANGO_SETTINGS_MODULE": "tests.conformance.apps.django_project.settings"}
    with run_server("django-daphne", argv, port=port, log=log, env=env) as running:
        yield running


def push(server: Server, recipient: str, to: str, text: str) -> None:
    query = urllib.parse.urlencode({"recipient": recipient, "to": to, "text": text})
    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/push/?{query}", timeout=10) as response:
        assert response.status == 200


def test_push_sync_from_a_sync_view(server: Server) -> None:
    push(server, "user", "nobody", "before any connection")  # no loop serves connections yet: still fine
    with Client(server.url, token="token-alice") as alice, Client(server.url, token="token-bob") as bob:
        bob.request("room.join", {"room": "news"})
        assert alice.request("health")[-1]["completed"] == "health"
        push(server, "user", "alice", "hi alice")
        push(server, "group", "news", "extra")
        [to_alice] = [alice.recv()]
        assert (to_alice["event"], to_alice["req_id"], to_alice["seq"]) == ("said", None, 2)
        assert to_alice["payload"] == {"sender": "view", "text": "hi alice"}
        to_bob = bob.recv()
        assert (to_bob["recipient"], to_bob["recipient_id"], to_bob["payload"]["text"]) == ("group", "news", "extra")
        for client in (alice, bob):
            with pytest.raises(TimeoutError):
                client.recv(timeout=0.3)
