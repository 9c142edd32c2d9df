"""A 0.3.0 application that defines its own events and recipients runs unchanged on every adapter.

``tests/compat/app030`` is written against 0.3.0's API only: ``emit()`` events, a ``resolve()``
recipient, ``WebSocketActionPayload`` handlers, the README's setup code for each framework, and
plugin modules found by autodiscovery. It runs on real servers (uvicorn, werkzeug, gunicorn,
daphne, and two daphne processes sharing channels-redis) with real clients that speak 0.3.0 (no
completion frames). The assertions are the frames each client receives.

Nothing-arrived checks need no waiting: after an action, its sender addresses each connection that
must not have heard it; that connection's next frame must be this sentinel (deliveries of one
connection's actions reach any other connection in order).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from tests.conformance.client import Client, Frame
from tests.conformance.servers import PYTHON, free_port, redis_server, run_server

DJANGO = {"DJANGO_SETTINGS_MODULE": "tests.compat.app030.django_project.settings"}


def uvicorn(port: int) -> list[str]:
    return [PYTHON, "-m", "uvicorn", "tests.compat.app030.fastapi_main:app", "--host", "127.0.0.1",
            "--port", str(port), "--log-level", "warning"]  # fmt: skip


def werkzeug(port: int) -> list[str]:
    return [PYTHON, "-m", "tests.compat.app030.flask_main", "--port", str(port)]


def gunicorn(port: int) -> list[str]:
    return [PYTHON, "-m", "gunicorn", "--worker-class", "gthread", "--threads", "16", "--workers", "1",
            "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "tests.compat.app030.flask_main:app"]  # fmt: skip


def daphne(port: int) -> list[str]:
    return [PYTHON, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
            "tests.compat.app030.django_project.asgi:application"]  # fmt: skip


SETUPS = {
    "fastapi-uvicorn": (uvicorn, {}, 1),
    "flask-werkzeug": (werkzeug, {}, 1),
    "flask-gunicorn": (gunicorn, {}, 1),
    "django-daphne": (daphne, DJANGO, 1),
    "django-daphne-x2-redis": (daphne, DJANGO, 2),
}


@pytest.fixture(scope="module", params=sorted(SETUPS))
def urls(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    """Where alice, bob and carol connect: one server, or alternating between two processes."""
    argv, env, processes = SETUPS[request.param]
    tmp = tmp_path_factory.mktemp(request.param)
    environment = {**env, "APP030_DB": str(tmp / "rooms.sqlite3")}
    with ExitStack() as stack:
        if processes > 1:
            redis_port = stack.enter_context(redis_server(tmp))
            environment["APP030_REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
        servers = []
        for number in range(processes):
            port = free_port()
            log = tmp / f"server-{number}.log"
            servers.append(
                stack.enter_context(run_server(request.param, argv(port), port=port, log=log, env=environment))
            )
        yield [servers[index % processes].url for index in range(3)]


def client(url: str, user: int) -> Client:
    return Client(url, token=f"user-{user}", completion=False)


def message(sender: int, text: str, recipient: str, to: str) -> dict[str, Any]:
    return {"req_id": None, "event": "room.message", "recipient": recipient, "recipient_id": to,
            "payload": {"sender": sender, "text": text}}  # fmt: skip


def received(frame: Frame) -> dict[str, Any]:
    """The frame without its per-delivery ``msg_id`` and ``seq``."""
    return {key: value for key, value in frame.items() if key not in ("msg_id", "seq")}


def say(sender: Client, recipient: str, to: str, text: str) -> None:
    sender.send("room.say", {"recipient": recipient, "to": to, "text": text})


def join(member: Client, room: str) -> str:
    req_id = member.send("room.join", {"room": room})
    frame = member.recv()
    assert received(frame) == {
        "req_id": req_id,
        "event": "room.joined",
        "recipient": "websocket",
        "recipient_id": frame["payload"]["websocket_id"],
        "payload": {"room": room, "websocket_id": frame["payload"]["websocket_id"]},
    }
    return str(frame["payload"]["websocket_id"])


def nothing_more(sender: Client, sender_id: int, *others: tuple[Client, str]) -> None:
    """Each of ``others`` heard nothing from ``sender`` before: its next frame is the sentinel."""
    for other, websocket_id in others:
        say(sender, "websocket", websocket_id, "sentinel")
        assert received(other.recv()) == message(sender_id, "sentinel", "websocket", websocket_id)


def test_a_030_application_runs_unchanged(urls: list[str]) -> None:
    with client(urls[0], 1) as alice, client(urls[1], 2) as bob, client(urls[2], 3) as carol:
        alice_ws, bob_ws, carol_ws = join(alice, "blue"), join(bob, "blue"), join(carol, "green")

        # The application's own recipient: the room resolves to the websocket ids that joined it.
        say(alice, "room", "blue", "hello blue")
        assert received(alice.recv()) == message(1, "hello blue", "room", "blue")
        assert received(bob.recv()) == message(1, "hello blue", "room", "blue")
        nothing_more(alice, 1, (carol, carol_ws))

        # The bundled websocket recipient: one connection, by the id the action context gave it.
        say(carol, "websocket", bob_ws, "psst")
        assert received(bob.recv()) == message(3, "psst", "websocket", bob_ws)
        nothing_more(carol, 3, (alice, alice_ws), (carol, carol_ws))

        # Every connection of a user.
        say(bob, "user", "1", "to alice")
        assert received(alice.recv()) == message(2, "to alice", "user", "1")
        nothing_more(bob, 2, (bob, bob_ws), (carol, carol_ws))

        for member in (alice, bob, carol):
            seqs = [frame["seq"] for frame in member.received]
            assert seqs == list(range(1, len(seqs) + 1))
            assert all("completed" not in frame and "status" not in frame for frame in member.received)
