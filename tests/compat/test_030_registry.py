"""0.3.0's ``REGISTRY`` dicts, read and written the way 0.3.0 code and tests did."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from beeflow_websocket.core.action_registry import ActionContext, ActionRegistryMeta
from beeflow_websocket.core.actions.health import Health
from beeflow_websocket.core.event_registry import EventRegistryMeta
from beeflow_websocket.core.events.health import HealthEvent
from beeflow_websocket.core.payloads import WebSocketActionPayload, WebSocketEventPayload
from beeflow_websocket.core.recipient_registry import RecipientRegistryMeta
from beeflow_websocket.core.recipients.websocket import WebSocketRecipient
from beeflow_websocket.testing import AsyncWebSocketTestClient


def test_the_registries_name_the_builtins() -> None:
    assert ActionRegistryMeta.REGISTRY["health"] is Health
    assert ActionRegistryMeta.REGISTRY.get("health") is Health
    assert EventRegistryMeta.REGISTRY["health"] is HealthEvent
    assert RecipientRegistryMeta.REGISTRY["websocket"] is WebSocketRecipient
    assert "missing" not in ActionRegistryMeta.REGISTRY
    assert ActionRegistryMeta.REGISTRY.get("missing") is None
    with pytest.raises(KeyError):
        ActionRegistryMeta.REGISTRY["missing"]
    # Reachable from the classes too, as a metaclass attribute is.
    assert Health.REGISTRY is ActionRegistryMeta.REGISTRY  # type: ignore[attr-defined]


def test_the_registries_are_live_and_follow_every_registration() -> None:
    before = dict(ActionRegistryMeta.REGISTRY)

    class Ping(metaclass=ActionRegistryMeta, name="ping"):
        async def execute(self, message: WebSocketActionPayload, context: ActionContext) -> AsyncIterator[HealthEvent]:
            yield HealthEvent(recipient="websocket", recipient_id=context.websocket_id, req_id=message.req_id)

    class Pinged(metaclass=EventRegistryMeta):  # 0.3.0: no name= registers under the class name
        async def emit(self) -> WebSocketEventPayload:
            raise NotImplementedError

    class Everyone(metaclass=RecipientRegistryMeta, name="everyone"):
        async def resolve(self, recipient_id: str) -> tuple[str, ...]:
            return ()

    assert ActionRegistryMeta.REGISTRY["ping"] is Ping
    assert dict(ActionRegistryMeta.REGISTRY) == {**before, "ping": Ping}
    assert set(ActionRegistryMeta.REGISTRY.keys()) == set(before) | {"ping"}
    assert Ping in ActionRegistryMeta.REGISTRY.values()
    assert ("ping", Ping) in ActionRegistryMeta.REGISTRY.items()
    assert len(ActionRegistryMeta.REGISTRY) == len(before) + 1
    assert EventRegistryMeta.REGISTRY["Pinged"] is Pinged
    assert RecipientRegistryMeta.REGISTRY["everyone"] is Everyone
    assert sorted(RecipientRegistryMeta.REGISTRY) == ["everyone", "group", "user", "websocket"]


def test_030_registration_keywords() -> None:
    class Base(metaclass=ActionRegistryMeta):
        __register__ = False

        async def execute(self, message: WebSocketActionPayload, context: ActionContext) -> AsyncIterator[HealthEvent]:
            yield HealthEvent(recipient="websocket", recipient_id=context.websocket_id, req_id=message.req_id)

    class Named(Base):
        __plugin_name__ = "named.by.attribute"

    class ByClassName(metaclass=ActionRegistryMeta):
        async def execute(self, message: WebSocketActionPayload, context: ActionContext) -> AsyncIterator[HealthEvent]:
            yield HealthEvent(recipient="websocket", recipient_id=context.websocket_id, req_id=message.req_id)

    assert Base not in ActionRegistryMeta.REGISTRY.values()
    assert ActionRegistryMeta.REGISTRY["named.by.attribute"] is Named
    assert ActionRegistryMeta.REGISTRY["ByClassName"] is ByClassName


async def test_writing_the_registry_registers_and_deleting_unregisters(monkeypatch: pytest.MonkeyPatch) -> None:
    class Mine(metaclass=ActionRegistryMeta, name="mine"):
        async def execute(self, message: WebSocketActionPayload, context: ActionContext) -> AsyncIterator[HealthEvent]:
            yield HealthEvent(recipient="websocket", recipient_id=context.websocket_id, req_id=message.req_id)

    del ActionRegistryMeta.REGISTRY["mine"]
    async with AsyncWebSocketTestClient() as client:
        assert (await client.request("mine")).problem["code"] == "unknown_websocket_action"  # type: ignore[index]
        ActionRegistryMeta.REGISTRY["mine"] = Mine
        assert (await client.request("mine")).payloads("health") == [{"status": "ok"}]
    monkeypatch.delitem(ActionRegistryMeta.REGISTRY, "mine")
    assert "mine" not in ActionRegistryMeta.REGISTRY
    with pytest.raises(ValueError, match="name='other'"):
        ActionRegistryMeta.REGISTRY["other"] = Mine


async def test_a_recipient_assigned_to_the_registry_resolves() -> None:
    class Nobody:
        async def resolve(self, recipient_id: str) -> tuple[str, ...]:
            return ()

    RecipientRegistryMeta.REGISTRY["websocket"] = Nobody
    async with AsyncWebSocketTestClient(completion=True) as client:
        reply = await client.request("health")
    assert reply.events == []
    assert reply.completion is not None
    assert reply.completion["events"] == 0


def test_the_030_save_and_restore_idiom() -> None:
    saved = ActionRegistryMeta.REGISTRY.copy()
    assert saved == dict(ActionRegistryMeta.REGISTRY)

    class Temporary(metaclass=ActionRegistryMeta, name="temporary"):
        async def execute(self, message: WebSocketActionPayload, context: ActionContext) -> AsyncIterator[HealthEvent]:
            yield HealthEvent(recipient="websocket", recipient_id=context.websocket_id, req_id=message.req_id)

    assert "temporary" in ActionRegistryMeta.REGISTRY
    ActionRegistryMeta.REGISTRY.clear()
    assert len(ActionRegistryMeta.REGISTRY) == 0
    ActionRegistryMeta.REGISTRY.update(saved)
    assert ActionRegistryMeta.REGISTRY.copy() == saved
    assert "temporary" not in ActionRegistryMeta.REGISTRY
