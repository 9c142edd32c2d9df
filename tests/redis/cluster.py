"""Two worker processes of one app on one Redis: FastAPI on two uvicorn servers or on uvicorn
``--workers 2``, Flask on gunicorn with two gthread workers.

A test asks for a client on worker 0 or 1 (:meth:`Cluster.client`). Two uvicorn servers have a
port each; the workers of ``uvicorn --workers`` and of gunicorn share one port, so a client
connects until the kernel hands its connection to the wanted worker (the ``where`` action names
the process).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conformance.client import Client, Frame
from tests.conformance.servers import PYTHON, ROOT, Server, free_port, run_server

#: How long a test waits to be sure that nothing more arrives.
QUIET = 0.3
#: Connections tried before giving up on reaching a given gunicorn worker.
ATTEMPTS = 60

#: Two uvicorn servers (one port each), uvicorn ``--workers 2`` (one port), gunicorn with two gthread workers.
KINDS = ("fastapi-uvicorn", "fastapi-uvicorn-workers", "flask-gunicorn")


@dataclass
class Cluster:
    kind: str
    servers: list[Server]
    env: dict[str, str]
    pids: list[int] = field(default_factory=list)
    clients: list[Client] = field(default_factory=list)

    @property
    def via(self) -> str:
        return "fastapi" if self.kind.startswith("fastapi") else "flask"

    def client(self, worker: int, user: str) -> Client:
        """A client of ``user`` whose connection worker ``worker`` serves (after a round trip)."""
        if len(self.servers) > 1:
            client = Client(self.servers[worker].url, token=f"token-{user}")
            self.clients.append(client)
            pid = where(client)["pid"]
            if pid not in self.pids:
                self.pids.append(pid)
            return client
        for _ in range(ATTEMPTS):
            client = Client(self.servers[0].url, token=f"token-{user}")
            pid = where(client)["pid"]
            if pid not in self.pids and len(self.pids) < 2:
                self.pids.append(pid)
            if pid in self.pids and self.pids.index(pid) == worker:
                self.clients.append(client)
                return client
            client.close()
        raise AssertionError(f"no connection reached worker {worker} in {ATTEMPTS} attempts")

    def health(self) -> list[dict[str, Any]]:
        """The hub health of each worker (for gunicorn, of whichever workers answer)."""
        answers: dict[int, dict[str, Any]] = {}
        for _ in range(ATTEMPTS):
            for server in self.servers:
                with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/health", timeout=10) as response:
                    answer = json.load(response)
                answers[answer["pid"]] = answer
            if len(answers) >= 2:
                break
        return [answers[pid] for pid in sorted(answers)]

    def push(
        self,
        recipient: str,
        to: str,
        count: int,
        prefix: str,
        *,
        via: str | None = None,
        pause: float = 0.0,
        env: dict[str, str] | None = None,
    ) -> None:
        """Push ``count`` events from a process that serves no socket (see ``tests/redis/apps/push.py``)."""
        argv = [PYTHON, "-m", "tests.redis.apps.push", via or self.via, recipient, to, str(count), prefix, str(pause)]
        environment = {**os.environ, "PYTHONPATH": str(ROOT), **self.env, **(env or {})}
        done = subprocess.run(argv, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr

    def alive(self) -> bool:
        """Every server process and every worker seen so far is still running (none was replaced)."""
        if any(server.process.poll() is not None for server in self.servers):
            return False
        try:
            for pid in self.pids:
                os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True

    def close_clients(self) -> None:
        for client in self.clients:
            client.close()
        self.clients.clear()


def where(client: Client) -> dict[str, Any]:
    frames = client.request("where")
    assert frames[-1]["completed"] == "where", frames
    payload: dict[str, Any] = frames[0]["payload"]
    return payload


def said(frame: Frame) -> str:
    assert frame["event"] == "said", frame
    text: str = frame["payload"]["text"]
    return text


def texts(client: Client, count: int) -> list[str]:
    return [said(client.recv()) for _ in range(count)]


def assert_quiet(*clients: Client) -> None:
    """Nothing more arrives on any of the clients (one wait for all of them)."""
    time.sleep(QUIET)
    for client in clients:
        with pytest.raises(TimeoutError):
            client.recv(timeout=0)


@contextmanager
def run_cluster(kind: str, redis_url: str, tmp: Path, *, env: dict[str, str] | None = None) -> Iterator[Cluster]:
    env = {"BEEFLOW_TEST_REDIS_URL": redis_url, **(env or {})}
    with ExitStack() as stack:
        if kind == "fastapi-uvicorn":
            servers = []
            for worker in range(2):
                port = free_port()
                argv = [
                    PYTHON, "-m", "uvicorn", "tests.redis.apps.fastapi_app:app",
                    "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
                ]  # fmt: skip
                log = tmp / f"uvicorn-{worker}.log"
                servers.append(stack.enter_context(run_server(kind, argv, port=port, log=log, env=env)))
        elif kind == "fastapi-uvicorn-workers":
            port = free_port()
            argv = [
                PYTHON, "-m", "uvicorn", "tests.redis.apps.fastapi_app:app", "--workers", "2",
                "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
            ]  # fmt: skip
            servers = [stack.enter_context(run_server(kind, argv, port=port, log=tmp / "uvicorn.log", env=env))]
        else:
            port = free_port()
            argv = [
                PYTHON, "-m", "gunicorn", "--worker-class", "gthread", "--threads", "32", "--workers", "2",
                "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "tests.redis.apps.flask_app:app",
            ]  # fmt: skip
            servers = [stack.enter_context(run_server(kind, argv, port=port, log=tmp / "gunicorn.log", env=env))]
        cluster = Cluster(kind, servers, env)
        try:
            yield cluster
        finally:
            cluster.close_clients()
