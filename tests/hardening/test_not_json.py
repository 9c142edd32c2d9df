"""Frames that are not JSON text (NaN and Infinity, lone surrogates): 400, and the connection lives."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from pydantic import BaseModel

from beeflow_websocket.core.action_registry import ActionContext, ActionRegistryMeta
from beeflow_websocket.core.event_registry import WebSocketEvent
from beeflow_websocket.testing import WebSocketTestClient


class Measured(BaseModel):
    value: float
    label: str = ""


class Reading(WebSocketEvent, name="hardening.reading"):
    payload: dict[str, Any]


@pytest.fixture
def client() -> WebSocketTestClient:
    class Measure(metaclass=ActionRegistryMeta, name="measure"):
        async def execute(self, payload: Measured, context: ActionContext) -> list[Any]:
            return [Reading(recipient="websocket", recipient_id=context.websocket_id, payload={"label": payload.label})]

    del Measure
    return WebSocketTestClient()


def frame(payload: str) -> str:
    return f'{{"msg_id":"{uuid.uuid4()}","req_id":"{uuid.uuid4()}","action":"measure","payload":{payload}}}'


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize("as_bytes", [False, True])
def test_a_typed_float_never_receives_a_non_json_number(
    client: WebSocketTestClient, literal: str, as_bytes: bool
) -> None:
    with client:
        text = frame(f'{{"value":{literal}}}')
        (answer,) = client.send_frame(text.encode() if as_bytes else text)
        assert (answer["status"], answer["code"]) == (400, "invalid_websocket_message")
        assert "not valid JSON" in answer["detail"]
        assert client.request("measure", {"value": 1.5}).ok  # the connection lives


def test_the_letters_inside_a_string_are_only_text(client: WebSocketTestClient) -> None:
    with client:
        answers = client.send_frame(frame(json.dumps({"value": 2.0, "label": "NaN and -Infinity"})))
        assert [answer.get("event") for answer in answers] == ["hardening.reading", None]
        assert answers[0]["payload"] == {"label": "NaN and -Infinity"}


def test_a_text_frame_holding_a_lone_surrogate_is_refused_and_the_connection_lives(
    client: WebSocketTestClient,
) -> None:
    # Found by fuzzing: pydantic cannot parse such a str and raised TypeError out of the decoder.
    with client:
        (answer,) = client.send_frame(frame('{"value":1}').replace('"measure"', '"\ud800"'))
        assert (answer["status"], answer["code"]) == (400, "invalid_websocket_message")
        assert client.request("measure", {"value": 1.5}).ok
