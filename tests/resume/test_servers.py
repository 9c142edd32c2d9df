"""Every adapter on its real server: a client whose socket drops in the middle of a stream of
pushed events resumes on a new socket and gets every event once, in order."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from typing import Any

from websockets.sync.client import ClientConnection, connect

from tests.conformance.servers import Server

EVENTS = 60
SEEN_BEFORE_DROP = 10
TIMEOUT = 10.0

Frame = dict[str, Any]


def open_socket(server: Server, *offered: str) -> ClientConnection:
    ws = connect(server.url, subprotocols=list(offered), open_timeout=TIMEOUT, max_size=None)  # type: ignore[arg-type]
    return ws.__enter__()


def action(ws: ClientConnection, name: str, payload: Frame) -> str:
    req_id = str(uuid.uuid4())
    ws.send(json.dumps({"msg_id": str(uuid.uuid4()), "req_id": req_id, "action": name, "payload": payload}))
    return req_id


def frames_until(ws: ClientConnection, done: Any, *, limit: int = 1000) -> list[Frame]:
    """Read frames until ``done(frames)``; bounded in count and time."""
    frames: list[Frame] = []
    deadline = time.monotonic() + TIMEOUT
    for _ in range(limit):
        if done(frames):
            return frames
        try:
            frames.append(json.loads(ws.recv(max(deadline - time.monotonic(), 0.01))))
        except TimeoutError:
            raise AssertionError(f"timed out after {len(frames)} frames: {frames[:2]} ... {frames[-2:]}") from None
    raise AssertionError(f"gave up after {limit} frames: {frames[-3:]}")


def said(frames: list[Frame]) -> list[str]:
    return [frame["payload"]["text"] for frame in frames if frame.get("event") == "said"]


def produce(server: Server, room: str, errors: list[BaseException]) -> None:
    try:
        with open_socket(server, "beeflow.v1", "access-token", "token-paul") as producer:
            for number in range(EVENTS):
                action(producer, "room.say", {"room": room, "text": f"e{number}"})
                time.sleep(0.002)
            completed = frames_until(producer, lambda frames: sum("completed" in f for f in frames) == EVENTS)
            assert all("type" not in frame for frame in completed), completed
    except BaseException as error:
        errors.append(error)


def drop(ws: ClientConnection) -> None:
    """Lose the connection as a network failure would: no close frame, the TCP connection just ends."""
    ws.socket.shutdown(socket.SHUT_RDWR)
    ws.socket.close()


def test_a_dropped_socket_resumes_with_zero_loss_and_zero_duplicates(server: Server) -> None:
    room = f"room-{uuid.uuid4().hex}"
    receiver = open_socket(server, "beeflow.v2", "beeflow.v1", "access-token", "token-rita")
    assert receiver.subprotocol == "beeflow.v2"
    [greeting] = frames_until(receiver, lambda frames: len(frames) == 1)
    session = greeting["session"]
    assert session["resumed"] is False
    join = action(receiver, "room.join", {"room": room})
    first = frames_until(receiver, lambda frames: any(f.get("req_id") == join and "completed" in f for f in frames))
    errors: list[BaseException] = []
    producer = threading.Thread(target=produce, args=(server, room, errors))
    producer.start()
    try:
        first += frames_until(receiver, lambda frames: len(said(frames)) == SEEN_BEFORE_DROP)
        drop(receiver)
        last = first[-1]["seq"]
        assert [frame["seq"] for frame in first] == list(range(1, last + 1))
        token = f"beeflow.resume.{session['id']}.{session['epoch']}.{last}"
        with open_socket(server, "beeflow.v2", "beeflow.v1", "access-token", "token-rita", token) as again:
            assert again.subprotocol == "beeflow.v2"
            rest = frames_until(again, lambda frames: len(said(frames)) >= EVENTS - SEEN_BEFORE_DROP)
    finally:
        producer.join(TIMEOUT * 2)
    assert not errors, errors
    assert rest[0]["session"] == {"id": session["id"], "epoch": session["epoch"], "resumed": True}
    assert said(first) + said(rest) == [f"e{number}" for number in range(EVENTS)]
    assert [frame["seq"] for frame in rest[1:]] == list(range(last + 1, last + len(rest)))


def test_the_user_is_checked_again_on_a_real_server(server: Server) -> None:
    with open_socket(server, "beeflow.v2", "beeflow.v1", "access-token", "token-rita") as first:
        [greeting] = frames_until(first, lambda frames: len(frames) == 1)
    session = greeting["session"]
    token = f"beeflow.resume.{session['id']}.{session['epoch']}.0"
    with open_socket(server, "beeflow.v2", "beeflow.v1", "access-token", "token-mallory", token) as intruder:
        [refused] = frames_until(intruder, lambda frames: len(frames) == 1)
    assert refused["session"]["resync"] == "user-changed"
    assert refused["session"]["id"] != session["id"]
    with open_socket(server, "beeflow.v2", "beeflow.v1", "access-token", "token-rita", token) as rita:
        [resumed] = frames_until(rita, lambda frames: len(frames) == 1)
    assert resumed["session"] == {**session, "resumed": True}


def test_a_v1_client_on_a_real_server_sees_nothing_new(server: Server) -> None:
    with open_socket(server, "beeflow.v1", "access-token", "token-rita") as client:
        assert client.subprotocol == "beeflow.v1"
        req_id = action(client, "echo", {"text": "a"})
        frames = frames_until(client, lambda frames: any("completed" in frame for frame in frames))
    assert [sorted(frame) for frame in frames] == [
        ["event", "msg_id", "payload", "recipient", "recipient_id", "req_id", "seq"],
        ["completed", "events", "msg_id", "req_id"],
    ]
    assert {frame["req_id"] for frame in frames} == {req_id}
