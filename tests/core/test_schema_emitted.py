"""Every frame the runtime sends validates against its schema in ``schema/frames/``.

Real connections (:class:`AsyncWebSocketTestClient`) are driven with health requests, broken
frames, unknown actions, invalid payloads, failing handlers and deliveries to other connections;
whatever they receive is checked against the event, problem or completion schema, and against the
frame rules of ``schema/README.md`` (fresh ``msg_id``, ``seq`` without gaps, one terminal frame).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from beeflow_websocket.core.action_registry import ActionContext, ActionRegistryMeta
from beeflow_websocket.core.config import ProtocolConfig
from beeflow_websocket.core.dispatcher import Dispatcher
from beeflow_websocket.core.event_registry import WebSocketEvent
from beeflow_websocket.core.problems import ActionNotImplemented, WebSocketProblem
from beeflow_websocket.testing import AsyncWebSocketTestClient, WebSocketTestClient
from tests import schema_oracle as oracle
from tests.core.conftest import Kit

Frame = dict[str, Any]


def kind_of(frame: Frame) -> str:
    """Tell frames apart the way a client does."""
    if "completed" in frame:
        return "completion"
    if "event" in frame:
        return "event"
    return "problem"


def check_frames(received: list[Frame]) -> list[str]:
    """Validate every frame a connection received, and the per-connection rules; return the kinds."""
    kinds = [kind_of(frame) for frame in received]
    for kind, frame in zip(kinds, received, strict=True):
        assert oracle.accepts(oracle.FRAME_FILES[kind], frame), (kind, frame)
        if kind != "event":
            assert "seq" not in frame, frame
        if kind == "problem":
            assert frame["instance"] == f"urn:uuid:{frame['msg_id']}"
    seqs = [frame["seq"] for kind, frame in zip(kinds, received, strict=True) if kind == "event"]
    assert seqs == list(range(1, len(seqs) + 1))
    msg_ids = [frame["msg_id"] for frame in received]
    assert len(set(msg_ids)) == len(msg_ids)
    return kinds


def action_frame(action: str, payload: Any = None, **members: Any) -> str:
    frame = {
        "msg_id": str(uuid.uuid4()),
        "req_id": str(uuid.uuid4()),
        "action": action,
        "payload": {} if payload is None else payload,
    }
    return json.dumps({**frame, **members})


async def test_health_with_completion() -> None:
    async with AsyncWebSocketTestClient() as client:
        reply = await client.request("health")
        assert check_frames(client.received) == ["event", "completion"]
        event, completion = reply.frames
        assert event["event"] == "health"
        assert event["recipient"] == "websocket"
        assert event["recipient_id"] == client.websocket_id
        assert oracle.accepts("payloads/health-event.json", event["payload"])
        assert completion == {
            "msg_id": completion["msg_id"],
            "req_id": reply.req_id,
            "completed": "health",
            "events": 1,
        }


async def test_health_without_completion_sends_only_0_3_0_frames() -> None:
    async with AsyncWebSocketTestClient(completion=False) as client:
        await client.request("health")
        await client.request("health")
        assert check_frames(client.received) == ["event", "event"]


BAD_FRAMES = [
    pytest.param("{not json", "invalid_websocket_message", False, id="not-json"),
    pytest.param("", "invalid_websocket_message", False, id="empty"),
    pytest.param("[]", "invalid_websocket_message", False, id="array"),
    pytest.param('"health"', "invalid_websocket_message", False, id="string"),
    pytest.param("null", "invalid_websocket_message", False, id="null"),
    pytest.param("{}", "invalid_websocket_message", False, id="empty-object"),
    pytest.param(action_frame("health", msg_id="nope"), "invalid_websocket_message", True, id="bad-msg-id"),
    pytest.param(
        action_frame("health", msg_id=str(uuid.uuid4()) + "\n"), "invalid_websocket_message", True, id="newline"
    ),
    pytest.param(action_frame("health", req_id="{" + str(uuid.uuid4()) + "}"), "invalid_websocket_message", False),
    pytest.param(action_frame("health", req_id=str(uuid.uuid4()) + "\n"), "invalid_websocket_message", False),
    pytest.param(action_frame("health", req_id=str(uuid.uuid4()).upper()), None, True, id="upper-case"),
    pytest.param(action_frame("health", req_id=None), "invalid_websocket_message", False, id="null-req-id"),
    pytest.param(action_frame(" \t"), "invalid_websocket_message", True, id="blank-action"),
    pytest.param(action_frame("\u3000"), "unknown_websocket_action", True, id="ideographic-space"),
    pytest.param(action_frame("health", payload=[]), "invalid_websocket_message", True, id="payload-list"),
    pytest.param(action_frame("health", payload="{}"), "invalid_websocket_message", True, id="payload-text"),
    pytest.param(action_frame("no.such.action"), "unknown_websocket_action", True, id="unknown"),
    pytest.param(action_frame("health", extra=[1]), None, True, id="extra-member"),
]


@pytest.mark.parametrize(("text", "code", "echoes_req_id"), BAD_FRAMES)
async def test_answers_to_bad_frames(text: str, code: str | None, echoes_req_id: bool) -> None:
    async with AsyncWebSocketTestClient() as client:
        answers = await client.send_frame(text)
        kinds = check_frames(answers)
        if code is None:
            assert kinds == ["event", "completion"]
            return
        assert kinds == ["problem"]
        (problem,) = answers
        assert problem["code"] == code
        assert problem["status"] == 400
        assert problem["type"] == "about:blank"
        assert problem["req_id"] == (json.loads(text)["req_id"] if echoes_req_id else None)


async def test_invalid_frame_errors_point_into_the_frame() -> None:
    async with AsyncWebSocketTestClient() as client:
        (problem,) = await client.send_frame(json.dumps({"msg_id": "x", "action": "", "payload": 1}))
        check_frames([problem])
        pointers = {error["pointer"] for error in problem["errors"]}
        assert pointers == {"/msg_id", "/req_id", "/action", "/payload"}


async def test_invalid_payload(kit: Kit) -> None:
    config = ProtocolConfig(problem_type_base_url="https://example.com/problems/")
    async with AsyncWebSocketTestClient(config=config) as client:
        reply = await client.request("echo", {"count": 9, "mood": "bored", "extra": 1})
        assert check_frames(client.received) == ["problem"]
        problem = reply.problem
        assert problem is not None
        assert problem["status"] == 422
        assert problem["code"] == "invalid_websocket_payload"
        assert problem["type"] == "https://example.com/problems/invalid-payload"
        assert {error["pointer"] for error in problem["errors"]} == {
            "/payload/text",
            "/payload/count",
            "/payload/mood",
            "/payload/extra",
        }


async def test_message_too_large_then_close() -> None:
    async with AsyncWebSocketTestClient(config=ProtocolConfig(max_message_size=64)) as client:
        answers = await client.send_frame(action_frame("health"))
        assert check_frames(answers) == ["problem"]
        assert answers[0]["status"] == 413
        assert answers[0]["code"] == "websocket_message_too_large"
        assert answers[0]["req_id"] is None
        assert client.close_code == 1009
        assert await client.send_frame(action_frame("health")) == []


async def test_handler_problems(kit: Kit) -> None:
    class Stub(metaclass=ActionRegistryMeta, name="stub"):
        payload_model = None

        async def execute(self, message: Any, context: ActionContext) -> list[Any]:
            raise ActionNotImplemented("stub")

    async with AsyncWebSocketTestClient() as client:
        forbid = await client.request("forbid")
        stub = await client.request("stub")
        fail = await client.request("fail")
        assert check_frames(client.received) == ["problem", "problem", "event", "problem"]
    assert [reply.problem["status"] for reply in (forbid, stub, fail) if reply.problem] == [403, 501, 500]
    assert [reply.problem["code"] for reply in (forbid, stub, fail) if reply.problem] == [
        "room_forbidden",
        "websocket_action_not_implemented",
        "internal_websocket_error",
    ]
    assert "hunter2" not in json.dumps(fail.frames)
    assert fail.completion is None


async def test_other_connections_get_req_id_null(kit: Kit) -> None:
    dispatcher = Dispatcher()
    async with (
        AsyncWebSocketTestClient(dispatcher, user_id=1) as alice,
        AsyncWebSocketTestClient(dispatcher, user_id=2) as bob,
        AsyncWebSocketTestClient(dispatcher, user_id=3, completion=False) as carol,
    ):
        await bob.request("room.join", {"room": "r"})
        await carol.request("room.join", {"room": "r"})
        await alice.request("room.join", {"room": "r"})
        said = await alice.request("room.say", {"room": "r", "text": "hi"})
        notified = await alice.request("notify_user", {"user_id": "2", "text": "psst"})
        await dispatcher.push(kit.echo_event(recipient="user", recipient_id=3, payload={"text": "pushed"}))
        for client in (alice, bob, carol):
            check_frames(client.received)
        assert said.completion is not None
        assert said.completion["events"] == 1
        assert notified.completion is not None
        assert notified.completion["events"] == 0
        assert [frame["req_id"] for frame in bob.received if "event" in frame] == [None, None]
        assert [kind_of(frame) for frame in carol.received] == ["event", "event"]
        assert all(frame["req_id"] is None for frame in carol.received)
        assert carol.received[1]["recipient_id"] == "3"


ACTIONS = st.sampled_from(
    [
        ("health", {}),
        ("echo", {"text": "hi", "count": 2}),
        ("echo", {"text": ""}),
        ("legacy_echo", {"text": "x"}),
        ("room.join", {"room": "r"}),
        ("room.say", {"room": "r", "text": "x"}),
        ("notify_user", {"user_id": "1", "text": "self"}),
        ("forbid", {}),
        ("fail", {}),
        ("missing", {}),
    ]
)


@pytest.mark.parametrize("completion", [True, False])
def test_action_sequences_obey_the_frame_rules(kit: Kit, completion: bool) -> None:
    """Random sequences of actions: every frame validates, and with completion every action ends
    with exactly one terminal frame (its last frame) carrying its req_id."""

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(actions=st.lists(ACTIONS, max_size=6))
    def check(actions: list[tuple[str, dict[str, Any]]]) -> None:
        with WebSocketTestClient(completion=completion) as client:
            for action, payload in actions:
                reply = client.request(action, payload)
                kinds = [kind_of(frame) for frame in reply.frames]
                if not completion:
                    assert "completion" not in kinds
                    continue
                assert kinds, action
                assert kinds[-1] in {"completion", "problem"}
                assert kinds[:-1] == ["event"] * (len(kinds) - 1)
                if kinds[-1] == "completion":
                    assert reply.frames[-1]["completed"] == action
                    assert reply.frames[-1]["events"] == len(kinds) - 1
            check_frames(client.received)

    check()


# Frames the runtime could once be made to send that break the schemas. --------------------


async def test_problem_extensions_cannot_disguise_a_problem(kit: Kit) -> None:
    class Conflict(metaclass=ActionRegistryMeta, name="conflict"):
        payload_model = None

        async def execute(self, message: Any, context: ActionContext) -> list[Any]:
            raise WebSocketProblem(409, "conflict", extensions={"seq": 7, "event": "echoed", "completed": "x"})

    async with AsyncWebSocketTestClient() as client:
        (answer,) = await client.send_frame(action_frame("conflict"))
    assert not {"seq", "event", "completed"} & set(answer), answer


async def test_event_payloads_are_objects() -> None:
    try:

        class Listed(WebSocketEvent, name="listed"):
            payload: list[int]  # type: ignore[assignment]

    except (TypeError, ValueError):
        return  # refused when declared: fine

    class ListIt(metaclass=ActionRegistryMeta, name="list_it"):
        payload_model = None

        async def execute(self, message: Any, context: ActionContext) -> AsyncIterator[Listed]:
            yield Listed(recipient="websocket", recipient_id=context.websocket_id, payload=[1, 2])

    async with AsyncWebSocketTestClient() as client:
        await client.send_frame(action_frame("list_it"))
    check_frames(client.received)
