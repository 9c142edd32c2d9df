"""The commands: init, validate, generate, check, --version; configuration; the regenerate workflow."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from beeflow_websocket_codegen import __version__

from .helpers import BASE, REPO, cli, run_cli, tree, write_spec

IMPLEMENTED = """
    async def execute(self, payload: models.ChatSendPayload, context: ActionContext) -> AsyncIterator[ChatSendReply]:
        posted = models.ChatPostedPayload(text=payload.text)
        yield events.ChatPosted(recipient="websocket", recipient_id=context.websocket_id, payload=posted)
"""


def _implement(handler: Path) -> None:
    """Replace the stub's execute with a real one, as a user would."""
    text = handler.read_text(encoding="utf-8")
    start = text.index("    async def execute")
    text = text[:start] + IMPLEMENTED.lstrip("\n")
    text = text.replace("from ._generated import models", "from ._generated import events, models")
    text = text.replace("import ActionContext, ActionNotImplemented\n", "import ActionContext\n")
    handler.write_text(text, encoding="utf-8")


def test_version() -> None:
    result = cli("--version")
    assert result.exit_code == 0
    assert result.output.strip() == f"beeflow-websocket-codegen {__version__}"


def test_the_console_script_prints_the_version_without_loading_the_cli() -> None:
    result = run_cli("--version")
    assert (result.returncode, result.stdout.strip()) == (0, f"beeflow-websocket-codegen {__version__}")
    probe = (
        "import sys; from beeflow_websocket_codegen.launcher import main; main(['--version']); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('typer', 'rich', 'jsonschema')))"
    )
    shown = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    assert shown.stdout.splitlines()[-1] == "[]"


def test_no_arguments_prints_help() -> None:
    result = cli()
    assert "generate" in result.output
    assert "check" in result.output


def test_init_then_generate_and_check_from_the_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli("init", tmp_path).exit_code == 0
    assert (tmp_path / "schema" / "asyncapi.yaml").is_file()
    assert '[tool.beeflow-websocket]\nspec = "schema/asyncapi.yaml"' in (tmp_path / "pyproject.toml").read_text()
    monkeypatch.chdir(tmp_path)
    assert cli("validate", "schema/asyncapi.yaml").exit_code == 0
    result = cli("generate")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "websocket_api" / "_generated" / "actions.py").is_file()
    assert (tmp_path / "websocket_api" / "greet.py").is_file()
    check = cli("check")
    assert check.exit_code == 1
    assert "greet: " in check.output
    assert "still raises ActionNotImplemented" in check.output
    # init again keeps what exists
    again = cli("init", ".")
    assert "kept" in again.output


def test_init_adds_the_table_to_an_existing_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    assert cli("init", tmp_path).exit_code == 0
    text = (tmp_path / "pyproject.toml").read_text()
    assert text.startswith('[project]\nname = "x"\n\n[tool.beeflow-websocket]')


def test_generate_without_spec_or_configuration_says_what_to_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli("generate")
    assert result.exit_code == 1
    assert "no spec given" in result.output


def test_unknown_configuration_keys_are_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.beeflow-websocket]\nspecs = "a.yaml"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = cli("generate")
    assert result.exit_code == 1
    assert "unknown key 'specs'" in result.output
    assert "did you mean 'spec'?" in result.output


def test_the_regenerate_workflow_keeps_user_code(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, BASE)
    out = tmp_path / "app"
    assert cli("generate", spec, "--python-out", out).exit_code == 0
    handler = out / "chat_send.py"
    _implement(handler)
    edited = handler.read_text()
    check = cli("check", spec, "--python-out", out)
    assert check.exit_code == 0, check.output
    assert "every action implemented" in check.output

    # The schema gains an action: its stub appears, the edited handler stays as it is.
    grown = (
        BASE.replace(
            "      posted:\n",
            "      ping:\n        $ref: '#/components/messages/Ping'\n      posted:\n",
        )
        .replace(
            "  sendPosted:\n",
            "  receivePing:\n    action: receive\n    channel:\n      $ref: '#/channels/ws'\n    messages:\n"
            "      - $ref: '#/channels/ws/messages/ping'\n  sendPosted:\n",
        )
        .replace(
            "  messages:\n    Send:\n",
            "  messages:\n    Ping:\n      name: ping\n      payload:\n        type: object\n    Send:\n",
        )
    )
    spec.write_text(grown)
    drift = cli("check", spec, "--python-out", out)
    assert drift.exit_code == 1
    assert "(generated)" in drift.output
    assert "differ from the schema" in drift.output
    result = cli("generate", spec, "--python-out", out)
    assert result.exit_code == 0, result.output
    assert "created" in result.output
    assert (out / "ping.py").is_file()
    assert handler.read_text() == edited
    check = cli("check", spec, "--python-out", out)
    assert check.exit_code == 1
    assert "ping: " in check.output
    assert "chat.send" not in check.output

    # The action disappears again: its handler is reported, not deleted.
    spec.write_text(BASE)
    result = cli("generate", spec, "--python-out", out)
    assert result.exit_code == 0
    assert "ping.py handles an action that is no longer in the schema" in result.output
    assert (out / "ping.py").is_file()


