"""0.3.0 events (``emit()``) and recipients (``resolve()``), written as a 0.3.0 application writes them.

Every class below is the shape of 0.3.0's bundled ``HealthEvent`` and ``WebSocketRecipient``: a
plain class with the registry metaclass, an ``async def emit(self) -> WebSocketEventPayload`` or an
``async def resolve(self, recipient_id: str) -> tuple[str, ...]``. The frames are read through the
in-memory test client, exactly as a browser would read them.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pytest
from pydantic import BaseModel

from beeflow_websocket.core.action_registry import ActionContext, ActionRegistryMeta
from beeflow_websocket.core.dispatcher import Dispatcher
from beeflow_websocket.core.event_registry import EventRegistryMeta, WebSocketEvent
from beeflow_websocket.core.payloads import WebSocketActionPayload, WebSocketEventPayload
from beeflow_websocket.core.recipient_registry import RecipientRegistryMeta
from beeflow_websocket.testing import AsyncWebSocketTestClient

EXPLICIT = "0f0e0d0c-0b0a-4909-8807-060504030201"


@dataclass
class App:
    rooms: dict[str, set[str]]
    event: type


@pytest.fixture
def app() -> App:
    """A 0.3.0 application: one event, one recipient, actions addressing every kind of recipient."""
    rooms: dict[str, set[str]] = {}

    class ChatMessage(metaclass=EventRegistryMeta, name="chat.message"):
        """Emit a chat message."""

        def __init__(self, recipient: str, recipient_id: str, text: str, req_id: UUID | None = None) -> None:
            self.recipient = recipient
            self.recipient_id = recipient_id
            self.text = text
            self.req_id = req_id

        async def emit(self) -> WebSocketEventPayload:
            return WebSocketEventPayload(
                req_id=self.req_id,
                event="chat.message",
                recipient=self.recipient,
                recipient_id=self.recipient_id,
                payload={"text": self.text, "at": uuid.UUID(int=7)},
            )

    class RoomRecipient(metaclass=RecipientRegistryMeta, name="room"):
        async def resolve(self, recipient_id: str) -> tuple[str, ...]:
            return tuple(sorted(rooms.get(recipient_id, ())))

    class Join(metaclass=ActionRegistryMeta, name="room.join"):
        async def execute(self, message: WebSocketActionPayload, context: ActionContext) -> AsyncIterator[ChatMessage]:
            rooms.setdefault(str(message.payload["room"]), set()).add(context.websocket_id)
            await context.join_group(str(message.payload["room"]))
            yield ChatMessage("websocket", context.websocket_id, "joined", req_id=message.req_id)

    class Say(metaclass=ActionRegistryMeta, name="say"):
        async def execute(self, message: WebSocketActionPayload, context: ActionContext) -> AsyncIterator[ChatMessage]:
            payload = message.payload
            yield ChatMessage(str(payload["recipient"]), str(payload["to"]), str(payload["text"]))

    class Reply(metaclass=ActionRegistryMeta, name="reply"):
        async def execute(self, message: WebSocketActionPayload, context: ActionContext) -> AsyncIterator[ChatMessage]:
            yield ChatMessage("websocket", context.websocket_id, "answer", req_id=UUID(EXPLICIT))

    return App(rooms, ChatMessage)


def messages(frames: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    return [(frame["payload"]["text"], frame["req_id"]) for frame in frames if frame.get("event") == "chat.message"]


async def test_an_emit_event_answers_the_sender_with_its_own_req_id(app: App) -> None:
    async with AsyncWebSocketTestClient(completion=False) as client:
        reply = await client.request("room.join", {"room": "blue"})
    assert reply.ok, reply.problem
    [frame] = reply.frames
    assert frame == {
        "msg_id": frame["msg_id"],
        "req_id": reply.req_id,
        "seq": 1,
        "event": "chat.message",
        "recipient": "websocket",
        "recipient_id": client.websocket_id,
        "payload": {"text": "joined", "at": "00000000-0000-0000-0000-000000000007"},
    }


@pytest.mark.parametrize("kind", ["room", "user", "group", "websocket"])
async def test_an_emit_event_reaches_every_recipient_kind(app: App, kind: str) -> None:
    dispatcher = Dispatcher()
    async with (
        AsyncWebSocketTestClient(dispatcher, user_id=1, completion=True) as alice,
        AsyncWebSocketTestClient(dispatcher, user_id=2) as bob,
        AsyncWebSocketTestClient(dispatcher, user_id=3) as carol,
    ):
        for member in (alice, bob):
            assert (await member.request("room.join", {"room": "blue"})).ok
        to = {"room": "blue", "group": "blue", "user": "2", "websocket": bob.websocket_id}[kind]
        reply = await alice.request("say", {"recipient": kind, "to": to, "text": f"hi {kind}"})
        assert reply.ok, reply.problem

        bob_got = messages(bob.received)[-1]
        assert bob_got == (f"hi {kind}", None)
        # The sender is one of the room and the group: it gets its copy, with no req_id (the event set none).
        alice_messages = messages(alice.received)
        if kind in ("room", "group"):
            assert alice_messages[-1] == (f"hi {kind}", None)
            assert reply.completion is not None
            assert reply.completion["events"] == 1
        else:
            assert alice_messages == [("joined", alice_messages[0][1])]
        assert messages(carol.received) == []
        seqs = [frame["seq"] for frame in bob.received if "event" in frame]
        assert seqs == list(range(1, len(seqs) + 1))


async def test_a_req_id_the_event_sets_is_the_one_sent(app: App) -> None:
    async with AsyncWebSocketTestClient(completion=False) as client:
        req_id = await client.send("reply")
        await client.connection.wait_idle()
    [frame] = client.received
    assert frame["req_id"] == EXPLICIT != req_id
    assert frame["payload"]["text"] == "answer"


async def test_a_typed_event_with_an_explicit_req_id_sends_it_too() -> None:
    class PongPayload(BaseModel):
        n: int

    class Pong(WebSocketEvent, name="pong"):
        payload: PongPayload

    class Ping(metaclass=ActionRegistryMeta, name="ping"):
        async def execute(self, message: WebSocketActionPayload, context: ActionContext) -> AsyncIterator[Pong]:
            yield Pong(recipient="websocket", recipient_id=context.websocket_id, payload=PongPayload(n=1))
            yield Pong(
                recipient="websocket", recipient_id=context.websocket_id, req_id=EXPLICIT, payload=PongPayload(n=2)
            )

    async with AsyncWebSocketTestClient(completion=False) as client:
        req_id = await client.send("ping")
        await client.connection.wait_idle()
    assert [(frame["payload"]["n"], frame["req_id"]) for frame in client.received] == [(1, req_id), (2, EXPLICIT)]


async def test_an_emit_event_can_be_pushed_from_outside_any_action(app: App) -> None:
    dispatcher = Dispatcher()
    async with AsyncWebSocketTestClient(dispatcher) as client:
        assert (await client.request("room.join", {"room": "blue"})).ok
        await dispatcher.push(app.event("room", "blue", "pushed", req_id=UUID(EXPLICIT)))
    assert client.pushed()[-1]["payload"]["text"] == "pushed"
    assert client.pushed() == []


async def test_a_recipient_returning_websocket_ids_of_several_connections(app: App) -> None:
    dispatcher = Dispatcher()
    async with (
        AsyncWebSocketTestClient(dispatcher, user_id=1) as one,
        AsyncWebSocketTestClient(dispatcher, user_id=2) as two,
    ):
        app.rooms["red"] = {one.websocket_id, two.websocket_id, "gone-websocket"}
        reply = await one.request("say", {"recipient": "room", "to": "red", "text": "both"})
        assert reply.ok, reply.problem
        assert messages(one.received) == [("both", None)]
        assert messages(two.received) == [("both", None)]


async def test_an_unknown_recipient_is_a_500_and_the_connection_lives_on(app: App) -> None:
    async with AsyncWebSocketTestClient() as client:
        reply = await client.request("say", {"recipient": "nobody", "to": "x", "text": "lost"})
        assert reply.problem is not None
        assert reply.problem["status"] == 500
        assert (await client.request("health")).ok


async def test_emit_on_a_typed_event_returns_the_030_envelope() -> None:
    from beeflow_websocket.core.events.health import HealthEvent

    envelope = await HealthEvent(recipient="websocket", recipient_id="ws-1", req_id=EXPLICIT).emit()
    assert isinstance(envelope, WebSocketEventPayload)
    assert envelope.to_dict() == {
        "req_id": EXPLICIT,
        "event": "health",
        "recipient": "websocket",
        "recipient_id": "ws-1",
        "payload": {"status": "ok"},
    }


async def test_an_envelope_s_own_msg_id_and_seq_never_reach_the_frame_nor_a_subclass_s_members() -> None:
    class Stamped(WebSocketEventPayload):
        note: str = "kept on the server"

    class Told(metaclass=EventRegistryMeta, name="told"):
        def __init__(self, recipient_id: str, envelope: dict[str, Any], model: type[WebSocketEventPayload]) -> None:
            self.recipient_id = recipient_id
            self.envelope = envelope
            self.model = model

        async def emit(self) -> WebSocketEventPayload:
            return self.model(event="told", recipient="websocket", recipient_id=self.recipient_id, **self.envelope)

    variants: list[tuple[dict[str, Any], type[WebSocketEventPayload]]] = [
        ({"payload": {"n": 0.00001}}, WebSocketEventPayload),
        ({"payload": {"n": 1}, "req_id": UUID(EXPLICIT)}, WebSocketEventPayload),
        ({"payload": {"n": 2}, "msg_id": uuid.uuid4(), "seq": 99}, WebSocketEventPayload),
        ({"payload": {"n": 3}, "req_id": UUID(EXPLICIT), "seq": 7}, Stamped),
    ]

    class Tell(metaclass=ActionRegistryMeta, name="tell"):
        async def execute(self, message: WebSocketActionPayload, context: ActionContext) -> AsyncIterator[Told]:
            for envelope, model in variants:
                yield Told(context.websocket_id, envelope, model)

    async with AsyncWebSocketTestClient(completion=False) as client:
        req_id = await client.send("tell")
        await client.connection.wait_idle()
    assert [(frame["payload"]["n"], frame["req_id"], frame["seq"]) for frame in client.received] == [
        (0.00001, None, 1),
        (1, EXPLICIT, 2),
        (2, None, 3),
        (3, EXPLICIT, 4),
    ]
    assert all(
        set(frame) == {"msg_id", "req_id", "seq", "event", "recipient", "recipient_id", "payload"}
        for frame in client.received
    )
    assert len({frame["msg_id"] for frame in client.received}) == 4
    assert req_id not in [frame["req_id"] for frame in client.received]
