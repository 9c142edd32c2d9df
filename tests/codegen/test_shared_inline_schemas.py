"""Identical inline object schemas in several payloads (the same ``options`` object twice)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from .helpers import cli, run_python, write_spec

SPEC = """
asyncapi: 3.0.0
info: {title: T, version: 1.0.0}
channels:
  ws:
    address: /ws/
    messages:
      a: {$ref: '#/components/messages/A'}
      b: {$ref: '#/components/messages/B'}
operations:
  ra: {action: receive, channel: {$ref: '#/channels/ws'}, messages: [{$ref: '#/channels/ws/messages/a'}]}
  rb: {action: receive, channel: {$ref: '#/channels/ws'}, messages: [{$ref: '#/channels/ws/messages/b'}]}
components:
  messages:
    A: {name: a, payload: {type: object, properties: {options: OPTIONS_A}}}
    B: {name: b, payload: {type: object, properties: {options: OPTIONS_B}}}
"""
SAME = "{type: object, properties: {tags: {type: array, items: {type: string}, uniqueItems: true}}}"
LOOSER = "{type: object, properties: {tags: {type: array, items: {type: string}}}}"


def test_identical_inline_objects_share_one_class_and_both_are_checked(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, SPEC.replace("OPTIONS_A", SAME).replace("OPTIONS_B", SAME))
    outcome = cli("generate", spec, "--python-out", tmp_path / "api")
    assert outcome.exit_code == 0, outcome.output
    code = textwrap.dedent(
        """
        import asyncio, api
        from beeflow_websocket.testing import AsyncWebSocketTestClient

        async def main():
            async with AsyncWebSocketTestClient() as client:
                for action in ("a", "b"):
                    reply = await client.request(action, {"options": {"tags": ["x", "x"]}})
                    print(action, reply.problem["status"])

        asyncio.run(main())
        """
    )
    result = run_python(code, cwd=tmp_path)
    assert result.stdout.split() == ["a", "422", "b", "422"], result.stderr


def test_inline_objects_that_differ_only_in_checked_keywords_get_classes_of_their_own(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, SPEC.replace("OPTIONS_A", SAME).replace("OPTIONS_B", LOOSER))
    outcome = cli("generate", spec, "--python-out", tmp_path / "api")
    assert outcome.exit_code == 0, outcome.output
    code = textwrap.dedent(
        """
        import asyncio, api
        from beeflow_websocket.testing import AsyncWebSocketTestClient

        async def main():
            async with AsyncWebSocketTestClient() as client:
                for action in ("a", "b"):
                    reply = await client.request(action, {"options": {"tags": ["x", "x"]}})
                    print(action, reply.problem["status"])

        asyncio.run(main())
        """
    )
    result = run_python(code, cwd=tmp_path)
    # a's options refuse repeated tags; b's, a class of their own, take them (501: not implemented).
    assert result.stdout.split() == ["a", "422", "b", "501"], result.stderr
