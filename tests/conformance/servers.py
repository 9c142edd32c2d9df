"""Real servers for the conformance suite: started as subprocesses on free loopback ports, stopped by pid."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listened on 127.0.0.1:{port} within {timeout} s")


def stop(process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """Stop a server by its process id: SIGTERM, then SIGKILL if it does not go."""
    if process.poll() is not None:
        return
    os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout)


@dataclass
class Server:
    """A running server: where to connect and what it is."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    path: str = "/ws/"
    options: dict[str, object] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}{self.path}"

    def logs(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@contextmanager
def run_server(
    name: str,
    argv: Sequence[str],
    *,
    port: int,
    log: Path,
    env: Mapping[str, str] | None = None,
    path: str = "/ws/",
) -> Iterator[Server]:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1", **(env or {})}
    with log.open("wb") as output:
        process = subprocess.Popen(list(argv), cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, process)
        yield Server(name, port, process, log, path)
    finally:
        stop(process)


@contextmanager
def redis_server(tmp: Path) -> Iterator[int]:
    """A real redis-server on a free loopback port, with no persistence."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed: `apt-get install -y redis-server` (.ci/run does this)")
    port = free_port()
    argv = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp)]
    with run_server("redis", argv, port=port, log=tmp / "redis.log") as server:
        yield server.port


PYTHON = sys.executable
