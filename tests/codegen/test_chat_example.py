"""examples/chat: the checked-in package is in sync with its schema, and its handlers work."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from types import ModuleType

import pytest

from beeflow_websocket.testing import AsyncWebSocketTestClient

from .helpers import REPO, cli

CHAT = REPO / "examples" / "chat"


@pytest.fixture
def chat(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """Import ``chat_app.ws`` afresh, so its classes register in this test's isolated registries."""
    monkeypatch.syspath_prepend(str(CHAT))
    for name in [name for name in sys.modules if name == "chat_app" or name.startswith("chat_app.")]:
        monkeypatch.delitem(sys.modules, name)
    module = importlib.import_module("chat_app.ws")
    yield module
    for name in [name for name in sys.modules if name == "chat_app" or name.startswith("chat_app.")]:
        del sys.modules[name]


def test_the_checked_in_package_is_in_sync_and_implemented() -> None:
    result = cli(
        "check",
        CHAT / "asyncapi.yaml",
        "--python-out",
        CHAT / "chat_app" / "ws",
        "--line-length",
        "120",
        "--format-assertion",
        "--full",
    )
    assert result.exit_code == 0, result.output


async def test_members_of_a_room_see_each_other(chat: ModuleType) -> None:
    async with (
        AsyncWebSocketTestClient(user_id="alice") as alice,
        AsyncWebSocketTestClient(alice.dispatcher, user_id="bob") as bob,
    ):
        joined = await alice.request("chat.join", {"room": "lobby"})
        assert joined.payloads("chat.joined") == [{"room": "lobby", "user": "alice"}]
        await bob.request("chat.join", {"room": "lobby"})
        assert [frame["payload"]["user"] for frame in alice.pushed()] == ["bob"]

        sent = await alice.request("chat.send", {"room": "lobby", "text": "hello"})
        [message] = sent.payloads("chat.message_posted")
        assert (message["author"], message["text"], message["room"]) == ("alice", "hello", "lobby")
        assert message["sent_at"].endswith("Z")
        assert [frame["payload"]["text"] for frame in bob.pushed() if frame["event"] == "chat.message_posted"] == [
            "hello"
        ]

        typing = await bob.request("chat.typing", {"room": "lobby", "typing": True})
        assert typing.ok
        assert [frame["payload"] for frame in alice.pushed()] == [{"room": "lobby", "user": "bob", "typing": True}]

        left = await bob.request("chat.leave", {"room": "lobby"})
        assert left.payloads("chat.left") == [{"room": "lobby", "user": "bob"}]
        assert [frame["event"] for frame in alice.pushed()] == ["chat.left"]


async def test_problems_and_invalid_payloads(chat: ModuleType) -> None:
    async with AsyncWebSocketTestClient(user_id="carol") as carol:
        problem = (await carol.request("chat.send", {"room": "lobby", "text": "hi"})).problem
        assert problem is not None
        assert (problem["status"], problem["code"]) == (403, "not_in_room")

        invalid = (await carol.request("chat.join", {"room": "Not A Room"})).problem
        assert invalid is not None
        assert invalid["status"] == 422
        assert [item["pointer"] for item in invalid["errors"]] == ["/payload/room"]

        strict = (await carol.request("chat.typing", {"room": "lobby", "typing": "yes"})).problem
        assert strict is not None
        assert [item["pointer"] for item in strict["errors"]] == ["/payload/typing"]

        for room in range(10):
            assert (await carol.request("chat.join", {"room": f"room-{room}"})).ok
        full = (await carol.request("chat.join", {"room": "one-more"})).problem
        assert full is not None
        assert (full["status"], full["code"]) == (409, "too_many_rooms")
