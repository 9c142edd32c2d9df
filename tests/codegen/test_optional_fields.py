"""Optional members: absent stays absent on the wire in both directions; nullable ones keep ``null``.

An optional member whose schema refuses ``null`` is typed ``X | None = None`` in Python: ``None``
means absent. ``null`` on the wire is refused (422), and an event whose payload leaves the member
unset (or sets it to ``None``) sends no such member. A nullable member keeps ``null``.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from .helpers import cli, mypy_strict, run_python, write_spec

SPEC = """
asyncapi: 3.0.0
info: {title: Tasks, version: 1.0.0}
channels:
  ws:
    address: /ws/
    messages:
      create: {$ref: '#/components/messages/Create'}
      created: {$ref: '#/components/messages/Created'}
operations:
  receiveCreate:
    action: receive
    channel: {$ref: '#/channels/ws'}
    messages: [{$ref: '#/channels/ws/messages/create'}]
    reply:
      channel: {$ref: '#/channels/ws'}
      messages: [{$ref: '#/channels/ws/messages/created'}]
  sendCreated:
    action: send
    channel: {$ref: '#/channels/ws'}
    messages: [{$ref: '#/channels/ws/messages/created'}]
components:
  schemas:
    Task:
      type: object
      additionalProperties: false
      required: [title]
      properties:
        title: {type: string}
        due: {type: string}
        tags: {type: array, items: {type: string}, uniqueItems: true}
        note: {type: [string, 'null']}
        reminder: {$ref: '#/components/schemas/Reminder'}
    Reminder:
      # an object-level keyword: the model checks itself as a whole
      type: object
      minProperties: 1
      properties:
        at: {type: string}
        text: {type: string}
  messages:
    Create: {name: task.create, payload: {$ref: '#/components/schemas/Task'}}
    Created: {name: task.created, payload: {$ref: '#/components/schemas/Task'}}
"""

HANDLER = """
from collections.abc import AsyncIterator

from beeflow_websocket.core.action_registry import ActionContext

from ._generated import events, models
from ._generated.actions import TaskCreateBase, TaskCreateReply


class TaskCreate(TaskCreateBase):
    async def execute(self, payload: models.Task, context: ActionContext) -> AsyncIterator[TaskCreateReply]:
        yield events.TaskCreated(recipient="websocket", recipient_id=context.websocket_id, payload=payload)
        # Built in Python without the optional members, and with them set to None explicitly.
        yield events.TaskCreated(
            recipient="websocket", recipient_id=context.websocket_id, payload=models.Task(title=payload.title)
        )
        yield events.TaskCreated(
            recipient="websocket",
            recipient_id=context.websocket_id,
            payload=models.Task(title=payload.title, due=None, tags=None, note=None),
        )
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("optional")
    spec = write_spec(root, SPEC)
    outcome = cli("generate", spec, "--python-out", root / "tasks_api")
    assert outcome.exit_code == 0, outcome.output
    (root / "tasks_api" / "task_create.py").write_text(HANDLER, encoding="utf-8")
    return root


def _frames(project: Path, payloads: list[dict[str, object]]) -> list[list[dict[str, object]]]:
    code = textwrap.dedent(
        f"""
        import asyncio, json, tasks_api
        from beeflow_websocket.testing import AsyncWebSocketTestClient

        async def main():
            async with AsyncWebSocketTestClient() as client:
                for payload in {payloads!r}:
                    reply = await client.request("task.create", payload)
                    print(json.dumps(reply.frames))

        asyncio.run(main())
        """
    )
    result = run_python(code, cwd=project)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_an_absent_optional_member_stays_absent_in_every_event(project: Path) -> None:
    [frames] = _frames(project, [{"title": "a"}])
    payloads = [frame["payload"] for frame in frames if "event" in frame]
    # Absent: no "due" and no "tags"; the nullable "note" keeps null (absent and null are one in Python).
    assert payloads == [{"title": "a", "note": None}] * 3


def test_set_optional_members_travel(project: Path) -> None:
    [frames] = _frames(project, [{"title": "a", "due": "friday", "tags": ["x"], "note": "n"}])
    assert frames[0]["payload"] == {"title": "a", "due": "friday", "tags": ["x"], "note": "n"}


def test_null_for_a_member_that_refuses_null_is_a_422_and_nullable_accepts_it(project: Path) -> None:
    due, tags, text, note = _frames(
        project,
        [
            {"title": "a", "due": None},
            {"title": "a", "tags": None},
            {"title": "a", "reminder": {"at": "9:00", "text": None}},
            {"title": "a", "note": None},
        ],
    )
    for frames, member in ((due, "/payload/due"), (tags, "/payload/tags"), (text, "/payload/reminder/text")):
        problem = frames[0]
        assert problem["status"] == 422, problem
        assert [error["pointer"] for error in problem["errors"]] == [member]
    assert note[0]["payload"] == {"title": "a", "note": None}


def test_python_construction_without_the_member_or_with_none_type_checks_and_runs(project: Path) -> None:
    usage = project / "usage_optional.py"
    usage.write_text(
        textwrap.dedent(
            """
            from tasks_api import models

            omitted = models.Task(title="a")
            explicit = models.Task(title="a", due=None, tags=None)
            due: str | None = explicit.due
            print(omitted.model_dump_json(), explicit.model_dump_json(), due)
            print(models.Reminder(at="9:00", text=None).model_dump_json())
            """
        ),
        encoding="utf-8",
    )
    checked = mypy_strict(project / "tasks_api", usage)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    result = run_python(usage.read_text(encoding="utf-8"), cwd=project)
    assert result.stdout.split() == [
        '{"title":"a","note":null}',
        '{"title":"a","note":null}',
        "None",
        '{"at":"9:00"}',
    ], result.stderr


def test_typescript_marks_optional_members_and_only_nullable_ones_accept_null(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, SPEC)
    outcome = cli("generate", spec, "--ts-out", tmp_path / "web")
    assert outcome.exit_code == 0, outcome.output
    source = "\n".join(path.read_text(encoding="utf-8") for path in sorted((tmp_path / "web").glob("*.ts")))
    assert "due?: string;" in source
    assert "tags?: string[];" in source
    assert "note?: string | null;" in source
