"""Handshake rules on real servers: tokens, subprotocol selection, origins."""

from __future__ import annotations

import json

import pytest
from websockets.exceptions import InvalidStatus

from .client import Client
from .servers import Server


def test_token_authenticates_and_is_never_selected(server: Server) -> None:
    with Client(server.url, token="token-carol") as client:
        assert client.subprotocol == "beeflow.v1"
        [who, _] = client.request("whoami")
        assert who["payload"]["user_id"] == "carol"
    with Client(server.url, token="token-dave", completion=False) as client:
        assert client.subprotocol == "access-token"


@pytest.mark.parametrize("token", [None, "wrong", "token-"], ids=["no token", "bad token", "empty user"])
def test_unauthenticated_handshakes_are_refused_before_any_action(server: Server, token: str | None) -> None:
    with pytest.raises(InvalidStatus) as refused:
        Client(server.url, token=token)
    assert refused.value.response.status_code == 403


def test_cross_origin_handshake_is_refused(server: Server) -> None:
    with pytest.raises(InvalidStatus) as refused:
        Client(server.url, origin="http://evil.example")
    assert refused.value.response.status_code == 403
    with Client(server.url, origin="http://allowed.example") as client:
        assert client.request("health")[-1]["completed"] == "health"


def test_tokens_never_reach_a_frame_or_a_log_line(server: Server) -> None:
    accepted, refused = "token-zed", "wrong-secret-7f3a"
    with Client(server.url, token=accepted) as client:
        frames = [*client.request("whoami"), *client.request("fail"), *client.request("echo", {"text": 1})]
        client.send_raw("not json")
        frames.append(client.recv())
    assert frames[0]["payload"]["user_id"] == "zed"
    assert [frame["status"] for frame in frames if "status" in frame] == [500, 422, 400]
    with pytest.raises(InvalidStatus):
        Client(server.url, token=refused)
    wire = json.dumps(frames)
    logs = server.logs()
    assert "RuntimeError" in logs  # the 500 was logged with its traceback ...
    for token in (accepted, refused):
        assert token not in wire
        assert token not in logs  # ... and no token anywhere in the log
