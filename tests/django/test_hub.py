"""The channel-layer hub: group names, delivery to members without a consumer, beeflow.testing clients."""

from __future__ import annotations

import asyncio

from channels.layers import BaseChannelLayer
from channels.testing import WebsocketCommunicator
from hypothesis import given
from hypothesis import strategies as st

from beeflow_websocket.core.recipient_registry import Address
from beeflow_websocket.django import get_dispatcher
from beeflow_websocket.django.hub import layer_group
from beeflow_websocket.testing import AsyncWebSocketTestClient

from .conftest import token_app

LAYER = BaseChannelLayer()
KINDS = st.sampled_from(["websocket", "user", "group"])


def test_safe_keys_keep_their_name_and_others_become_digests() -> None:
    assert layer_group(Address.user(42)) == "beeflow.u.42"
    assert layer_group(Address.group("room.1_a-b")) == "beeflow.g.room.1_a-b"
    assert layer_group(Address.websocket("8c2d")) == "beeflow.w.8c2d"
    for key in ("Zimmer 1", "x" * 81, "", "a/b", "ü"):
        name = layer_group(Address.group(key))
        assert name.startswith("beeflow.gh.")
        assert len(name) == len("beeflow.gh.") + 64


@given(kind=KINDS, key=st.text(max_size=120))
def test_every_name_is_a_valid_layer_group(kind: str, key: str) -> None:
    assert LAYER.require_valid_group_name(layer_group(Address(kind, key)))  # type: ignore[arg-type]


@given(first=st.tuples(KINDS, st.text(max_size=100)), second=st.tuples(KINDS, st.text(max_size=100)))
def test_different_addresses_never_share_a_group(first: tuple[str, str], second: tuple[str, str]) -> None:
    if first != second:
        assert layer_group(Address(*first)) != layer_group(Address(*second))  # type: ignore[arg-type]


def test_a_safe_key_and_a_digest_never_meet() -> None:
    unsafe = "not safe!"
    digest_name = layer_group(Address.group(unsafe))
    looks_alike = digest_name.removeprefix("beeflow.g")  # "h.<digest>" is itself a safe key
    assert layer_group(Address.group(looks_alike)) == f"beeflow.g.{looks_alike}" != digest_name


async def test_a_testing_client_on_the_project_dispatcher_meets_real_consumers(actions: object) -> None:
    communicator = WebsocketCommunicator(token_app(), "/ws/", subprotocols=["access-token", "token-alice"])
    assert (await communicator.connect())[0]
    async with AsyncWebSocketTestClient(get_dispatcher(), user_id="bob") as bob:
        reply = await bob.request("notify_user", {"user_id": "alice", "text": "hi from a test client"})
        assert reply.ok
        frame = await communicator.receive_json_from()
        assert frame["payload"] == {"sender": "bob", "text": "hi from a test client"}
        await bob.join_group("news")
        await communicator.send_json_to(
            {
                "msg_id": "0b5a6a2e-4a9c-4b8e-9d1e-6f1c2a3b4c5d",
                "req_id": "0b5a6a2e-4a9c-4b8e-9d1e-6f1c2a3b4c5e",
                "action": "room.say",
                "payload": {"room": "news", "text": "to the group"},
            }
        )
        for _ in range(50):
            if bob.pushed():
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("the group event never reached the test client")
    await communicator.disconnect()
