"""The chat example in one process: the generated package, real frames, no server.

Run it with ``make demo``, which first regenerates ``chat_app/ws`` from ``asyncapi.yaml``. Two
in-memory clients join a room and talk; the frames they receive are printed as a browser would
read them, including the problems the schema and the handlers answer with.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import chat_app.ws  # noqa: F401 - registers the generated actions and events and our handlers

from beeflow_websocket.core.config import ProtocolConfig
from beeflow_websocket.core.dispatcher import Dispatcher
from beeflow_websocket.testing import AsyncWebSocketTestClient


def show(title: str, frames: list[dict[str, Any]]) -> None:
    print(f"\n--- {title}")
    for frame in frames:
        print(json.dumps(frame, ensure_ascii=False))


async def main() -> None:
    dispatcher = Dispatcher(ProtocolConfig(problem_type_base_url="https://example.com/problems/chat"))
    async with (
        AsyncWebSocketTestClient(dispatcher, user_id="alice") as alice,
        AsyncWebSocketTestClient(dispatcher, user_id="bob") as bob,
    ):
        show("alice: chat.join lobby", (await alice.request("chat.join", {"room": "lobby"})).frames)
        show("bob: chat.join lobby", (await bob.request("chat.join", {"room": "lobby"})).frames)
        show("alice sees bob arrive", alice.pushed())
        show("bob: chat.send", (await bob.request("chat.send", {"room": "lobby", "text": "Hi Alice!"})).frames)
        show("alice receives", alice.pushed())
        show(
            "alice: chat.send with an empty text (422 from the schema's minLength)",
            (await alice.request("chat.send", {"room": "lobby", "text": ""})).frames,
        )
        show(
            "alice: chat.send to a room she has not joined (the schema's not_in_room problem)",
            (await alice.request("chat.send", {"room": "kitchen", "text": "anyone?"})).frames,
        )
        show("alice: chat.typing", (await alice.request("chat.typing", {"room": "lobby", "typing": True})).frames)
        show("bob sees alice typing", bob.pushed())


if __name__ == "__main__":
    asyncio.run(main())
