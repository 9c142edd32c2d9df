"""``beeflow-websocket diff`` and ``check --against``: each change classified for deployed clients.

Every folder of ``diff_cases/`` is one rule: ``old.yaml``, ``new.yaml`` and ``expected.yaml`` (the
changes ``diff`` reports and its exit status). Actions flow client -> server (narrowing breaks),
events server -> client (widening breaks).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from beeflow_websocket_codegen.diff import diff_specs

from .helpers import REPO, cli, run_cli

CASES = Path(__file__).parent / "diff_cases"
CHAT = REPO / "examples" / "chat"


def _cases() -> list[str]:
    return sorted(path.name for path in CASES.iterdir() if (path / "expected.yaml").is_file())


@pytest.mark.parametrize("name", _cases())
def test_case(name: str) -> None:
    folder = CASES / name
    expected = yaml.safe_load((folder / "expected.yaml").read_text(encoding="utf-8"))
    report = diff_specs(folder / "old.yaml", folder / "new.yaml")
    found = sorted(
        [change.rule, change.severity, change.kind, change.name, change.pointer.rstrip("/")]
        for change in report.changes
    )
    assert found == sorted(expected["changes"])
    result = cli("diff", folder / "old.yaml", folder / "new.yaml")
    assert result.exit_code == expected["exit"], result.output


def test_every_rule_has_a_case() -> None:
    """The corpus covers each rule the classifier can report for a message, a reply or a problem."""
    rules = {
        change[0]
        for name in _cases()
        for change in yaml.safe_load((CASES / name / "expected.yaml").read_text(encoding="utf-8"))["changes"]
    }
    assert {
        "property-added",
        "property-removed",
        "required-removed",
        "type-narrowed",
        "type-widened",
        "type-changed",
        "constraint-tightened",
        "constraint-loosened",
        "constraint-changed",
        "enum-value-added",
        "enum-value-removed",
        "additional-properties-allowed",
        "additional-properties-refused",
        "keyword-changed",
        "required-added",
        "enum-added",
        "enum-removed",
        "anyof-branch-added",
        "action-added",
        "action-removed",
        "event-added",
        "event-removed",
        "wire-name-changed",
        "reply-added",
        "reply-removed",
        "problem-added-to-action",
        "problem-status-changed",
    } <= rules


def test_human_output_names_each_breaking_change_and_its_id() -> None:
    folder = CASES / "action-constraint-tightened"
    result = cli("diff", folder / "old.yaml", folder / "new.yaml")
    assert result.exit_code == 1
    assert "breaking: action ping /properties/text: constraint tightened: maxLength 100 -> 50" in result.output
    assert "id: constraint-tightened:action:ping:/properties/text" in result.output
    assert "1 change(s) may break deployed clients" in result.output


def test_json_output_for_machines() -> None:
    folder = CASES / "event-optional-property-added"
    result = run_cli("diff", folder / "old.yaml", folder / "new.yaml", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["ok"] is True
    assert data["counts"] == {"breaking": 0, "possibly-breaking": 0, "compatible": 1, "allowed": 0}
    (change,) = data["changes"]
    assert change["id"] == "property-added:event:pong:/properties/room"
    assert "extra='forbid'" in change["note"]  # says which old clients refuse unknown members


def test_allow_list_accepts_an_intended_break(tmp_path: Path) -> None:
    folder = CASES / "action-removed"
    allow = tmp_path / "allowed-breaks.txt"
    allow.write_text("# ask was never used\naction-removed:action:ask:\nnot-a-change:action:x:\n", encoding="utf-8")
    result = cli("diff", folder / "old.yaml", folder / "new.yaml", "--allow", allow)
    assert result.exit_code == 0, result.output
    assert "breaking (allowed): action ask" in result.output
    assert "the allow-list names 'not-a-change:action:x:', which is not among the changes" in result.output


def test_bad_new_spec_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    broken = tmp_path / "new.yaml"
    broken.write_text("asyncapi: 3.0.0\ninfo: {title: x, version: '1'}\n", encoding="utf-8")
    result = cli("diff", CASES / "action-added" / "old.yaml", broken)
    assert result.exit_code == 1
    assert "no operations" in result.output
    assert "Traceback" not in result.output


def test_a_shared_schema_change_reaches_every_message_that_uses_it(tmp_path: Path) -> None:
    """The chat example's RoomRef is the payload of chat.join and chat.leave: both are reported."""
    old, new = tmp_path / "old", tmp_path / "new"
    for target in (old, new):
        shutil.copytree(CHAT, target, ignore=shutil.ignore_patterns("chat_app", "web", "*.py"))
    spec = new / "asyncapi.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("{1,32}", "{1,16}"), encoding="utf-8")
    report = diff_specs(old / "asyncapi.yaml", spec)
    names = {(change.kind, change.name) for change in report.changes if change.severity == "possibly-breaking"}
    assert ("action", "chat.join") in names
    assert ("action", "chat.leave") in names
    assert ("event", "chat.joined") in names


