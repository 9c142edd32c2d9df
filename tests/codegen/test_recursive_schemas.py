"""Recursive schemas that are not objects: the models type them and validate them to any depth.

A self-recursive array (``Nested: {type: array, items: {$ref: Nested}}``) or mapping has no class of
its own; its members are typed ``list[Any]`` / ``dict[str, Any]`` (``mypy --strict`` refuses a bare
``list``), and a check of the schema validates the nesting as deep as it goes.
"""

from __future__ import annotations

import json
from pathlib import Path

from .helpers import cli, mypy_strict, run_python, write_spec

SPEC = """
asyncapi: 3.0.0
info: {title: Trees, version: 1.0.0}
channels:
  ws:
    address: /ws/
    messages:
      plant: {$ref: '#/components/messages/Plant'}
operations:
  receivePlant:
    action: receive
    channel: {$ref: '#/channels/ws'}
    messages: [{$ref: '#/channels/ws/messages/plant'}]
components:
  schemas:
    Nested:
      type: array
      items: {$ref: '#/components/schemas/Nested'}
    Forest:
      type: array
      items:
        anyOf:
          - {type: string}
          - {$ref: '#/components/schemas/Forest'}
    Tags:
      type: object
      additionalProperties: {$ref: '#/components/schemas/Tags'}
  messages:
    Plant:
      name: tree.plant
      payload:
        type: object
        required: [tree]
        properties:
          tree: {$ref: '#/components/schemas/Nested'}
          forest: {$ref: '#/components/schemas/Forest'}
          groves: {type: array, items: {$ref: '#/components/schemas/Nested'}}
          tags: {$ref: '#/components/schemas/Tags'}
"""


def _generate(tmp_path: Path) -> Path:
    spec = write_spec(tmp_path, SPEC)
    result = cli("generate", spec, "--python-out", tmp_path / "trees_api")
    assert result.exit_code == 0, result.output
    return tmp_path / "trees_api"


def test_a_self_recursive_array_passes_mypy_strict(tmp_path: Path) -> None:
    package = _generate(tmp_path)
    result = mypy_strict(package)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_self_recursive_array_is_validated_to_any_depth(tmp_path: Path) -> None:
    _generate(tmp_path)
    cases = [
        ({"tree": []}, True),
        ({"tree": [[], [[[]]]]}, True),
        ({"tree": [[[[1]]]]}, False),  # a number four levels down
        ({"tree": ["x"]}, False),
        ({"tree": [], "forest": ["a", ["b", ["c"]]]}, True),
        ({"tree": [], "forest": ["a", ["b", [1]]]}, False),
        ({"tree": [], "groves": [[[]], []]}, True),
        ({"tree": [], "groves": [[[{}]]]}, False),
        ({"tree": [], "tags": {"a": {"b": {}}}}, True),
        ({"tree": [], "tags": {"a": {"b": 1}}}, False),
    ]
    result = run_python(
        f"""
        import json
        from pydantic import ValidationError
        from trees_api._generated import models

        for payload, accepted in json.loads({json.dumps(json.dumps(cases))}):
            try:
                value = models.TreePlantPayload.model_validate_json(json.dumps(payload))
            except ValidationError:
                got = False
            else:
                got = True
                assert value.model_dump(mode="json", exclude_unset=True) == payload, value
            print(json.dumps(payload), got == accepted)
        """,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    wrong = [line for line in result.stdout.splitlines() if not line.endswith("True")]
    assert wrong == []
