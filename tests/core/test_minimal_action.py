"""The 0.3.0 README's "Minimal Action", verbatim, through the in-memory test client."""

from __future__ import annotations

import textwrap

from beeflow_websocket.core.action_registry import ActionRegistryMeta
from beeflow_websocket.core.actions.health import Health as BuiltinHealth
from beeflow_websocket.testing import AsyncWebSocketTestClient, WebSocketTestClient

MINIMAL_ACTION = textwrap.dedent(
    '''
    from collections.abc import AsyncIterator

    from beeflow_websocket.core.action_registry import ActionContext, ActionRegistryMeta
    from beeflow_websocket.core.events.health import HealthEvent
    from beeflow_websocket.core.payloads import WebSocketActionPayload


    class Health(metaclass=ActionRegistryMeta, name="health"):
        """Handle a health-check WebSocket action."""

        async def execute(
            self,
            message: WebSocketActionPayload,
            context: ActionContext,
        ) -> AsyncIterator[HealthEvent]:
            """Yield a response event for the current WebSocket connection."""
            yield HealthEvent(
                recipient="websocket",
                recipient_id=context.websocket_id,
                req_id=message.req_id,
            )
    '''
)


def _define_readme_action() -> type:
    namespace: dict[str, object] = {"__name__": "readme_minimal_action"}
    exec(compile(MINIMAL_ACTION, "README.md", "exec", dont_inherit=True), namespace)
    action = namespace["Health"]
    assert isinstance(action, type)
    return action


async def test_readme_minimal_action_replaces_the_builtin_and_answers() -> None:
    action = _define_readme_action()
    assert ActionRegistryMeta.registry.get("health") is action
    assert action is not BuiltinHealth

    async with AsyncWebSocketTestClient(user_id=42, completion=False) as client:
        reply = await client.request("health", {})

    assert reply.ok
    [event] = reply.events
    assert event["event"] == "health"
    assert event["recipient"] == "websocket"
    assert event["recipient_id"] == client.websocket_id
    assert event["req_id"] == reply.req_id
    assert event["seq"] == 1
    assert event["payload"] == {"status": "ok"}
    # Without completion negotiated the client sees only 0.3.0 frames.
    assert reply.frames == [event]


def test_readme_minimal_action_from_a_sync_test() -> None:
    _define_readme_action()
    with WebSocketTestClient(user_id="c0ffee", completion=True) as client:
        reply = client.request("health")
    assert [frame["event"] for frame in reply.events] == ["health"]
    assert reply.completion == {
        "msg_id": reply.completion["msg_id"] if reply.completion else None,
        "req_id": reply.req_id,
        "completed": "health",
        "events": 1,
    }


async def test_builtin_health_action_without_any_application_code() -> None:
    async with AsyncWebSocketTestClient() as client:
        reply = await client.request("health")
    assert reply.payloads("health") == [{"status": "ok"}]


async def test_the_sync_client_refuses_to_run_inside_an_event_loop() -> None:
    import pytest

    client = WebSocketTestClient()
    with pytest.raises(RuntimeError, match="AsyncWebSocketTestClient"):
        client.request("health")