# -- check --against GIT_REF ---------------------------------------------------------------------


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with two commits of the chat spec; the second narrows a referenced file's schema."""
    root = tmp_path / "repo"
    shutil.copytree(CHAT, root / "api", ignore=shutil.ignore_patterns("chat_app", "web", "*.py", "*.md"))
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "first")
    message = root / "api" / "schemas" / "message.json"
    data = json.loads(message.read_text(encoding="utf-8"))
    data["properties"]["text"]["maxLength"] = 5000  # events: a widened constraint breaks old clients
    message.write_text(json.dumps(data, indent=2), encoding="utf-8")
    _git(root, "commit", "-qam", "second")
    return root


def test_check_against_reads_referenced_files_at_the_ref(repo: Path) -> None:
    result = run_cli("check", "api/asyncapi.yaml", "--against", "HEAD~1", cwd=repo)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "breaking: event chat.message_posted /properties/text: constraint loosened: maxLength 2000 -> 5000" in (
        result.stdout
    )
    same = run_cli("check", "api/asyncapi.yaml", "--against", "HEAD", cwd=repo)
    assert same.returncode == 0, same.stdout + same.stderr
    assert "no changes to the protocol" in same.stdout


def test_check_against_json(repo: Path) -> None:
    """stdout holds the JSON report alone, also when check has generated files to compare (their report: stderr)."""
    result = run_cli(
        "check", "api/asyncapi.yaml", "--against", "HEAD~1", "--format", "json", "--python-out", "out", cwd=repo
    )
    assert "without an implementation" in result.stderr
    assert "differ from the schema" in result.stderr
    data = json.loads(result.stdout)
    assert data["old"] == "HEAD~1:api/asyncapi.yaml"
    assert [change["id"] for change in data["changes"] if change["severity"] == "breaking"] == [
        "constraint-loosened:event:chat.message_posted:/properties/text"
    ]


def test_check_against_a_ref_a_shallow_clone_lacks(repo: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    _git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(clone))
    result = run_cli("check", "api/asyncapi.yaml", "--against", "HEAD~1", cwd=clone)
    assert result.returncode == 1
    assert "--against HEAD~1: no such commit in this repository (this is a shallow clone" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_against_a_ref_before_the_spec_existed(repo: Path) -> None:
    (repo / "api" / "v2.yaml").write_text((repo / "api" / "asyncapi.yaml").read_text(encoding="utf-8"))
    result = run_cli("check", "api/v2.yaml", "--against", "HEAD", cwd=repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "does not exist at HEAD: nothing to compare" in result.stdout


def test_check_against_outside_git(tmp_path: Path) -> None:
    shutil.copy(CASES / "action-added" / "old.yaml", tmp_path / "asyncapi.yaml")
    result = run_cli("check", "asyncapi.yaml", "--against", "HEAD", cwd=tmp_path)
    assert result.returncode == 1
    assert "not inside a git repository" in result.stderr


def test_an_invalid_spec_at_the_ref_is_reported_at_ref_and_path(repo: Path) -> None:
    spec = repo / "api" / "asyncapi.yaml"
    good = spec.read_text(encoding="utf-8")
    spec.write_text(good.replace("action: send", "action: sned"), encoding="utf-8")
    _git(repo, "commit", "-qam", "broken")
    spec.write_text(good, encoding="utf-8")
    result = run_cli("check", "api/asyncapi.yaml", "--against", "HEAD", cwd=repo)
    assert result.returncode == 1
    assert result.stderr.startswith("error: HEAD:api/asyncapi.yaml:"), result.stderr
