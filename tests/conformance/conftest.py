"""One fixture, every adapter: the same conformance tests run against each real server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .servers import PYTHON, Server, free_port, run_server


@dataclass(frozen=True)
class ServerKind:
    """How to start one adapter on one server."""

    argv: Callable[[int], list[str]]
    env: dict[str, str] = field(default_factory=dict)


DJANGO_ENV = {"DJANGO_SETTINGS_MODULE": "tests.conformance.apps.django_project.settings"}

APPS = Path(__file__).parent / "apps"

SERVER_KINDS: dict[str, ServerKind] = {
    "fastapi-uvicorn": ServerKind(
        lambda port: [
            PYTHON, "-m", "uvicorn", "tests.conformance.apps.fastapi_app:app",
            "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
        ]
    ),
}  # fmt: skip

if (APPS / "django_project" / "asgi.py").exists():
    SERVER_KINDS["django-daphne"] = ServerKind(
        lambda port: [
            PYTHON, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "-v", "1",
            "tests.conformance.apps.django_project.asgi:application",
        ],
        DJANGO_ENV,
    )  # fmt: skip
    SERVER_KINDS["django-uvicorn"] = ServerKind(
        lambda port: [
            PYTHON, "-m", "uvicorn", "tests.conformance.apps.django_project.asgi:application",
            "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
        ],
        DJANGO_ENV,
    )  # fmt: skip

if (APPS / "flask_app.py").exists():
    SERVER_KINDS["flask-werkzeug"] = ServerKind(
        lambda port: [PYTHON, "-m", "tests.conformance.apps.flask_app", "--port", str(port)]
    )
    SERVER_KINDS["flask-gunicorn"] = ServerKind(
        lambda port: [
            PYTHON, "-m", "gunicorn", "--worker-class", "gthread", "--threads", "64", "--workers", "1",
            "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "tests.conformance.apps.flask_app:app",
        ]
    )  # fmt: skip


@pytest.fixture(scope="module", params=sorted(SERVER_KINDS))
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real server for one adapter, shared by the tests of a module."""
    name: str = request.param
    kind = SERVER_KINDS[name]
    port = free_port()
    log: Path = tmp_path_factory.mktemp(name) / "server.log"
    with run_server(name, kind.argv(port), port=port, log=log, env=kind.env) as running:
        yield running
