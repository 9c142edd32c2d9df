"""What the CLI does without rich and typer's pydantic conversions is what they would do.

Plain lines are written without rich, and option values converted without pydantic (both load
slowly): a line prints as rich prints it, and a value converts to what typer's own conversion
makes of it, or is refused with typer's message.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import typer.main
from beeflow_websocket_codegen.cli import ReportFormat, app
from beeflow_websocket_codegen.cli_values import convert_without_pydantic
from beeflow_websocket_codegen.output import Output
from rich.console import Console
from typer._click import Context
from typer._coercion import build_runtime_param

LINES = [
    "chat_app/ws: up to date (0.02s)",
    "asyncapi.yaml: valid AsyncAPI 3.0.0 document: 4 action(s), 4 event(s)",
    "  indented and trailing  ",
    "",
    "x" * 300,
    "wide 漢字 and accents é ñ",
    "[tool.beeflow-websocket] [bold]not markup[/]",
    "an emoji code :smile: and a:b:c",
    "a tab\there",
    "a bell \x07 and a carriage return \r in it",
    "a zero-width space \u200b",
    "C:\\folder:1:2 #/pointer: message",
]


@pytest.mark.parametrize("stderr", [False, True])
def test_a_plain_line_prints_as_rich_prints_it(stderr: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    for line in LINES:
        ours, theirs = io.StringIO(), io.StringIO()
        monkeypatch.setattr("sys.stderr" if stderr else "sys.stdout", ours)
        Output(stderr=stderr).print(line, markup=False)
        monkeypatch.setattr("sys.stderr" if stderr else "sys.stdout", theirs)
        Console(stderr=stderr, highlight=False, soft_wrap=True).print(line, markup=False)
        assert ours.getvalue() == theirs.getvalue(), line


#: (command, parameter, raw value): good values, odd ones typer still accepts, and refused ones.
VALUES: list[tuple[str, str, Any]] = [
    *[("generate", "line_length", raw) for raw in ("120", "0120", "+120", "1_20", " 120", "abc", "1.5", "١٢٠", 88)],
    *[("generate", "spec", raw) for raw in ("asyncapi.yaml", "./asyncapi.yaml", "a//b.yaml", "folder", "", "a\0b")],
    ("generate", "spec", Path("asyncapi.yaml")),
    *[("generate", "ts_runtime", raw) for raw in ("@beeflow/websocket-client", "")],
    *[("generate", "force", raw) for raw in (True, False, "true")],
    *[("check", "config", raw) for raw in ("pyproject.toml", "folder", "folder/", "missing.toml")],
    *[("check", "output_format", raw) for raw in ("json", "JSON", "xml", ReportFormat.human)],
    ("mock", "problem", ("join=not_found", "send=x")),
    *[("mock", "port", raw) for raw in ("8000", "-1", 8000)],
    ("init", "directory", Path(".")),
]


def _convert(runtime: Any, value: Any, param: Any, ctx: Context) -> tuple[str, Any]:
    try:
        return "value", runtime.coerce(value, param=param, ctx=ctx)
    except Exception as error:
        return type(error).__name__, str(error)


@pytest.mark.parametrize(("command", "name", "raw"), VALUES)
def test_a_value_converts_as_typer_converts_it(
    command: str, name: str, raw: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder").mkdir()
    (tmp_path / "asyncapi.yaml").write_text("asyncapi: 3.0.0\n")
    (tmp_path / "pyproject.toml").write_text("[tool.beeflow-websocket]\n")
    group = typer.main.get_command(app)
    assert isinstance(group, typer.core.TyperGroup)
    cli_command = group.commands[command]
    (param,) = [param for param in cli_command.params if param.name == name]
    ctx = Context(cli_command)
    plain = param.get_runtime_param()  # type: ignore[attr-defined]
    assert type(plain).__module__ == convert_without_pydantic.__module__  # the command installed it
    ours = _convert(plain, raw, param, ctx)
    theirs = _convert(build_runtime_param(param.type_descriptor), raw, param, ctx)  # type: ignore[attr-defined]
    assert ours == theirs
    assert type(ours[1]) is type(theirs[1])
