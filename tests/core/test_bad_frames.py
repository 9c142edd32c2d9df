"""Every bad frame gets an RFC 9457 problem, and the connection keeps working afterwards."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

import pytest

from beeflow_websocket.core.config import ProtocolConfig
from beeflow_websocket.testing import AsyncWebSocketTestClient

from .conftest import Kit

REQ_ID = "0b5a6a2e-4a9c-4b8e-9d1e-6f1c2a3b4c5d"
MSG_ID = "1f0e2d3c-4b5a-4697-8887-a6b5c4d3e2f1"


def frame(**overrides: Any) -> str:
    body: dict[str, Any] = {"msg_id": MSG_ID, "req_id": REQ_ID, "action": "health", "payload": {}}
    for key, value in overrides.items():
        if value is ...:
            body.pop(key)
        else:
            body[key] = value
    return json.dumps(body)


async def assert_still_alive(client: AsyncWebSocketTestClient) -> None:
    reply = await client.request("health")
    assert reply.payloads("health") == [{"status": "ok"}]
    assert not client.closed


def only_problem(frames: list[dict[str, Any]]) -> dict[str, Any]:
    assert len(frames) == 1, frames
    [problem] = frames
    assert "seq" not in problem
    assert problem["instance"] == f"urn:uuid:{problem['msg_id']}"
    uuid.UUID(problem["msg_id"])
    return problem


INVALID_FRAMES = {
    "not json": ("hello", None),
    "truncated json": ('{"msg_id": ', None),
    "json array": ("[1, 2]", None),
    "json string": ('"health"', None),
    "binary garbage": (b"\xff\xfe\x00", None),
    "missing msg_id": (frame(msg_id=...), REQ_ID),
    "missing req_id": (frame(req_id=...), None),
    "bad msg_id": (frame(msg_id="not-a-uuid"), REQ_ID),
    "bad req_id": (frame(req_id="1234"), None),
    "numeric req_id": (frame(req_id=7), None),
    "uuid without dashes": (frame(msg_id=MSG_ID.replace("-", "")), REQ_ID),
    "missing action": (frame(action=...), REQ_ID),
    "blank action": (frame(action="   "), REQ_ID),
    "empty action": (frame(action=""), REQ_ID),
    "numeric action": (frame(action=5), REQ_ID),
    "missing payload": (frame(payload=...), REQ_ID),
    "payload is a list": (frame(payload=[1]), REQ_ID),
    "payload is null": (frame(payload=None), REQ_ID),
}


@pytest.mark.parametrize(("raw", "echoed_req_id"), INVALID_FRAMES.values(), ids=INVALID_FRAMES.keys())
async def test_invalid_frame_gets_400_and_connection_lives_on(raw: str | bytes, echoed_req_id: str | None) -> None:
    async with AsyncWebSocketTestClient() as client:
        problem = only_problem(await client.send_frame(raw))
        assert problem["status"] == 400
        assert problem["code"] == "invalid_websocket_message"
        assert problem["type"] == "about:blank"
        assert problem["title"] == "Invalid WebSocket message"
        assert problem["req_id"] == echoed_req_id
        await assert_still_alive(client)


async def test_valid_binary_frame_is_accepted() -> None:
    async with AsyncWebSocketTestClient() as client:
        frames = await client.send_frame(frame().encode())
    assert [f.get("event") for f in frames if "event" in f] == ["health"]


async def test_invalid_frame_lists_the_failing_members() -> None:
    async with AsyncWebSocketTestClient() as client:
        problem = only_problem(await client.send_frame(frame(msg_id="x", payload=[])))
    assert {item["pointer"] for item in problem["errors"]} == {"/msg_id", "/payload"}


async def test_unknown_action_names_it() -> None:
    async with AsyncWebSocketTestClient() as client:
        problem = only_problem(await client.send_frame(frame(action="chat.send")))
        assert problem["status"] == 400
        assert problem["code"] == "unknown_websocket_action"
        assert problem["req_id"] == REQ_ID
        assert "chat.send" in problem["detail"]
        await assert_still_alive(client)


async def test_problem_type_uses_the_configured_base_url() -> None:
    config = ProtocolConfig(problem_type_base_url="https://example.com/problems/websocket/")
    async with AsyncWebSocketTestClient(config=config) as client:
        unknown = only_problem(await client.send_frame(frame(action="nope")))
        invalid = only_problem(await client.send_frame("nope"))
    assert unknown["type"] == "https://example.com/problems/websocket/unknown-action"
    assert invalid["type"] == "https://example.com/problems/websocket/invalid-message"


async def test_payload_failing_its_model_gets_422_with_pointers(kit: Kit) -> None:
    async with AsyncWebSocketTestClient() as client:
        reply = await client.request("echo", {"text": "", "count": "2", "mood": "angry", "extra": 1})
        problem = reply.problem
        assert problem is not None
        assert problem["status"] == 422
        assert problem["code"] == "invalid_websocket_payload"
        assert problem["req_id"] == reply.req_id
        pointers = {item["pointer"]: item["detail"] for item in problem["errors"]}
        assert set(pointers) == {"/payload/text", "/payload/count", "/payload/mood", "/payload/extra"}
        assert all(pointers.values())
        assert kit.seen == []  # the handler never ran
        assert (await client.request("echo", {"text": "ok"})).payloads("echoed") == [{"text": "ok"}]


async def test_json_pointer_escapes_slash_and_tilde(kit: Kit) -> None:
    async with AsyncWebSocketTestClient() as client:
        reply = await client.request("echo", {"text": "x", "a/b~c": 1})
    assert reply.problem is not None
    assert [item["pointer"] for item in reply.problem["errors"]] == ["/payload/a~1b~0c"]


async def test_frame_over_the_size_limit_gets_a_problem_then_close_1009() -> None:
    config = ProtocolConfig(max_message_size=200)
    async with AsyncWebSocketTestClient(config=config) as client:
        problem = only_problem(await client.send_frame(frame(payload={"pad": "x" * 300})))
        assert problem["status"] == 413
        assert problem["code"] == "websocket_message_too_large"
        assert client.close_code == 1009
        # Nothing more is read from a closed connection.
        assert await client.send_frame(frame()) == []


async def test_size_limit_counts_utf8_bytes_not_characters() -> None:
    config = ProtocolConfig(max_message_size=300)
    async with AsyncWebSocketTestClient(config=config) as client:
        # 100 characters, 400 bytes in UTF-8.
        problem = only_problem(await client.send_frame(frame(payload={"p": "\U0001f41d" * 100})))
    assert problem["code"] == "websocket_message_too_large"


async def test_default_limit_is_one_mebibyte() -> None:
    async with AsyncWebSocketTestClient() as client:
        assert (await client.send_frame(frame(payload={"pad": "x" * 1_000_000})))[0]["event"] == "health"
        problem = only_problem(await client.send_frame(frame(payload={"pad": "x" * (1024 * 1024)})))
    assert problem["code"] == "websocket_message_too_large"


async def test_handler_exception_gets_500_without_internals(kit: Kit, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="beeflow_websocket")
    async with AsyncWebSocketTestClient() as client:
        reply = await client.request("fail")
        # Events yielded before the failure were sent; the problem closes the request.
        assert [frame.get("event", frame.get("code")) for frame in reply.frames] == [
            "echoed",
            "internal_websocket_error",
        ]
        problem = reply.problem
        assert problem is not None
        assert problem["status"] == 500
        assert "hunter2" not in json.dumps(problem)
        assert "RuntimeError" not in json.dumps(problem)
        assert reply.completion is None
        await assert_still_alive(client)
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert record.exc_info is not None
    assert "hunter2" in str(record.exc_info[1])
    assert problem["msg_id"] in record.getMessage()


async def test_handler_can_answer_with_its_own_problem(kit: Kit) -> None:
    async with AsyncWebSocketTestClient() as client:
        reply = await client.request("forbid")
        assert reply.problem == {
            "type": "about:blank",
            "title": "Forbidden",
            "status": 403,
            "detail": "You may not enter this room.",
            "code": "room_forbidden",
            "instance": f"urn:uuid:{reply.problem['msg_id']}" if reply.problem else None,
            "msg_id": reply.problem["msg_id"] if reply.problem else None,
            "req_id": reply.req_id,
        }
        await assert_still_alive(client)


def test_problems_refuse_malformed_errors_and_reserved_extensions() -> None:
    from beeflow_websocket.core.problems import WebSocketProblem

    with pytest.raises(ValueError, match="pointer"):
        WebSocketProblem(409, "conflict", errors=[{"pointer": 1}])  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="seq"):
        WebSocketProblem(409, "conflict", extensions={"seq": 3})
    with pytest.raises(ValueError, match="4xx or 5xx"):
        WebSocketProblem(200, "ok")
    problem = WebSocketProblem(409, "conflict", extensions={"retry_after": 3})
    assert (problem.slug, problem.title, problem.extensions) == ("conflict", "Conflict", {"retry_after": 3})


async def test_a_deliberate_5xx_problem_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    from beeflow_websocket.core.action_registry import ActionContext, ActionRegistryMeta
    from beeflow_websocket.core.payloads import WebSocketActionPayload
    from beeflow_websocket.core.problems import WebSocketProblem

    class Down(metaclass=ActionRegistryMeta, name="down"):
        async def execute(self, message: WebSocketActionPayload, context: ActionContext) -> list[Any]:
            raise WebSocketProblem(503, "maintenance", detail="Back soon.")

    caplog.set_level(logging.WARNING, logger="beeflow_websocket")
    async with AsyncWebSocketTestClient() as client:
        problem = (await client.request("down")).problem
    assert problem is not None
    assert problem["status"] == 503
    assert any("maintenance" in record.getMessage() for record in caplog.records)
