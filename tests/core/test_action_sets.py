"""Two applications in one process, each serving its own actions, beside 0.3.0's global registry.

Every test runs inside ``isolated_registries()`` (tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import BaseModel

from beeflow_websocket.core.action_registry import ActionContext, ActionRegistryMeta
from beeflow_websocket.core.action_set import ActionSet
from beeflow_websocket.core.dispatcher import Dispatcher
from beeflow_websocket.core.event_registry import WebSocketEvent
from beeflow_websocket.core.payloads import WebSocketActionPayload, WebSocketEventPayload
from beeflow_websocket.core.registry import DuplicateRegistrationError
from beeflow_websocket.testing import AsyncWebSocketTestClient


class Text(BaseModel):
    text: str


class Said(WebSocketEvent, name="test.sets.said"):
    payload: Text


def said(context: ActionContext, text: str) -> Said:
    return Said(recipient="websocket", recipient_id=context.websocket_id, payload=Text(text=text))


def unknown(reply: Any, name: str) -> bool:
    problem = reply.problem
    return problem is not None and problem["code"] == "unknown_websocket_action" and name in problem["detail"]


async def test_two_dispatchers_answer_their_own_actions_and_404_the_others() -> None:
    class Echo(metaclass=ActionRegistryMeta, name="sets.echo"):
        async def execute(self, payload: Text, context: ActionContext) -> AsyncIterator[Said]:
            yield said(context, payload.text)

    class Shout(metaclass=ActionRegistryMeta, name="sets.shout"):
        async def execute(self, payload: Text, context: ActionContext) -> AsyncIterator[Said]:
            yield said(context, payload.text.upper())

    chat, admin = Dispatcher(actions=[Echo]), Dispatcher(actions=ActionSet([Shout]))
    async with AsyncWebSocketTestClient(chat) as a, AsyncWebSocketTestClient(admin) as b:
        assert (await a.request("sets.echo", {"text": "hi"})).payloads("test.sets.said") == [{"text": "hi"}]
        assert unknown(await a.request("sets.shout", {"text": "hi"}), "sets.shout")
        assert (await b.request("sets.shout", {"text": "hi"})).payloads("test.sets.said") == [{"text": "HI"}]
        assert unknown(await b.request("sets.echo", {"text": "hi"}), "sets.echo")
        # The built-in actions are in every set.
        assert (await a.request("health")).ok
        assert (await b.request("health")).ok
    # A dispatcher without a set serves every registered action, as in 0.3.0.
    async with AsyncWebSocketTestClient(Dispatcher()) as c:
        assert (await c.request("sets.echo", {"text": "x"})).ok
        assert (await c.request("sets.shout", {"text": "x"})).ok


async def test_two_applications_may_each_have_an_action_of_the_same_name() -> None:
    chat, admin = ActionSet(), ActionSet()

    class ChatSend(metaclass=ActionRegistryMeta, name="send", registry=chat):
        async def execute(self, payload: Text, context: ActionContext) -> AsyncIterator[Said]:
            yield said(context, f"chat: {payload.text}")

    class AdminAction(metaclass=ActionRegistryMeta, registry=admin):
        """A base without a handler: every action of the admin app subclasses it."""

    class AdminSend(AdminAction, name="send"):
        async def execute(self, payload: Text, context: ActionContext) -> AsyncIterator[Said]:
            yield said(context, f"admin: {payload.text}")

    assert "send" not in ActionRegistryMeta.REGISTRY
    async with (
        AsyncWebSocketTestClient(Dispatcher(actions=chat)) as a,
        AsyncWebSocketTestClient(Dispatcher(actions=admin)) as b,
        AsyncWebSocketTestClient(Dispatcher()) as c,
    ):
        assert (await a.request("send", {"text": "x"})).payloads("test.sets.said") == [{"text": "chat: x"}]
        assert (await b.request("send", {"text": "x"})).payloads("test.sets.said") == [{"text": "admin: x"}]
        assert unknown(await c.request("send", {"text": "x"}), "send")


async def test_an_implementation_replaces_its_stub_in_the_stubs_set() -> None:
    chat = ActionSet()

    class SendStub(metaclass=ActionRegistryMeta, name="send", registry=chat):
        async def execute(self, payload: Text, context: ActionContext) -> AsyncIterator[Said]:
            raise NotImplementedError
            yield

    class Send(SendStub):
        async def execute(self, payload: Text, context: ActionContext) -> AsyncIterator[Said]:
            yield said(context, payload.text)

    assert chat["send"] is Send
    assert "send" not in ActionRegistryMeta.REGISTRY
    async with AsyncWebSocketTestClient(Dispatcher(actions=chat)) as client:
        assert (await client.request("send", {"text": "ok"})).payloads("test.sets.said") == [{"text": "ok"}]


async def test_listing_a_generated_stub_serves_its_implementation() -> None:
    class EchoStub(metaclass=ActionRegistryMeta, name="sets.stub"):
        async def execute(self, payload: Text, context: ActionContext) -> AsyncIterator[Said]:
            raise NotImplementedError
            yield

    class Echo(EchoStub):
        async def execute(self, payload: Text, context: ActionContext) -> AsyncIterator[Said]:
            yield said(context, payload.text)

    async with AsyncWebSocketTestClient(Dispatcher(actions=[EchoStub])) as client:
        assert (await client.request("sets.stub", {"text": "ok"})).payloads("test.sets.said") == [{"text": "ok"}]


async def test_a_set_may_replace_or_leave_out_the_builtins() -> None:
    class MyHealth(metaclass=ActionRegistryMeta, name="health", registry=ActionSet()):
        async def execute(self, payload: WebSocketActionPayload, context: ActionContext) -> AsyncIterator[Said]:
            yield said(context, "mine")

    async with (
        AsyncWebSocketTestClient(Dispatcher(actions=[MyHealth])) as mine,
        AsyncWebSocketTestClient(Dispatcher(actions=ActionSet(builtins=False))) as bare,
        AsyncWebSocketTestClient(Dispatcher()) as default,
    ):
        assert (await mine.request("health")).payloads("test.sets.said") == [{"text": "mine"}]
        assert unknown(await bare.request("health"), "health")
        assert [event["event"] for event in (await default.request("health")).events] == ["health"]


async def test_0_3_0_global_registration_still_serves_the_default_dispatcher() -> None:
    # 0.3.0's style: a plain class registered by its metaclass, found through REGISTRY.
    class Ping(metaclass=ActionRegistryMeta):
        async def execute(self, message: WebSocketActionPayload, context: ActionContext) -> list[Any]:
            return [_Pong(context.websocket_id, message.req_id)]

    class _Pong:
        def __init__(self, websocket_id: str, req_id: Any) -> None:
            self.websocket_id, self.req_id = websocket_id, req_id

        async def emit(self) -> WebSocketEventPayload:
            return WebSocketEventPayload(
                req_id=self.req_id, event="pong", recipient="websocket", recipient_id=self.websocket_id, payload={}
            )

    assert ActionRegistryMeta.REGISTRY["Ping"] is Ping
    async with (
        AsyncWebSocketTestClient(Dispatcher()) as default,
        AsyncWebSocketTestClient(Dispatcher(actions=[])) as scoped,
    ):
        assert [event["event"] for event in (await default.request("Ping")).events] == ["pong"]
        assert unknown(await scoped.request("Ping"), "Ping")
        # Registered after the dispatcher was built: the default follows the live registry.
        del ActionRegistryMeta.REGISTRY["Ping"]
        assert unknown(await default.request("Ping"), "Ping")


def test_a_set_refuses_what_is_not_an_action_and_two_classes_of_one_name() -> None:
    class Plain:
        pass

    class One(metaclass=ActionRegistryMeta, name="sets.one", registry=ActionSet()):
        async def execute(self, payload: Text, context: ActionContext) -> None:
            return None

    class Other(metaclass=ActionRegistryMeta, name="sets.one", registry=ActionSet()):
        async def execute(self, payload: Text, context: ActionContext) -> None:
            return None

    with pytest.raises(TypeError, match="is not an action class"):
        ActionSet([Plain])
    with pytest.raises(DuplicateRegistrationError, match=r"sets\.one"):
        ActionSet([One, Other])
    with pytest.raises(TypeError, match="actions must be"):
        Dispatcher(actions=One)  # type: ignore[arg-type]
