"""End to end: generate, import in a fresh interpreter, dispatch through ``beeflow_websocket.testing``,
and type-check the generated code with ``mypy --strict``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .helpers import BASE, GOLDEN, cli, mypy_strict, run_python, write_spec


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with three generated packages: ``base_api``, ``names_api`` and ``refs_api``."""
    root = tmp_path_factory.mktemp("e2e")
    spec = write_spec(root / "base_spec", BASE)
    assert cli("generate", spec, "--python-out", root / "base_api").exit_code == 0
    for case in ("names", "refs"):
        shutil.copytree(GOLDEN / case / "spec", root / f"{case}_spec")
        [spec] = sorted((root / f"{case}_spec").glob("asyncapi.*"))
        result = cli("generate", spec, "--python-out", root / f"{case}_api")
        assert result.exit_code == 0, result.output
    return root


def test_valid_payloads_reach_the_handler_and_invalid_ones_get_422(project: Path) -> None:
    handler = project / "base_api" / "chat_send.py"
    text = handler.read_text()
    text = text.replace(
        '        raise ActionNotImplemented("chat.send")\n        yield\n',
        "        yield events.ChatPosted(\n"
        '            recipient="websocket",\n'
        "            recipient_id=context.websocket_id,\n"
        "            payload=models.ChatPostedPayload(text=payload.text * (payload.count or 1)),\n"
        "        )\n",
    ).replace("from ._generated import models", "from ._generated import events, models")
    handler.write_text(text)
    result = run_python(
        """
        import asyncio
        import base_api
        from beeflow_websocket.testing import AsyncWebSocketTestClient

        async def main():
            async with AsyncWebSocketTestClient() as client:
                ok = await client.request("chat.send", {"text": "hi", "count": 2})
                assert ok.ok, ok.frames
                assert ok.payloads("chat.posted") == [{"text": "hihi"}], ok.frames
                cases = [
                    ({"text": ""}, "/payload/text"),
                    ({"text": "x" * 11}, "/payload/text"),
                    ({"text": "hi", "count": "2"}, "/payload/count"),
                    ({"text": "hi", "count": 0}, "/payload/count"),
                    ({"text": "hi", "count": True}, "/payload/count"),
                    ({"text": 5}, "/payload/text"),
                    ({}, "/payload/text"),
                    ({"text": "hi", "extra": 1}, "/payload/extra"),
                ]
                for payload, pointer in cases:
                    reply = await client.request("chat.send", payload)
                    problem = reply.problem
                    assert problem is not None and problem["status"] == 422, (payload, reply.frames)
                    assert pointer in [item["pointer"] for item in problem["errors"]], (payload, problem)
            print("OK")

        asyncio.run(main())
        """,
        cwd=project,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "OK"


def test_names_aliases_unicode_and_stubs(project: Path) -> None:
    result = run_python(
        """
        import asyncio
        import names_api
        from names_api import events, models
        from beeflow_websocket.core.action_registry import ActionRegistryMeta
        from beeflow_websocket.core.event_registry import EventRegistryMeta
        from beeflow_websocket.testing import AsyncWebSocketTestClient

        actions = ActionRegistryMeta.registry
        for name in ("chat.send", "chat_send", "chat-send", "czat.wyślij", "fire-and-forget", "ping"):
            assert name in actions, name
            assert actions[name].__module__.startswith("names_api."), actions[name]
        assert actions["chat.send"].__name__ == "ChatSend2"
        assert actions["fire-and-forget"].__name__ == "Launch"
        assert {"ping", "czat.wyślij"} <= set(EventRegistryMeta.registry)

        # Keywords and pydantic attributes keep their wire names through aliases.
        payload = models.ChatSendPayload2.model_validate_json('{"class": "a", "from": 1, "schema": "s", "json": true}')
        assert (payload.class_, payload.from_, payload.schema_, payload.json_) == ("a", 1, "s", True)
        dumped = payload.model_dump(by_alias=True, exclude_none=True)
        assert dumped == {"class": "a", "from": 1, "schema": "s", "json": True}
        by_name = models.ChatSendPayload2(class_="a", from_=1)
        assert by_name.class_ == "a"

        # Events serialise by alias; non-ASCII members work.
        polish = models.CzatWyślijPayload(treść="cześć")
        event = events.CzatWyślijEvent(recipient="websocket", recipient_id="w", payload=polish)
        assert '"treść":"cześć"' in event.frame_body()

        async def main():
            async with AsyncWebSocketTestClient() as client:
                reply = await client.request("chat.send", {"class": "a", "from": 1})
                assert reply.problem["status"] == 501, reply.frames
                reply = await client.request("chat.send", {"class": "a", "from": "1"})
                assert reply.problem["status"] == 422
                assert reply.problem["errors"][0]["pointer"] == "/payload/from"
                reply = await client.request("czat.wyślij", {"treść": ""})
                assert reply.problem["errors"][0]["pointer"] == "/payload/treść", reply.problem
                reply = await client.request("fire-and-forget", {"at": 12})
                assert reply.problem["status"] == 422, reply.frames
                reply = await client.request("fire-and-forget", {"at": "2024-01-01T00:00:00Z"})
                assert reply.problem["status"] == 501
            print("OK")

        asyncio.run(main())
        """,
        cwd=project,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "OK"


def test_recursive_and_cross_file_models_validate(project: Path) -> None:
    result = run_python(
        """
        import asyncio
        import refs_api
        from beeflow_websocket.testing import AsyncWebSocketTestClient

        async def main():
            async with AsyncWebSocketTestClient() as client:
                tree = {"label": "a", "children": [{"label": "b", "children": [{"label": "c"}]}]}
                reply = await client.request("tree.save", {"root": tree, "owner": {"name": "x", "weight": 0.5}})
                assert reply.problem["status"] == 501, reply.frames
                bad = {"label": "a", "children": [{"label": "b", "children": [{"label": 3}]}]}
                reply = await client.request("tree.save", {"root": bad})
                assert reply.problem["errors"][0]["pointer"] == "/payload/root/children/0/children/0/label"
                light = {"name": "x", "weight": 1e-09}
                reply = await client.request("tree.save", {"root": {"label": "a"}, "owner": light})
                assert reply.problem["errors"][0]["pointer"] == "/payload/owner/weight", reply.problem
                reply = await client.request("tree.measure", {"value": 2, "unit": "km"})
                assert reply.problem["status"] == 501
                reply = await client.request("tree.measure", {"value": 2, "unit": "mile"})
                assert reply.problem["errors"][0]["pointer"] == "/payload/unit"
            print("OK")

        asyncio.run(main())
        """,
        cwd=project,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "OK"


def test_a_runtime_that_is_too_old_fails_at_import_with_a_clear_message(project: Path) -> None:
    result = run_python(
        """
        import beeflow_websocket.core.compat as compat
        compat.RUNTIME_API = 0
        try:
            import base_api
        except ImportError as error:
            print(error)
        """,
        cwd=project,
    )
    assert "upgrade beeflow-websocket" in result.stdout, result.stderr


def test_generated_packages_pass_mypy_strict(project: Path) -> None:
    usage = project / "usage_check.py"
    usage.write_text(
        "from names_api import events, models\n\n"
        'payload = models.ChatSendPayload2(class_="a", from_=1)\n'
        "value: str = payload.class_\n"
        'event = events.PingEvent(recipient="websocket", recipient_id="w", payload=models.PingPayload2(kind="pong"))\n',
        encoding="utf-8",
    )
    result = mypy_strict(project / "base_api", project / "names_api", project / "refs_api", usage)
    assert result.returncode == 0, result.stdout + result.stderr
