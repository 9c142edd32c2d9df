"""Browser end-to-end fixtures: real servers of the chat example, and one headless Chromium.

Needs the Debian ``chromium`` package (``/usr/bin/chromium``; ``BEEFLOW_E2E_CHROMIUM`` points
elsewhere) and ``npm ci`` in ``tests/e2e`` (playwright-core, esbuild) and in ``examples/chat/web``
(the page's build). Without them the tests are skipped with the command to run; with
``BEEFLOW_E2E_REQUIRED=1`` (CI) they fail instead.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conformance.servers import PYTHON, ROOT, free_port, stop, wait_for_port

HERE = Path(__file__).resolve().parent
WEB = ROOT / "examples" / "chat" / "web"
CHROMIUM = os.environ.get("BEEFLOW_E2E_CHROMIUM", "/usr/bin/chromium")
ADAPTERS = ROOT / "src" / "beeflow_websocket"


@dataclass(frozen=True)
class ServerKind:
    """How to start the chat package on one framework and server."""

    argv: Callable[[int], list[str]]
    env: dict[str, str] = field(default_factory=dict)


SERVER_KINDS: dict[str, ServerKind] = {
    # examples/chat/server.py itself, plus the e2e.notify action.
    "fastapi-uvicorn": ServerKind(
        lambda port: [
            PYTHON, "-m", "uvicorn", "tests.e2e.apps.fastapi_app:app",
            "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
        ]
    ),
}  # fmt: skip

# The other adapters join in as soon as they exist.
if (ADAPTERS / "django" / "__init__.py").exists():
    SERVER_KINDS["django-daphne"] = ServerKind(
        lambda port: [
            PYTHON, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
            "tests.e2e.apps.django_project.asgi:application",
        ],
        {"DJANGO_SETTINGS_MODULE": "tests.e2e.apps.django_project.settings"},
    )  # fmt: skip
if (ADAPTERS / "flask" / "__init__.py").exists():
    SERVER_KINDS["flask-werkzeug"] = ServerKind(
        lambda port: [PYTHON, "-m", "tests.e2e.apps.flask_app", "--port", str(port)]
    )


def _missing() -> str | None:
    """What the browser tests lack on this machine, as the command that provides it."""
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM}: apt-get install -y chromium"
    if shutil.which("node") is None:
        return "no node: apt-get install -y nodejs npm"
    if not (HERE / "node_modules" / "playwright-core").is_dir():
        return "no playwright-core: (cd tests/e2e && npm ci)"
    if not (WEB / "node_modules" / "esbuild").is_dir():
        return "the chat page cannot be built: (cd examples/chat/web && npm ci)"
    return None


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("BEEFLOW_E2E_REQUIRED"):
        pytest.fail(f"browser tests required (BEEFLOW_E2E_REQUIRED) but {reason}")
    pytest.skip(reason)


class Browser:
    """The driver process (driver.mjs): one command at a time, one JSON answer per command."""

    def __init__(self, log: Path) -> None:
        self.log = log
        with log.open("wb") as output:
            self.process = subprocess.Popen(
                ["node", str(HERE / "driver.mjs")],
                cwd=HERE,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=output,
                text=True,
            )
        self.answers: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.next_id = 0
        self._answer(0, timeout=60)

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.answers.put(line)
        self.answers.put("")

    def _answer(self, wanted: int, timeout: float) -> Any:
        while True:
            try:
                line = self.answers.get(timeout=timeout)
            except queue.Empty:
                raise TimeoutError(f"the browser driver did not answer within {timeout} s\n{self.logs()}") from None
            if not line:
                raise RuntimeError(f"the browser driver exited ({self.process.poll()})\n{self.logs()}")
            answer = json.loads(line)
            if answer["id"] != wanted:
                continue  # the answer to a command that timed out earlier
            if not answer["ok"]:
                raise AssertionError(f"in the browser: {answer['error']}")
            return answer["value"]

    def send(self, op: str, *, timeout: float = 60, **arguments: Any) -> Any:
        assert self.process.stdin is not None
        self.next_id += 1
        self.process.stdin.write(json.dumps({"id": self.next_id, "op": op, **arguments}) + "\n")
        self.process.stdin.flush()
        return self._answer(self.next_id, timeout)

    def logs(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                assert self.process.stdin is not None
                self.process.stdin.write(json.dumps({"id": -1, "op": "quit"}) + "\n")
                self.process.stdin.close()
                self.process.wait(15)
            except (OSError, subprocess.TimeoutExpired):
                stop(self.process)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    """Headless Chromium behind driver.mjs, with the chat page built first."""
    reason = _missing()
    if reason:
        _skip_or_fail(reason)
    built = subprocess.run(["node", "build.mjs"], cwd=WEB, capture_output=True, text=True, check=False, timeout=120)
    assert built.returncode == 0, built.stdout + built.stderr
    driver = Browser(tmp_path_factory.mktemp("browser") / "driver.log")
    try:
        yield driver
    finally:
        driver.close()


@dataclass
class ChatServer:
    """One running server; :meth:`restart` stops it by pid and starts it again on the same port."""

    name: str
    kind: ServerKind
    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def origin(self) -> str:
        """Where the chat page is (every e2e server serves examples/chat/web/dist at /)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/"

    def start(self) -> None:
        environment = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1", **self.kind.env}
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                self.kind.argv(self.port), cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT
            )
        wait_for_port(self.port, self.process, timeout=60)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)

    def restart(self) -> None:
        self.stop()
        self.start()

    def logs(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""


@pytest.fixture(scope="module", params=sorted(SERVER_KINDS))
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatServer]:
    """The chat package on one framework, on a free loopback port."""
    name: str = request.param
    running = ChatServer(name, SERVER_KINDS[name], free_port(), tmp_path_factory.mktemp(name) / "server.log")
    running.start()
    try:
        yield running
    finally:
        running.stop()
