"""Handshake rules on real servers: tokens, subprotocol selection, origins."""

from __future__ import annotations

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
