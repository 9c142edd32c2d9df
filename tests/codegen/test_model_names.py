"""Class and field names of the payload models: stable, and never in the way of the module's imports."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from .helpers import cli, mypy_strict, run_python, write_spec

SPEC = """
asyncapi: 3.0.0
info: {title: Names, version: 1.0.0}
channels:
  ws:
    address: /ws/
    messages:
      post: {$ref: '#/components/messages/Post'}
operations:
  receivePost:
    action: receive
    channel: {$ref: '#/channels/ws'}
    messages: [{$ref: '#/channels/ws/messages/post'}]
components:
  schemas:
    Depth: {type: integer, enum: [1, 10], default: 10}
  messages:
    Post:
      name: post
      payload:
        type: object
        additionalProperties: false
        required: [field]
        properties:
          field:
            type: object
            additionalProperties: false
            required: [title]
            properties: {title: {type: string, minLength: 1}}
          a:
            type: object
            properties:
              a: {type: object, properties: {x: {type: string}}}
              k: {type: string, enum: [one]}
          b:
            type: object
            properties:
              a: {type: object, properties: {x: {type: string}}}
              k: {type: string, enum: [one]}
          k: {type: string, enum: [two]}
          depth: {$ref: '#/components/schemas/Depth'}
          pairs: {type: array, items: {type: string, pattern: '^[A-Z]+/[A-Z]+$'}}
"""


def _generate(tmp_path: Path) -> str:
    spec = write_spec(tmp_path, SPEC)
    result = cli("generate", spec, "--python-out", tmp_path / "api")
    assert result.exit_code == 0, result.output
    return (tmp_path / "api" / "_generated" / "models.py").read_text(encoding="utf-8")


def test_inline_classes_are_named_after_their_members_in_a_stable_order(tmp_path: Path) -> None:
    models = _generate(tmp_path)
    # A member called ``field`` cannot shadow pydantic's Field: its class is numbered.
    assert re.findall(r"^class (\w+)\(", models, re.MULTILINE) == [
        "Field1",
        "A1",
        "K",
        "A",
        "A2",
        "B",
        "K2",
        "Pair",
        "PostPayload",
    ]
    # An inline schema identical to the last class of its name shares it (b.k: K, K1 is skipped);
    # b.a differs from A, the last "A" made (a itself), so it is a class of its own.
    assert re.search(r"class B\(BaseModel\):.*?a: Annotated\[A2 \| None.*?k: Annotated\[K \| None", models, re.DOTALL)
    assert "k: Annotated[K2 | None, NOT_NULL] = None" in models


def test_the_models_validate_and_pass_mypy_strict(tmp_path: Path) -> None:
    _generate(tmp_path)
    checked = mypy_strict(tmp_path / "api")
    assert checked.returncode == 0, checked.stdout
    code = textwrap.dedent(
        """
        import api
        from api._generated import models

        payload = models.PostPayload.model_validate_json('{"field": {"title": "t"}, "pairs": ["AB/CD"]}')
        print(type(payload.field).__name__, payload.depth, payload.pairs[0].root)
        for broken in ('{"field": {"title": ""}}', '{"field": {}}', '{"field": {"title": "t"}, "pairs": ["ab"]}'):
            try:
                models.PostPayload.model_validate_json(broken)
            except ValueError:
                print("refused")
        """
    )
    result = run_python(code, cwd=tmp_path)
    assert result.stdout.split() == ["Field1", "10", "AB/CD", "refused", "refused", "refused"], result.stderr
