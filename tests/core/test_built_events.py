"""Events the runtime builds or writes without validating them again: the same objects and the same
bytes as the validated way."""

from __future__ import annotations

import datetime
import decimal
import json
import uuid
from typing import Any
from uuid import UUID

import pytest
from pydantic import BaseModel, Field

from beeflow_websocket.core.action_registry import ActionContext
from beeflow_websocket.core.actions.health import Health
from beeflow_websocket.core.dispatcher import Dispatcher
from beeflow_websocket.core.events.health import HealthEvent, HealthEventPayload, health_answer
from beeflow_websocket.core.frames import emitted_members, encode_event
from beeflow_websocket.core.payloads import WebSocketActionPayload, WebSocketEventPayload

WEBSOCKET_ID = "0b4f9a9e-52b1-4f0b-9d3e-2c6f1f0f6a11"
REQ_ID = "5d0c8a0e-7b3a-4c1e-8f55-0e9e6a1c2b3d"


def _validated_body(event: HealthEvent) -> str:
    return event.__pydantic_serializer__.to_json(event, by_alias=True).decode()[1:]


def test_health_answer_is_the_validated_event() -> None:
    built = health_answer(WEBSOCKET_ID, REQ_ID)
    validated = HealthEvent(recipient="websocket", recipient_id=WEBSOCKET_ID, req_id=REQ_ID)
    assert type(built) is HealthEvent
    assert built == validated
    assert repr(built) == repr(validated)
    assert built.model_fields_set == validated.model_fields_set
    assert built.model_dump() == validated.model_dump()
    assert built.model_copy(update={"recipient": "user"}).recipient == "user"
    with pytest.raises(ValueError, match="frozen"):
        built.recipient = "user"  # type: ignore[misc]


def test_health_answer_validates_what_a_connection_would_not_hold() -> None:
    event = health_answer(5, REQ_ID)  # type: ignore[arg-type]
    assert event.recipient_id == "5"  # as the validated event coerces it


async def test_health_action_answers_with_the_frames_req_id() -> None:
    message = WebSocketActionPayload(msg_id=str(uuid.uuid4()), req_id=REQ_ID, action="health", payload={})
    [event] = [event async for event in Health().execute(message, ActionContext(WEBSOCKET_ID, 1))]
    envelope = await event.emit()
    assert envelope.req_id == UUID(REQ_ID)
    assert envelope.recipient_id == WEBSOCKET_ID


@pytest.mark.parametrize(
    "recipient_id",
    [WEBSOCKET_ID, UUID(WEBSOCKET_ID), 'a "quoted" id', "zażółć \u2028 id", 42],
)
def test_health_body_is_pydantics_every_time(recipient_id: Any) -> None:
    event = HealthEvent(recipient="user", recipient_id=recipient_id)
    expected = _validated_body(event)
    assert event.frame_body() == expected
    assert event.frame_body() == expected  # the second time from the cache
    assert json.loads("{" + encode_event(event))["recipient_id"] == str(recipient_id)


def test_health_body_of_an_event_with_another_payload_is_not_taken_from_the_cache() -> None:
    HealthEvent(recipient="websocket", recipient_id="ws-1").frame_body()  # cached for ("websocket", "ws-1")
    other = HealthEvent.model_construct(recipient="websocket", recipient_id="ws-1", payload={"status": "down"})
    with pytest.warns(UserWarning, match="serializ"):  # a dict where a HealthEventPayload belongs
        body = other.frame_body()
    assert json.loads("{" + body)["payload"] == {"status": "down"}

    class LoudHealth(HealthEvent):
        volume: int = 11

    loud = LoudHealth(recipient="websocket", recipient_id="ws-1", payload=HealthEventPayload())
    assert json.loads("{" + loud.frame_body())["volume"] == 11


