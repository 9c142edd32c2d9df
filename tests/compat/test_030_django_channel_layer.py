"""0.3.0 Django code that talks to a consumer through the channel layer still reaches it.

In 0.3.0 a connection's websocket id was its consumer's channel name, and events travelled as
``{"type": "beeflow.websocket.event", "payload": <frame>}`` channel-layer messages. Code that
stored ``context.websocket_id`` and sends such a message to it (a Celery task, a view) keeps
working: the consumer delivers the event with its own ``msg_id`` and ``seq``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from beeflow_websocket.core.action_registry import ActionContext, ActionRegistryMeta
from beeflow_websocket.core.events.health import HealthEvent
from beeflow_websocket.core.payloads import WebSocketActionPayload, WebSocketEventPayload
from tests.django import conftest as django_tests  # configures Django for this process


async def test_a_channel_layer_message_to_the_stored_websocket_id_reaches_the_client() -> None:
    stored: list[str] = []

    class Subscribe(metaclass=ActionRegistryMeta, name="subscribe"):
        async def execute(self, message: WebSocketActionPayload, context: ActionContext) -> AsyncIterator[HealthEvent]:
            stored.append(context.websocket_id)
            yield HealthEvent(recipient="websocket", recipient_id=context.websocket_id, req_id=message.req_id)

    communicator = WebsocketCommunicator(django_tests.token_app(), "/ws/", subprotocols=["access-token", "token-alice"])
    connected, _ = await communicator.connect()
    assert connected
    try:
        frame = {"msg_id": str(uuid.uuid4()), "req_id": str(uuid.uuid4()), "action": "subscribe", "payload": {}}
        await communicator.send_to(text_data=json.dumps(frame))
        answer: dict[str, Any] = await communicator.receive_json_from(2)
        assert answer["event"] == "health"
        [websocket_id] = stored
        envelope = WebSocketEventPayload(
            event="invoice.paid", recipient="websocket", recipient_id=websocket_id, payload={"invoice": 7}
        )
        layer = get_channel_layer()
        assert layer is not None
        await layer.send(websocket_id, {"type": "beeflow.websocket.event", "payload": envelope.to_dict()})
        pushed: dict[str, Any] = await communicator.receive_json_from(2)
    finally:
        await communicator.disconnect()
    assert {key: pushed[key] for key in ("req_id", "seq", "event", "recipient", "recipient_id", "payload")} == {
        "req_id": None,
        "seq": 2,
        "event": "invoice.paid",
        "recipient": "websocket",
        "recipient_id": websocket_id,
        "payload": {"invoice": 7},
    }
