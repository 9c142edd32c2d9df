"""Shared helpers of the generator tests: run the CLI in-process or in a fresh interpreter."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

from beeflow_websocket_codegen.cli import app
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden"
EXAMPLES = Path(__file__).parent / "asyncapi_examples"

#: A small valid document; error tests break one thing in it at a time.
BASE = """\
asyncapi: 3.0.0
info:
  title: Base
  version: 1.0.0
channels:
  ws:
    address: /ws/
    messages:
      send:
        $ref: '#/components/messages/Send'
      posted:
        $ref: '#/components/messages/Posted'
operations:
  receiveSend:
    action: receive
    channel:
      $ref: '#/channels/ws'
    messages:
      - $ref: '#/channels/ws/messages/send'
    reply:
      channel:
        $ref: '#/channels/ws'
      messages:
        - $ref: '#/channels/ws/messages/posted'
  sendPosted:
    action: send
    channel:
      $ref: '#/channels/ws'
    messages:
      - $ref: '#/channels/ws/messages/posted'
components:
  messages:
    Send:
      name: chat.send
      payload:
        type: object
        additionalProperties: false
        required: [text]
        properties:
          text:
            type: string
            minLength: 1
            maxLength: 10
          count:
            type: integer
            minimum: 1
    Posted:
      name: chat.posted
      payload:
        type: object
        required: [text]
        properties:
          text:
            type: string
"""


@dataclass
class Outcome:
    exit_code: int
    output: str


def cli(*args: str | Path) -> Outcome:
    """Run ``beeflow-websocket ARGS`` in this process (stdout and stderr together)."""
    result = CliRunner().invoke(app, [str(arg) for arg in args], catch_exceptions=False)
    return Outcome(result.exit_code, result.output)


def run_cli(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed console script in a fresh process."""
    command = [str(Path(sys.executable).with_name("beeflow-websocket")), *map(str, args)]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False, timeout=300)


def run_python(code: str, *, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter whose path starts at ``cwd``."""
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def mypy_strict(*packages: Path) -> subprocess.CompletedProcess[str]:
    """``mypy --strict`` over generated packages (each checked from its parent folder)."""
    paths = [str(package) for package in packages]
    env = {**os.environ, "MYPYPATH": os.pathsep.join(sorted({str(package.parent) for package in packages}))}
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--explicit-package-bases", *paths],
        cwd=packages[0].parent,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def write_spec(directory: Path, text: str, name: str = "asyncapi.yaml") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def tree(root: Path) -> dict[str, str]:
    """Every file under ``root`` by POSIX path (caches left out)."""
    return {
        path.relative_to(root).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts and ".mypy_cache" not in path.parts
    }
