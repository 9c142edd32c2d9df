"""``beeflow-websocket mock SPEC``: a server that speaks the protocol from the schema alone.

Each test starts the console script on a free loopback port, talks to it with a WebSocket client
and stops it by its pid.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import websockets

from tests.conformance.servers import free_port, stop, wait_for_port

from .helpers import BASE, REPO, cli, write_spec

CHAT = REPO / "examples" / "chat" / "asyncapi.yaml"


class Mock:
    def __init__(self, spec: Path, log: Path, *options: str) -> None:
        self.port = free_port()
        self.log = log
        command = [
            str(Path(sys.executable).with_name("beeflow-websocket")),
            "mock",
            str(spec),
            "--port",
            str(self.port),
            *options,
        ]
        with log.open("wb") as output:
            self.process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        wait_for_port(self.port, self.process, timeout=60)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def ask(self, path: str, *frames: tuple[str, dict[str, Any]]) -> list[dict[str, Any]]:
        """Send each action and read one answer frame for each."""

        async def talk() -> list[dict[str, Any]]:
            answers = []
            async with websockets.connect(f"ws://127.0.0.1:{self.port}{path}") as socket:
                for action, payload in frames:
                    frame = {"msg_id": str(uuid.uuid4()), "req_id": str(uuid.uuid4()), "action": action}
                    await socket.send(json.dumps({**frame, "payload": payload}))
                    answer = json.loads(await asyncio.wait_for(socket.recv(), 10))
                    assert answer["req_id"] == frame["req_id"]
                    answers.append(answer)
            return answers

        return asyncio.run(talk())


@pytest.fixture
def chat_mock(tmp_path: Path) -> Iterator[Mock]:
    mock = Mock(CHAT, tmp_path / "mock.log")
    yield mock
    stop(mock.process)


def test_actions_are_answered_with_schema_valid_reply_events(chat_mock: Mock) -> None:
    joined, posted = chat_mock.ask(
        "/ws/", ("chat.join", {"room": "lobby"}), ("chat.send", {"room": "lobby", "text": "hi"})
    )
    assert joined["event"] == "chat.joined"
    assert joined["payload"]["room"] == "lobby"  # members the action shares with its reply are copied over
    assert set(joined["payload"]) == {"room", "user"}
    assert posted["event"] == "chat.message_posted"
    assert posted["payload"]["text"] == "hi"
    uuid.UUID(posted["payload"]["id"])  # format uuid: a real one
    assert "chat.send -> chat.message_posted" in chat_mock.output()
    assert "mock of Chat on ws://127.0.0.1:" in chat_mock.output()


def test_invalid_payloads_and_unknown_actions_get_problems(chat_mock: Mock) -> None:
    invalid, unknown = chat_mock.ask("/ws/", ("chat.send", {"room": "Not A Room"}), ("chat.shout", {}))
    assert invalid["status"] == 422
    assert invalid["code"] == "invalid_websocket_payload"
    assert {error["pointer"] for error in invalid["errors"]} == {"/payload/room", "/payload/text"}
    assert unknown["status"] == 400
    assert unknown["code"] == "unknown_websocket_action"


def test_an_action_can_be_answered_with_a_declared_problem(tmp_path: Path) -> None:
    mock = Mock(CHAT, tmp_path / "mock.log", "--problem", "chat.join=too_many_rooms")
    try:
        problem, posted = mock.ask(
            "/ws/", ("chat.join", {"room": "lobby"}), ("chat.send", {"room": "lobby", "text": "x"})
        )
    finally:
        stop(mock.process)
    assert (problem["status"], problem["code"], problem["title"]) == (409, "too_many_rooms", "Too many rooms")
    assert posted["event"] == "chat.message_posted"  # the other actions still reply
    assert "chat.join -> problem too_many_rooms" in mock.output()


def test_a_problem_the_action_does_not_declare_is_refused() -> None:
    result = cli("mock", CHAT, "--problem", "chat.join=not_in_room")
    assert result.exit_code == 1
    assert "'chat.join' does not declare problem 'not_in_room' (x-problems: too_many_rooms)" in result.output


def test_an_event_example_is_the_reply(tmp_path: Path) -> None:
    text = BASE.replace(
        "      name: chat.posted\n",
        "      name: chat.posted\n      examples:\n        - payload: {text: from the example, by: example-bot}\n",
    )
    text += "          by:\n            type: string\n"  # BASE ends with the members of chat.posted
    mock = Mock(write_spec(tmp_path, text), tmp_path / "mock.log")
    try:
        (answer,) = mock.ask("/ws/", ("chat.send", {"text": "hello"}))
    finally:
        stop(mock.process)
    # The example's members win over the schema; a member the action shares still is the action's.
    assert answer == {**answer, "event": "chat.posted", "payload": {"text": "hello", "by": "example-bot"}}


def test_a_reply_it_cannot_make_up_is_left_out_with_a_warning(tmp_path: Path) -> None:
    text = BASE.replace(
        "      name: chat.posted\n      payload:\n        type: object\n        required: [text]\n        properties:\n"
        "          text:\n            type: string\n",
        "      name: chat.posted\n      payload:\n        type: object\n        required: [code]\n        properties:\n"
        "          code:\n            type: string\n            pattern: '^Z{3}$'\n",
    )
    mock = Mock(write_spec(tmp_path, text), tmp_path / "mock.log")
    stop(mock.process)
    assert "warning: the mock cannot make up a valid payload for event 'chat.posted'" in mock.output()
    assert "chat.send -> nothing" in mock.output()


def test_the_generated_typescript_client_runs_against_the_mock_in_chromium(chat_mock: Mock, tmp_path: Path) -> None:
    """The chat example's generated client (tests/e2e/page/scenarios.ts) in headless Chromium, against the mock.

    Needs what the browser tests need (``make test-e2e-deps``); skipped with that command otherwise.
    """
    from tests.e2e.conftest import Browser, _missing, _skip_or_fail

    reason = _missing()
    if reason:
        _skip_or_fail(reason)
    browser = Browser(tmp_path / "driver.log")
    try:
        browser.send("open", page="mock", ws=f"ws://127.0.0.1:{chat_mock.port}/ws/")
        result = browser.send("call", page="mock", fn="requests", args=["mock-room"])
    finally:
        browser.close()
    assert result["completion"] is True  # beeflow.v1 negotiated with the real runtime
    [joined] = result["joined"]
    assert (joined["event"], joined["payload"]["room"], joined["has_req_id"]) == ("chat.joined", "mock-room", True)
    [posted] = result["posted"]
    assert (posted["event"], posted["payload"]["text"]) == ("chat.message_posted", "Hello from the browser")
    [typing] = result["streamed"]
    assert (typing["event"], typing["payload"]["typing"]) == ("chat.typing_changed", True)
    [left] = result["left"]
    assert left["event"] == "chat.left"
