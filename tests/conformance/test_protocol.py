"""Protocol conformance on real servers: problems, events, seq, req_id, completion, limits."""

from __future__ import annotations

import json

import pytest
from websockets.exceptions import ConnectionClosed

from .apps.auth import MAX_MESSAGE_SIZE
from .client import Client, Frame
from .servers import Server

REQ_ID = "0b5a6a2e-4a9c-4b8e-9d1e-6f1c2a3b4c5d"
BASE = "https://example.com/problems/websocket"


def problem_of(frames: list[Frame]) -> Frame:
    problem = frames[-1]
    assert "status" in problem, frames
    assert "seq" not in problem
    return problem


def assert_alive(client: Client) -> None:
    frames = client.request("health")
    assert [frame.get("event") for frame in frames[:-1]] == ["health"]
    assert frames[-1]["completed"] == "health"


def test_health_round_trip_with_completion(server: Server) -> None:
    with Client(server.url) as client:
        assert client.subprotocol == "beeflow.v1"
        [event, completion] = client.request("health")
    assert event["event"] == "health"
    assert event["payload"] == {"status": "ok"}
    assert event["seq"] == 1
    assert completion["completed"] == "health"
    assert completion["events"] == 1


BAD_FRAMES: dict[str, str | bytes] = {
    "non-JSON text": "hello there",
    "binary garbage": b"\x00\xff\xfe",
    "JSON array": "[1, 2, 3]",
    "bad uuids": json.dumps({"msg_id": "x", "req_id": "y", "action": "health", "payload": {}}),
    "blank action": json.dumps({"msg_id": REQ_ID, "req_id": REQ_ID, "action": " ", "payload": {}}),
    "payload not an object": json.dumps({"msg_id": REQ_ID, "req_id": REQ_ID, "action": "health", "payload": 1}),
}


@pytest.mark.parametrize("frame", BAD_FRAMES.values(), ids=BAD_FRAMES.keys())
def test_invalid_frames_get_400_and_the_connection_lives_on(server: Server, frame: str | bytes) -> None:
    with Client(server.url) as client:
        client.send_raw(frame)
        problem = client.recv()
        assert problem["status"] == 400
        assert problem["code"] == "invalid_websocket_message"
        assert problem["type"] == f"{BASE}/invalid-message"
        assert_alive(client)


def test_unknown_action(server: Server) -> None:
    with Client(server.url) as client:
        problem = problem_of(client.request("chat.shout"))
        assert (problem["status"], problem["code"]) == (400, "unknown_websocket_action")
        assert "chat.shout" in problem["detail"]
        assert_alive(client)


def test_invalid_payload_gets_422_with_pointers(server: Server) -> None:
    with Client(server.url) as client:
        problem = problem_of(client.request("echo", {"text": "", "count": "3", "extra": True}))
        assert (problem["status"], problem["code"]) == (422, "invalid_websocket_payload")
        assert sorted(item["pointer"] for item in problem["errors"]) == [
            "/payload/count",
            "/payload/extra",
            "/payload/text",
        ]
        assert_alive(client)


def test_handler_problem_and_handler_crash(server: Server) -> None:
    with Client(server.url) as client:
        forbidden = problem_of(client.request("forbid"))
        assert (forbidden["status"], forbidden["code"], forbidden["title"]) == (403, "room_forbidden", "Forbidden")
        frames = client.request("fail")
        assert frames[0]["payload"] == {"text": "before"}
        crashed = problem_of(frames)
        assert (crashed["status"], crashed["code"]) == (500, "internal_websocket_error")
        assert "hunter2" not in json.dumps(crashed)
        assert_alive(client)
    assert "hunter2" in server.logs()  # the traceback is in the server log


def test_several_events_per_action_with_gap_free_seq(server: Server) -> None:
    with Client(server.url) as client:
        frames = client.request("echo", {"text": "hi", "count": 5})
        assert [frame["seq"] for frame in frames[:-1]] == [1, 2, 3, 4, 5]
        assert frames[-1]["events"] == 5
        assert all(frame["req_id"] == frames[-1]["req_id"] for frame in frames)
        assert len({frame["msg_id"] for frame in frames}) == 6


def test_without_completion_the_client_sees_only_030_frames(server: Server) -> None:
    with Client(server.url, completion=False) as client:
        assert client.subprotocol == "access-token"
        req_id = client.send("echo", {"text": "a", "count": 2})
        client.send("forbid")
        client.send("health")
        frames = [client.recv() for _ in range(4)]
        assert [frame.get("event", frame.get("code")) for frame in frames] == [
            "echoed",
            "echoed",
            "room_forbidden",
            "health",
        ]
        assert frames[0]["req_id"] == req_id
        with pytest.raises(TimeoutError):
            client.recv(timeout=0.3)


def test_user_delivery_and_req_id_only_to_the_sender(server: Server) -> None:
    with (
        Client(server.url, token="token-alice") as phone,
        Client(server.url, token="token-alice") as laptop,
        Client(server.url, token="token-bob") as bob,
    ):
        assert_alive(laptop)  # make sure every connection is registered before sending
        assert_alive(bob)
        frames = bob.request("notify_user", {"user_id": "alice", "text": "hi alice"})
        assert frames[-1]["events"] == 0
        for device in (phone, laptop):
            said = device.recv()
            assert said["event"] == "said"
            assert said["req_id"] is None
            assert said["payload"] == {"sender": "bob", "text": "hi alice"}
            assert said["recipient"] == "user"
            assert said["recipient_id"] == "alice"
        mine = phone.request("notify_user", {"user_id": "alice", "text": "note to self"})
        assert mine[0]["req_id"] == mine[-1]["req_id"]
        assert laptop.recv()["req_id"] is None
        with pytest.raises(TimeoutError):
            bob.recv(timeout=0.3)


def test_group_delivery(server: Server) -> None:
    with (
        Client(server.url, token="token-a") as a,
        Client(server.url, token="token-b") as b,
        Client(server.url, token="token-c") as c,
    ):
        a.request("room.join", {"room": "lobby"})
        b.request("room.join", {"room": "lobby"})
        frames = a.request("room.say", {"room": "lobby", "text": "hello"})
        assert frames[0]["payload"] == {"sender": "a", "text": "hello"}
        assert b.recv()["payload"] == {"sender": "a", "text": "hello"}
        b.request("room.leave", {"room": "lobby"})
        c.request("room.say", {"room": "lobby", "text": "knock"})
        assert a.recv()["payload"] == {"sender": "c", "text": "knock"}
        with pytest.raises(TimeoutError):
            b.recv(timeout=0.3)


def test_oversized_frame_gets_a_problem_then_close_1009(server: Server) -> None:
    with Client(server.url) as client:
        client.send("echo", {"text": "x" * (MAX_MESSAGE_SIZE + 10)})
        problem = client.recv()
        assert (problem["status"], problem["code"]) == (413, "websocket_message_too_large")
        with pytest.raises(ConnectionClosed) as closed:
            client.recv()
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 1009