async def test_health_frame_bytes() -> None:
    sent: list[str] = []

    async def send(text: str) -> None:
        sent.append(text)

    async def close(code: int, reason: str) -> None:
        raise AssertionError(f"closed with {code}")

    frame = json.dumps({"msg_id": str(uuid.uuid4()), "req_id": REQ_ID, "action": "health", "payload": {}})
    async with Dispatcher().connect(send=send, close=close, websocket_id=WEBSOCKET_ID) as connection:
        await connection.receive(frame)
        await connection.receive(frame)
    first, second = (json.loads(text) for text in sent)
    assert sent[0] == (
        f'{{"msg_id":"{first["msg_id"]}","req_id":"{REQ_ID}","seq":1,"event":"health","recipient":"websocket",'
        f'"recipient_id":"{WEBSOCKET_ID}","payload":{{"status":"ok"}}}}'
    )
    assert second["seq"] == 2
    assert second["msg_id"] != first["msg_id"]


def _members(tail: str) -> dict[str, Any]:
    members: dict[str, Any] = json.loads("{" + tail)
    return members


PAYLOAD = {"text": "hello", "ratio": 0.5, "nested": {"list": [1, 2]}}


class Inner(BaseModel):
    a_b: int = Field(alias="aB")


PAYLOADS: list[dict[str, Any]] = [
    PAYLOAD,
    {"small": 1e-7, "large": 1.5e300, "nan": float("nan"), "inf": float("inf"), "negative zero": -0.0, "big": 10**30},
    {"text": 'zażółć \u2028 \x00 "q" \\ </script> 😀', "none": None, "list": [1, (2, 3), {"x": [True]}]},
    {
        "when": datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
        "for": datetime.timedelta(seconds=90),
        "bytes": b"bytes",
        "uuid": UUID(REQ_ID),
        "decimal": decimal.Decimal("1.10"),
    },
    {"model": Inner(aB=3)},
    {},
]


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("req_id", [UUID(REQ_ID), None])
def test_an_emitted_envelope_is_written_as_the_whole_envelope_would_be(
    payload: dict[str, Any], req_id: UUID | None
) -> None:
    envelope = WebSocketEventPayload(
        req_id=req_id, event=" caf\u00e9 ", recipient="websocket", recipient_id='id "x"', payload=payload
    )
    whole = envelope.model_dump_json()
    tail, recipient, recipient_id, written = emitted_members(object(), envelope)
    members = whole.split('"seq":null,', 1)[1]
    assert tail == members
    assert (recipient, recipient_id) == ("websocket", 'id "x"')
    assert written == (None if req_id is None else REQ_ID)


@pytest.mark.parametrize("req_id", [UUID(REQ_ID), None])
def test_an_emitted_envelope_is_written_as_its_members(req_id: UUID | None) -> None:
    envelope = WebSocketEventPayload(
        req_id=req_id, event="news", recipient="websocket", recipient_id="ws-1", payload=PAYLOAD
    )
    tail, recipient, recipient_id, written = emitted_members(object(), envelope)
    assert _members(tail) == {"event": "news", "recipient": "websocket", "recipient_id": "ws-1", "payload": PAYLOAD}
    assert (recipient, recipient_id) == ("websocket", "ws-1")
    assert written == (None if req_id is None else REQ_ID)


def test_an_envelope_with_unvalidated_values_is_written_the_general_way() -> None:
    envelope = WebSocketEventPayload.model_construct(
        req_id="not-a-uuid", event="news", recipient="websocket", recipient_id="ws-1", payload=PAYLOAD
    )
    tail, _, _, written = emitted_members(object(), envelope)
    assert _members(tail)["payload"] == PAYLOAD
    assert written == "not-a-uuid"


def test_an_envelope_with_delivery_metadata_leaves_it_out() -> None:
    envelope = WebSocketEventPayload(
        event="news", recipient="websocket", recipient_id="ws-1", payload=PAYLOAD
    ).with_dispatch_metadata(msg_id=uuid.uuid4(), seq=3)
    tail, _, _, written = emitted_members(object(), envelope)
    assert set(_members(tail)) == {"event", "recipient", "recipient_id", "payload"}
    assert written is None


def test_emit_must_return_an_envelope() -> None:
    class Wrong:
        pass

    with pytest.raises(TypeError, match=r"Wrong\.emit\(\) must return a WebSocketEventPayload"):
        emitted_members(Wrong(), {"event": "news"})
