"""Typed and 0.3.0-style handlers, what they receive, and how they may be written."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import BaseModel

from beeflow_websocket.core.action_registry import ActionContext, ActionRegistryMeta
from beeflow_websocket.core.event_registry import WebSocketEvent
from beeflow_websocket.core.payloads import WebSocketActionPayload
from beeflow_websocket.core.problems import ActionNotImplemented
from beeflow_websocket.testing import AsyncWebSocketTestClient

from .conftest import EchoPayload, Kit, Mood


async def test_typed_handler_receives_its_validated_model(kit: Kit) -> None:
    async with AsyncWebSocketTestClient() as client:
        reply = await client.request("echo", {"text": "hi", "count": 3, "mood": "sad"})
    assert reply.payloads("echoed") == [{"text": "hi"}] * 3
    assert [frame["seq"] for frame in reply.events] == [1, 2, 3]
    [payload] = kit.seen
    assert isinstance(payload, EchoPayload)
    assert payload.mood is Mood.SAD


async def test_typed_model_defaults_apply(kit: Kit) -> None:
    async with AsyncWebSocketTestClient() as client:
        await client.request("echo", {"text": "hi"})
    [payload] = kit.seen
    assert (payload.count, payload.mood) == (1, Mood.HAPPY)


async def test_legacy_handler_receives_the_whole_frame(kit: Kit) -> None:
    async with AsyncWebSocketTestClient() as client:
        reply = await client.request("legacy_echo", {"text": "old", "anything": [1, 2]}, msg_id=str(uuid.uuid4()))
    [message] = kit.seen
    assert isinstance(message, WebSocketActionPayload)
    assert message.action == "legacy_echo"
    assert message.req_id == reply.req_id
    assert message.payload == {"text": "old", "anything": [1, 2]}
    assert reply.payloads("echoed") == [{"text": "old"}]


def test_payload_model_is_read_from_the_annotation(kit: Kit) -> None:
    assert ActionRegistryMeta.registry["echo"].payload_model is EchoPayload
    assert ActionRegistryMeta.registry["legacy_echo"].payload_model is None
    assert ActionRegistryMeta.registry["health"].payload_model is None


async def test_context_carries_who_sent_the_action() -> None:
    contexts: list[ActionContext] = []

    class Who(metaclass=ActionRegistryMeta, name="who"):
        async def execute(self, message: WebSocketActionPayload, context: ActionContext) -> list[Any]:
            contexts.append(context)
            return []

    user_id = uuid.uuid4()
    async with AsyncWebSocketTestClient(user_id=user_id, websocket_id="ws-1") as client:
        reply = await client.request("who")
    [context] = contexts
    assert (context.websocket_id, context.user_id, context.action) == ("ws-1", user_id, "who")
    assert context.req_id == reply.req_id
    assert "ws-1" in repr(context)


@pytest.mark.parametrize("user_id", [7, "alice", uuid.UUID("6f1c2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b")])
async def test_user_ids_of_any_primary_key_type_reach_the_user(kit: Kit, user_id: object) -> None:
    async with (
        AsyncWebSocketTestClient(user_id=user_id) as target,  # type: ignore[arg-type]
        AsyncWebSocketTestClient(target.dispatcher, user_id="sender") as sender,
    ):
        reply = await sender.request("notify_user", {"user_id": str(user_id), "text": "ping"})
        assert reply.ok
        assert [frame["payload"] for frame in target.pushed()] == [{"text": "ping"}]


async def test_event_recipient_id_accepts_integer_and_uuid_ids() -> None:
    class Ping(WebSocketEvent, name="ping"):
        pass

    user = uuid.uuid4()
    assert Ping(recipient="user", recipient_id=5).recipient_id == "5"
    assert f'"recipient_id":"{user}"' in Ping(recipient="user", recipient_id=user).frame_body()
    with pytest.raises(ValueError, match="recipient_id"):
        Ping(recipient="user", recipient_id=True)  # type: ignore[arg-type]


async def test_coroutine_handler_returning_a_list_of_events(kit: Kit) -> None:
    class Twice(metaclass=ActionRegistryMeta, name="twice"):
        async def execute(self, payload: EchoPayload, context: ActionContext) -> list[WebSocketEvent]:
            return [
                kit.echo_event(recipient="websocket", recipient_id=context.websocket_id, payload={"text": t})
                for t in (payload.text, payload.text.upper())
            ]

    async with AsyncWebSocketTestClient() as client:
        reply = await client.request("twice", {"text": "ab"})
    assert reply.payloads("echoed") == [{"text": "ab"}, {"text": "AB"}]


async def test_generated_stub_answers_501_until_a_subclass_implements_it() -> None:
    class GreetBase(metaclass=ActionRegistryMeta, name="greet"):
        payload_model = EchoPayload

        async def execute(self, payload: EchoPayload, context: ActionContext) -> AsyncIterator[WebSocketEvent]:
            raise ActionNotImplemented("greet")
            yield  # pragma: no cover

    async with AsyncWebSocketTestClient() as client:
        problem = (await client.request("greet", {"text": "x"})).problem
        assert problem is not None
        assert (problem["status"], problem["code"]) == (501, "websocket_action_not_implemented")

        class Greet(GreetBase):
            async def execute(self, payload: EchoPayload, context: ActionContext) -> AsyncIterator[WebSocketEvent]:
                yield WebSocketEvent(recipient="websocket", recipient_id=context.websocket_id)

        assert ActionRegistryMeta.registry["greet"] is Greet
        assert Greet.payload_model is EchoPayload
        reply = await client.request("greet", {"text": "x"})
        # A bare WebSocketEvent has no wire name: that is the application's bug, answered 500.
        assert reply.problem is not None
        assert reply.problem["status"] == 500


async def test_yielding_something_that_is_not_an_event_is_a_500() -> None:
    class Bad(metaclass=ActionRegistryMeta, name="bad"):
        async def execute(self, message: WebSocketActionPayload, context: ActionContext) -> AsyncIterator[Any]:
            yield {"event": "raw dict"}

    async with AsyncWebSocketTestClient() as client:
        problem = (await client.request("bad")).problem
    assert problem is not None
    assert problem["status"] == 500


async def test_event_to_an_unknown_recipient_is_a_500() -> None:
    class Lost(WebSocketEvent, name="lost"):
        pass

    class Send(metaclass=ActionRegistryMeta, name="send_lost"):
        async def execute(self, message: WebSocketActionPayload, context: ActionContext) -> AsyncIterator[Any]:
            yield Lost(recipient="nobody", recipient_id="1")

    async with AsyncWebSocketTestClient() as client:
        problem = (await client.request("send_lost")).problem
    assert problem is not None
    assert problem["status"] == 500


def test_action_definition_errors_are_raised_at_import_time() -> None:
    with pytest.raises(TypeError, match="execute"):

        class NoExecute(metaclass=ActionRegistryMeta, name="no_execute"):
            pass

    with pytest.raises(TypeError, match="async"):

        class SyncExecute(metaclass=ActionRegistryMeta, name="sync_execute"):
            def execute(self, message: WebSocketActionPayload, context: ActionContext) -> None:
                return None

    with pytest.raises(TypeError, match="pydantic model"):

        class WrongAnnotation(metaclass=ActionRegistryMeta, name="wrong"):
            async def execute(self, payload: int, context: ActionContext) -> None:
                return None

    with pytest.raises(ValueError, match="non-blank"):

        class Blank(metaclass=ActionRegistryMeta, name=" "):
            async def execute(self, message: WebSocketActionPayload, context: ActionContext) -> None:
                return None


def test_postponed_annotations_resolve_in_local_scopes_too() -> None:
    class Local(BaseModel):
        x: int

    class Uses(metaclass=ActionRegistryMeta, name="uses_local"):
        async def execute(self, payload: Local, context: ActionContext) -> None:
            return None

    assert Uses.payload_model is Local  # type: ignore[attr-defined]
    with pytest.raises(TypeError, match="payload_model"):

        class Later(metaclass=ActionRegistryMeta, name="uses_later"):
            async def execute(self, payload: DefinedAfterwards, context: ActionContext) -> None:  # type: ignore[name-defined]  # noqa: F821
                return None


def test_only_the_payload_annotation_needs_to_resolve() -> None:
    class Local(BaseModel):
        x: int

    # The context and return annotations may name what exists only for a type checker.
    class Checked(metaclass=ActionRegistryMeta, name="only_payload"):
        async def execute(self, payload: Local, context: OnlyForTypeCheckers) -> Unknown:  # type: ignore[name-defined]  # noqa: F821
            return None

    class WholeFrame(metaclass=ActionRegistryMeta, name="whole_frame"):
        async def execute(self, message: None, context: ActionContext) -> None:
            return None

    assert Checked.payload_model is Local  # type: ignore[attr-defined]
    assert WholeFrame.payload_model is None  # type: ignore[attr-defined]


def test_untyped_event_keeps_a_dict_or_any_model_payload() -> None:
    class Note(WebSocketEvent, name="note"):
        pass

    class Body(BaseModel):
        text: str

    assert Note(recipient="user", recipient_id="1", payload={"a": 1}).frame_body().endswith('"payload":{"a":1}}')
    assert (
        Note(recipient="user", recipient_id="1", payload=Body(text="x"))
        .frame_body()
        .endswith('"payload":{"text":"x"}}')
    )
