"""``beeflow-websocket init``: a first schema and the configuration table."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import TABLE
from .errors import Diagnostic, SpecError

__all__ = ["SAMPLE_SCHEMA", "InitReport", "init_project"]

SPEC_PATH = "schema/asyncapi.yaml"
#: The generated package inside the project's own package: ``<package>/ws``, which the adapters'
#: autodiscovery imports (Django: of an installed app; FastAPI and Flask: of the calling module's
#: package). A project without a package gets a top-level ``websocket_api`` to import itself.
PACKAGE = "ws"
TOP_LEVEL_PACKAGE = "websocket_api"

SAMPLE_SCHEMA = """\
# The WebSocket protocol of this application, in AsyncAPI 3.0, from the server's point of view:
# messages of `receive` operations are actions (client -> server), messages of `send` operations
# are events (server -> client), and a `reply` names the events that answer an action.
# Generate the Python package with `beeflow-websocket generate`.
asyncapi: 3.0.0
info:
  title: My application
  version: 0.1.0
  description: Actions the browser sends and events the server pushes.
defaultContentType: application/json
channels:
  websocket:
    address: /ws/
    messages:
      greet:
        $ref: '#/components/messages/Greet'
      greeted:
        $ref: '#/components/messages/Greeted'
operations:
  receiveGreet:
    action: receive
    summary: Ask the server to greet someone.
    channel:
      $ref: '#/channels/websocket'
    messages:
      - $ref: '#/channels/websocket/messages/greet'
    reply:
      channel:
        $ref: '#/channels/websocket'
      messages:
        - $ref: '#/channels/websocket/messages/greeted'
    x-problems:
      - $ref: '#/components/x-problems/NameTaken'
  sendGreeted:
    action: send
    summary: A greeting, sent to the connection that asked.
    channel:
      $ref: '#/channels/websocket'
    messages:
      - $ref: '#/channels/websocket/messages/greeted'
components:
  messages:
    Greet:
      name: greet
      summary: Ask for a greeting.
      payload:
        type: object
        additionalProperties: false
        required: [name]
        properties:
          name:
            type: string
            minLength: 1
            maxLength: 50
    Greeted:
      name: greeted
      summary: The greeting.
      payload:
        $ref: '#/components/schemas/Greeting'
  schemas:
    Greeting:
      type: object
      additionalProperties: false
      required: [text]
      properties:
        text:
          type: string
  x-problems:
    NameTaken:
      status: 409
      code: name_taken
      title: Name taken
      description: Somebody already uses this name.
"""


@dataclass
class InitReport:
    created: list[Path] = field(default_factory=list)
    updated: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)
    #: ``python-out`` as written (POSIX, relative to the project); ``None`` when the table was kept
    python_out: str | None = None


def _import_name(project_name: str) -> str:
    """The module name of a distribution name (PEP 503 normalisation, then ``-`` to ``_``)."""
    return re.sub(r"[-_.]+", "_", project_name).lower()


def _is_package(folder: Path) -> bool:
    return (folder / "__init__.py").is_file()


def _project_package(directory: Path, project: dict[str, Any]) -> str | None:
    """The project's own import package, relative to ``directory``: ``src/name``, ``name`` or ``None``.

    The package named after ``[project] name`` wins (src layout first, as ``uv init`` makes it,
    then flat); failing that, the only package under ``src/``. A project without one (a script
    project such as ``uv init --app --no-package``) keeps the generated package at its root.
    """
    name = project.get("name")
    if isinstance(name, str) and name:
        module = _import_name(name)
        for candidate in (f"src/{module}", module):
            if _is_package(directory / candidate):
                return candidate
    src = directory / "src"
    if src.is_dir():
        packages = sorted(child.name for child in src.iterdir() if child.is_dir() and _is_package(child))
        if len(packages) == 1:
            return f"src/{packages[0]}"
    return None


def _python_out_for(directory: Path, data: dict[str, Any]) -> str:
    """Where ``init`` puts the generated package: inside the project's package when there is one."""
    project = data.get("project")
    package = _project_package(directory, project if isinstance(project, dict) else {})
    return f"{package}/{PACKAGE}" if package else TOP_LEVEL_PACKAGE


def _table(spec: str, python_out: str) -> str:
    return (
        f'[tool.{TABLE}]\nspec = "{spec}"\npython-out = "{python_out}"\n# line-length = 88  # of the generated code\n'
    )


def init_project(directory: Path) -> InitReport:
    """Create ``schema/asyncapi.yaml`` and the ``[tool.beeflow-websocket]`` table; keep what exists."""
    report = InitReport()
    if directory.exists() and not directory.is_dir():
        raise SpecError(Diagnostic("expected a folder", directory))
    directory.mkdir(parents=True, exist_ok=True)
    spec = directory / SPEC_PATH
    if spec.exists():
        report.kept.append(spec)
    else:
        spec.parent.mkdir(parents=True, exist_ok=True)
        spec.write_text(SAMPLE_SCHEMA, encoding="utf-8", newline="\n")
        report.created.append(spec)
    pyproject = directory / "pyproject.toml"
    if pyproject.exists():
        try:
            text = pyproject.read_text(encoding="utf-8")
            data = tomllib.loads(text)
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise SpecError(
                Diagnostic(f"cannot read pyproject.toml to add [tool.{TABLE}]: {error}", pyproject)
            ) from None
        if isinstance(data.get("tool"), dict) and TABLE in data["tool"]:
            report.kept.append(pyproject)
        else:
            report.python_out = _python_out_for(directory, data)
            separator = "" if text.endswith("\n\n") or not text else ("\n" if text.endswith("\n") else "\n\n")
            table = _table(SPEC_PATH, report.python_out)
            pyproject.write_text(text + separator + table, encoding="utf-8", newline="\n")
            report.updated.append(pyproject)
    else:
        report.python_out = _python_out_for(directory, {})
        pyproject.write_text(_table(SPEC_PATH, report.python_out), encoding="utf-8", newline="\n")
        report.created.append(pyproject)
    return report
