"""Registration rules: names are unique, stubs can be implemented, built-ins replaced, tests isolated."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from beeflow_websocket.core.action_registry import ActionContext, ActionRegistryMeta
from beeflow_websocket.core.actions.health import Health
from beeflow_websocket.core.event_registry import EventRegistryMeta, WebSocketEvent
from beeflow_websocket.core.events.health import HealthEvent
from beeflow_websocket.core.payloads import WebSocketActionPayload
from beeflow_websocket.core.recipient_registry import Address, RecipientRegistryMeta, resolve_addresses
from beeflow_websocket.core.registries import isolated_registries
from beeflow_websocket.core.registry import DuplicateRegistrationError


def make_action(name: str, base: type | None = None) -> type:
    async def execute(self: object, message: WebSocketActionPayload, context: ActionContext) -> None:
        return None

    bases = (base,) if base else ()
    kwargs = {} if base else {"name": name}
    return ActionRegistryMeta(f"Action_{name}", bases, {"execute": execute, "__module__": "app.actions"}, **kwargs)


def test_a_second_unrelated_class_under_a_taken_name_names_both() -> None:
    class SendMessage(metaclass=ActionRegistryMeta, name="chat.send"):
        async def execute(self, message: WebSocketActionPayload, context: ActionContext) -> None:
            return None

    with pytest.raises(DuplicateRegistrationError) as caught:

        class PostMessage(metaclass=ActionRegistryMeta, name="chat.send"):
            async def execute(self, message: WebSocketActionPayload, context: ActionContext) -> None:
                return None

    text = str(caught.value)
    assert "SendMessage" in text
    assert "PostMessage" in text
    assert "'chat.send'" in text
    assert ActionRegistryMeta.registry["chat.send"] is SendMessage


def test_duplicate_event_and_recipient_names_are_refused_too() -> None:
    class One(WebSocketEvent, name="thing"):
        pass

    with pytest.raises(DuplicateRegistrationError, match="One"):

        class Two(WebSocketEvent, name="thing"):
            pass

    class Everyone(metaclass=RecipientRegistryMeta, name="everyone"):
        def resolve(self, recipient_id: str) -> Iterable[Address]:
            return ()

    with pytest.raises(DuplicateRegistrationError, match="Everyone"):

        class Everybody(metaclass=RecipientRegistryMeta, name="everyone"):
            def resolve(self, recipient_id: str) -> Iterable[Address]:
                return ()


def test_a_subclass_replaces_its_base_and_inherits_the_name() -> None:
    base = make_action("greet")
    child = make_action("greet", base)
    assert ActionRegistryMeta.registry["greet"] is child
    assert child.action_name == "greet"  # type: ignore[attr-defined]


def test_the_same_class_defined_again_replaces_itself() -> None:
    first = make_action("reloaded")
    second = make_action("reloaded")
    assert first is not second
    assert ActionRegistryMeta.registry["reloaded"] is second


def test_builtins_can_be_replaced_by_an_application_class_once() -> None:
    assert ActionRegistryMeta.registry.is_builtin("health")
    mine = make_action("health")
    assert ActionRegistryMeta.registry["health"] is mine
    assert not ActionRegistryMeta.registry.is_builtin("health")
    other = type("Other", (), {})
    with pytest.raises(DuplicateRegistrationError):
        ActionRegistryMeta.registry.register("health", other)


def test_isolation_restores_registrations() -> None:
    with isolated_registries():
        make_action("temporary")
        assert "temporary" in ActionRegistryMeta.registry
    assert "temporary" not in ActionRegistryMeta.registry


def test_isolation_gives_recipients_fresh_instances_and_restores_them() -> None:
    class Lobby(metaclass=RecipientRegistryMeta, name="lobby"):
        """Remembers who entered, as a 0.3.0 recipient instance may."""

        def __init__(self) -> None:
            self.members: list[str] = []

        def resolve(self, recipient_id: str) -> Iterable[str]:
            return tuple(self.members)

    lobby = RecipientRegistryMeta.resolver("lobby")
    assert isinstance(lobby, Lobby)
    lobby.members.append("ws-outside")
    assert resolve_addresses("lobby", "main") == [Address.websocket("ws-outside")]
    with isolated_registries():
        # An event to the lobby reaches no one the enclosing code let in.
        assert resolve_addresses("lobby", "main") == []
        inner = RecipientRegistryMeta.resolver("lobby")
        assert isinstance(inner, Lobby)
        inner.members.append("ws-inside")
        assert resolve_addresses("lobby", "main") == [Address.websocket("ws-inside")]
    assert RecipientRegistryMeta.resolver("lobby") is lobby
    assert resolve_addresses("lobby", "main") == [Address.websocket("ws-outside")]


def test_isolation_with_builtins_only_hides_application_classes() -> None:
    make_action("app_action")
    with isolated_registries(builtins_only=True):
        assert "app_action" not in ActionRegistryMeta.registry
        assert ActionRegistryMeta.registry["health"] is Health
        assert EventRegistryMeta.registry["health"] is HealthEvent
        assert set(RecipientRegistryMeta.registry) == {"websocket", "user", "group"}
    assert "app_action" in ActionRegistryMeta.registry


def test_registry_listing_is_sorted_and_complete() -> None:
    make_action("b")
    make_action("a")
    names = list(ActionRegistryMeta.registry)
    assert names == sorted(names)
    assert {"a", "b", "health"} <= set(names)
    assert len(ActionRegistryMeta.registry) == len(names)
    assert ActionRegistryMeta.get("a") is ActionRegistryMeta.registry["a"]
    assert ActionRegistryMeta.get("missing") is None
