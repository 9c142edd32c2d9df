"""Every adapter on its real server, with a short ping interval and small outgoing limits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conformance.servers import PYTHON, Server, free_port, run_server

#: Pings every 50 ms on uvicorn (its pong timeout, ``PONG_TIMEOUT``, is separate) and every 200 ms on Flask, where
#: simple-websocket closes a connection whose pong is not back within one interval (the pong comes
#: after the megabytes buffered ahead of the ping). Daphne takes whole seconds.
PING = "0.05"
FLASK_PING = "0.2"
#: Uvicorn closes a connection whose pong is this late (1011). A member that reads nothing sends no
#: pong: on a loaded machine a short timeout would close it before it is found slow, and the tests
#: that stop reading on purpose would see 1011 instead of the close code the application chose.
PONG_TIMEOUT = "60"
#: 32 frames or 256 KiB queued per connection, then 0.5 s of grace.
OUTGOING = "32:262144:0.5"

DJANGO_ENV = {"DJANGO_SETTINGS_MODULE": "tests.conformance.apps.django_project.settings"}

KINDS: dict[str, tuple[Callable[[int], list[str]], dict[str, str]]] = {
    "flask-werkzeug": (lambda port: [PYTHON, "-m", "tests.hardening.apps.flask_app", "--port", str(port)], {}),
    "flask-gunicorn": (
        lambda port: [
            PYTHON, "-m", "gunicorn", "--worker-class", "gthread", "--threads", "16", "--workers", "1",
            "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "tests.hardening.apps.flask_app:app",
        ],
        {},
    ),
    "fastapi-uvicorn": (
        lambda port: [
            PYTHON, "-m", "uvicorn", "tests.hardening.apps.fastapi_app:app", "--host", "127.0.0.1",
            "--port", str(port), "--log-level", "warning",
            "--ws-ping-interval", PING, "--ws-ping-timeout", PONG_TIMEOUT,
        ],
        {},
    ),
    "django-daphne": (
        lambda port: [
            PYTHON, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "-v", "1", "--ping-interval", "1",
            "tests.hardening.apps.django_asgi:application",
        ],
        DJANGO_ENV,
    ),
}  # fmt: skip


@contextmanager
def hardening_server(name: str, tmp: Path, **env: str) -> Iterator[Server]:
    argv, base_env = KINDS[name]
    port = free_port()
    environment = {**base_env, "BEEFLOW_TEST_PING": FLASK_PING, "BEEFLOW_TEST_OUTGOING": OUTGOING, **env}
    with run_server(name, argv(port), port=port, log=tmp / "server.log", env=environment) as server:
        yield server