def test_check_writes_nothing(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, BASE)
    out = tmp_path / "app"
    result = cli("check", spec, "--python-out", out)
    assert result.exit_code == 1
    assert "missing:" in result.output
    assert not out.exists()


def test_check_shows_a_diff_for_hand_edited_generated_files(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, BASE)
    out = tmp_path / "app"
    cli("generate", spec, "--python-out", out)
    events = out / "_generated" / "events.py"
    events.write_text(events.read_text() + "# hand edit\n")
    before = tree(out)
    result = cli("check", spec, "--python-out", out)
    assert result.exit_code == 1
    assert "-# hand edit" in result.output
    assert tree(out) == before
    # generate repairs it even though the manifest says nothing changed
    cli("generate", spec, "--python-out", out)
    assert "# hand edit" not in events.read_text()


def test_generate_refuses_to_overwrite_a_file_it_did_not_write(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, BASE)
    out = tmp_path / "app"
    out.mkdir()
    (out / "__init__.py").write_text("MY_CODE = 1\n")
    result = cli("generate", spec, "--python-out", out)
    assert result.exit_code == 1
    assert "was not generated by beeflow-websocket-codegen" in result.output
    assert (out / "__init__.py").read_text() == "MY_CODE = 1\n"


def test_a_deleted_handler_module_is_recreated_and_reported_by_check(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, BASE)
    out = tmp_path / "app"
    cli("generate", spec, "--python-out", out)
    (out / "chat_send.py").unlink()
    check = cli("check", spec, "--python-out", out)
    assert "chat_send.py is missing" in check.output
    cli("generate", spec, "--python-out", out)
    assert (out / "chat_send.py").is_file()


def test_the_console_script_runs_from_the_repository_root(tmp_path: Path) -> None:
    spec = shutil.copy(REPO / "examples" / "chat" / "asyncapi.yaml", tmp_path / "asyncapi.yaml")
    shutil.copytree(REPO / "examples" / "chat" / "schemas", tmp_path / "schemas")
    result = run_cli("generate", spec, "--python-out", tmp_path / "chat_ws", cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert "4 action(s), 4 event(s)" in result.stdout
    bad = run_cli("validate", REPO / "pyproject.toml", cwd=REPO)
    assert bad.returncode == 1
    assert "Traceback" not in bad.stdout + bad.stderr


# --help of every command: the texts as written (no rich markup eats "[tool.beeflow-websocket]") and no value
# type shown for flags, which take none.


def _commands() -> list[tuple[str, ...]]:
    import typer.main
    from beeflow_websocket_codegen.cli import app

    group = typer.main.get_command(app)
    return [(), *((name,) for name in group.commands)]  # type: ignore[attr-defined]


COMMANDS = _commands()


def _help_texts(path: tuple[str, ...]) -> list[str]:
    """The help of the command at ``path`` and of each of its parameters, as the source states them."""
    import typer.main
    from beeflow_websocket_codegen.cli import app

    command = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    texts = [command.help or ""]
    texts += [param.help for param in command.params if getattr(param, "help", None)]  # type: ignore[misc]
    # the source writes plain text; a rich escape (a backslash before "[") is not part of it
    return [" ".join(text.replace("\\[", "[").split()) for text in texts]


def _rendered_help(path: tuple[str, ...]) -> str:
    from beeflow_websocket_codegen.cli import app
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "100", "TERMINAL_WIDTH": "100"})
    assert result.exit_code == 0, result.output
    # drop the panel borders, then join the wrapped lines
    lines = [line.strip().strip("│").strip() for line in result.output.splitlines()]
    return " ".join(" ".join(lines).split())


@pytest.mark.parametrize("path", COMMANDS, ids=lambda path: " ".join(path) or "root")
def test_help_shows_every_word(path: tuple[str, ...]) -> None:
    rendered = _rendered_help(path)
    texts = _help_texts(path)
    assert len(texts) > 1
    assert set(COMMANDS) >= {(), ("init",), ("validate",), ("generate",), ("check",)}
    for text in texts:
        assert text in rendered
    assert "<bool>" not in rendered


def test_help_keeps_the_configuration_table_name() -> None:
    assert "a problem) and [tool.beeflow-websocket]." in _rendered_help(("init",))
    assert "init Scaffold schema/asyncapi.yaml (an action, its reply event, a problem) and" in _rendered_help(())
    assert "pyproject.toml holding [tool.beeflow-websocket] (default:" in _rendered_help(("generate",))
    flags = _rendered_help(("generate",))
    assert "--force Regenerate even when nothing changed." in flags
    assert "--help Show this message and exit." in flags
