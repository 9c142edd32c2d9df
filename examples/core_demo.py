"""A tour of the protocol in one process: no server, no browser, real frames.

Run it with ``make demo``. It defines a typed action, connects two in-memory clients to one
dispatcher and prints every frame they receive, including the problems bad frames get.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from beeflow_websocket.core.action_registry import ActionContext, ActionRegistryMeta
from beeflow_websocket.core.config import ProtocolConfig
from beeflow_websocket.core.dispatcher import Dispatcher
from beeflow_websocket.core.event_registry import WebSocketEvent
from beeflow_websocket.core.problems import WebSocketProblem
from beeflow_websocket.testing import AsyncWebSocketTestClient


class SendMessage(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    to: Annotated[str, Field(min_length=1)]
    text: Annotated[str, Field(min_length=1, max_length=200)]


class MessagePayload(BaseModel):
    sender: str
    text: str


class MessageReceived(WebSocketEvent, name="chat.message"):
    payload: MessagePayload


class MessageSent(WebSocketEvent, name="chat.sent"):
    payload: MessagePayload


class Send(metaclass=ActionRegistryMeta, name="chat.send"):
    """Deliver a message to every connection of a user and confirm it to the sender."""

    async def execute(self, payload: SendMessage, context: ActionContext) -> AsyncIterator[WebSocketEvent]:
        if payload.to == "nobody":
            raise WebSocketProblem(404, "user_not_found", detail="There is no user called 'nobody'.")
        message = MessagePayload(sender=str(context.user_id), text=payload.text)
        yield MessageReceived(recipient="user", recipient_id=payload.to, payload=message)
        yield MessageSent(recipient="websocket", recipient_id=context.websocket_id, payload=message)


def show(title: str, frames: list[dict[str, object]]) -> None:
    print(f"\n--- {title}")
    for frame in frames:
        print(json.dumps(frame, ensure_ascii=False))


async def main() -> None:
    dispatcher = Dispatcher(ProtocolConfig(problem_type_base_url="https://example.com/problems/websocket"))
    async with (
        AsyncWebSocketTestClient(dispatcher, user_id="alice", completion=True) as alice,
        AsyncWebSocketTestClient(dispatcher, user_id="bob", completion=False) as bob,
    ):
        show(
            "alice: health (completion negotiated, so a completion frame ends the request)",
            (await alice.request("health")).frames,
        )
        show("alice: chat.send to bob", (await alice.request("chat.send", {"to": "bob", "text": "Hi Bob!"})).frames)
        show("bob received (a 0.3.0-style client: no req_id, no completion frames)", bob.pushed())
        show(
            "bob: chat.send with an empty text (422, JSON pointers)",
            (await bob.request("chat.send", {"to": "alice", "text": ""})).frames,
        )
        show(
            "bob: chat.send to nobody (the handler's own 404)",
            (await bob.request("chat.send", {"to": "nobody", "text": "?"})).frames,
        )
        show("bob: an unknown action", (await bob.request("chat.shout", {})).frames)
        show("bob: a frame that is not JSON", await bob.send_frame("hello?"))
        show("bob: still connected, health again", (await bob.request("health")).frames)


if __name__ == "__main__":
    asyncio.run(main())
