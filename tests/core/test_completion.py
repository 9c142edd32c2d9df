"""Completion is negotiated: beeflow.v1 clients learn when an action finished, 0.3.0 clients see no new frames."""

from __future__ import annotations

import pytest

from beeflow_websocket.core.handshake import ACCESS_TOKEN, COMPLETION, negotiate
from beeflow_websocket.testing import AsyncWebSocketTestClient

from .conftest import Kit


async def test_completion_closes_every_successful_request(kit: Kit) -> None:
    async with AsyncWebSocketTestClient(completion=True) as client:
        reply = await client.request("echo", {"text": "x", "count": 2})
        assert [("event" in f, "completed" in f) for f in reply.frames] == [
            (True, False),
            (True, False),
            (False, True),
        ]
        assert reply.completion == {
            "msg_id": reply.frames[-1]["msg_id"],
            "req_id": reply.req_id,
            "completed": "echo",
            "events": 2,
        }
        silent = await client.request("room.join", {"room": "r"})
        assert silent.frames == [silent.completion]
        assert silent.completion is not None
        assert silent.completion["events"] == 0


async def test_failed_requests_end_with_a_problem_not_a_completion(kit: Kit) -> None:
    async with AsyncWebSocketTestClient(completion=True) as client:
        for action, payload in [("fail", {}), ("forbid", {}), ("echo", {"text": ""}), ("unknown", {})]:
            reply = await client.request(action, payload)
            assert reply.frames[-1] == reply.problem
            assert reply.completion is None


async def test_without_negotiation_only_030_frames_are_sent(kit: Kit) -> None:
    async with AsyncWebSocketTestClient(completion=False) as client:
        await client.request("echo", {"text": "x", "count": 2})
        await client.request("room.join", {"room": "r"})
        await client.request("forbid")
    kinds = [("event" in frame) or ("type" in frame and "status" in frame) for frame in client.received]
    assert kinds == [True, True, True]
    assert all("completed" not in frame for frame in client.received)


@pytest.mark.parametrize(
    ("offered", "selected", "completion", "token"),
    [
        ([], None, False, None),
        (["access-token", "s3cret"], ACCESS_TOKEN, False, "s3cret"),
        (["beeflow.v1"], COMPLETION, True, None),
        (["beeflow.v1", "access-token", "s3cret"], COMPLETION, True, "s3cret"),
        (["access-token", "s3cret", "beeflow.v1"], COMPLETION, True, "s3cret"),
        (["access-token"], ACCESS_TOKEN, False, None),
        (["graphql-ws"], None, False, None),
    ],
)
def test_subprotocol_negotiation(offered: list[str], selected: str | None, completion: bool, token: str | None) -> None:
    handshake = negotiate(offered)
    assert (handshake.subprotocol, handshake.completion, handshake.token) == (selected, completion, token)
    assert handshake.subprotocol != token or token is None


def test_a_protocol_name_after_the_marker_is_not_a_token() -> None:
    assert negotiate(["access-token", "beeflow.v1"]).token is None
    assert negotiate(["access-token", "beeflow.v1"]).subprotocol == COMPLETION
