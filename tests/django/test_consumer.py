"""WebSocketConsumer through Channels' WebsocketCommunicator: what users test their projects with."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import AsyncIterator
from types import ModuleType
from typing import Any

import pytest
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.test import AsyncClient, override_settings
from django.urls import path

from beeflow_websocket.core.hub import LocalHub
from beeflow_websocket.django import get_dispatcher
from beeflow_websocket.django.consumer import WebSocketConsumer
from beeflow_websocket.django.hub import ChannelLayerHub

from .conftest import token_app, user_for_token_async

pytestmark = pytest.mark.usefixtures("actions")

BASE = "https://example.com/problems/websocket"
Frame = dict[str, Any]


class Socket:
    """A connected WebsocketCommunicator speaking the beeflow protocol."""

    def __init__(self, communicator: WebsocketCommunicator, subprotocol: str | None) -> None:
        self.communicator = communicator
        self.subprotocol = subprotocol

    async def send(self, action: str, payload: Frame | None = None) -> str:
        req_id = str(uuid.uuid4())
        frame = {"msg_id": str(uuid.uuid4()), "req_id": req_id, "action": action, "payload": payload or {}}
        await self.communicator.send_json_to(frame)
        return req_id

    async def recv(self, wait: float = 2) -> Frame:
        frame: Frame = await self.communicator.receive_json_from(wait)
        return frame

    async def request(self, action: str, payload: Frame | None = None) -> list[Frame]:
        """The frames answering one action, completion or problem last."""
        req_id = await self.send(action, payload)
        frames = []
        while True:
            frame = await self.recv()
            if frame.get("req_id") != req_id:
                continue
            frames.append(frame)
            if "completed" in frame or "status" in frame:
                return frames

    async def quiet(self) -> bool:
        return await self.communicator.receive_nothing(0.1)


async def open_socket(
    app: Any = None, *, token: str | None = "token-alice", completion: bool = True, path: str = "/ws/"
) -> tuple[WebsocketCommunicator, bool, Any]:
    subprotocols = (["beeflow.v1"] if completion else []) + (["access-token", token] if token else [])
    communicator = WebsocketCommunicator(app or token_app(), path, subprotocols=subprotocols)
    connected, detail = await communicator.connect()
    return communicator, connected, detail


@pytest.fixture
async def sockets() -> AsyncIterator[Any]:
    opened: list[WebsocketCommunicator] = []

    async def connect(token: str = "token-alice", *, completion: bool = True, app: Any = None) -> Socket:
        communicator, connected, subprotocol = await open_socket(app, token=token, completion=completion)
        assert connected, subprotocol
        opened.append(communicator)
        return Socket(communicator, subprotocol)

    yield connect
    for communicator in opened:
        await communicator.disconnect()


async def test_health_with_completion(sockets: Any) -> None:
    socket = await sockets()
    assert socket.subprotocol == "beeflow.v1"
    [event, completion] = await socket.request("health")
    assert (event["event"], event["seq"], event["payload"]) == ("health", 1, {"status": "ok"})
    assert (completion["completed"], completion["events"]) == ("health", 1)


async def test_a_030_client_selects_access_token_and_sees_no_completion(sockets: Any) -> None:
    socket = await sockets(completion=False)
    assert socket.subprotocol == "access-token"  # never the token
    await socket.send("echo", {"text": "a", "count": 2})
    await socket.send("forbid")
    frames = [await socket.recv() for _ in range(3)]
    assert [frame.get("event", frame.get("code")) for frame in frames] == ["echoed", "echoed", "room_forbidden"]
    assert await socket.quiet()


async def test_problems(sockets: Any, caplog: pytest.LogCaptureFixture) -> None:
    socket = await sockets()
    await socket.communicator.send_to(text_data="not json")
    invalid = await socket.recv()
    assert (invalid["status"], invalid["type"]) == (400, f"{BASE}/invalid-message")
    [unknown] = await socket.request("chat.shout")
    assert (unknown["status"], unknown["code"]) == (400, "unknown_websocket_action")
    [payload] = await socket.request("echo", {"text": "", "count": "3"})
    assert (payload["status"], sorted(error["pointer"] for error in payload["errors"])) == (
        422,
        ["/payload/count", "/payload/text"],
    )
    [forbidden] = await socket.request("forbid")
    assert (forbidden["status"], forbidden["code"]) == (403, "room_forbidden")
    with caplog.at_level(logging.ERROR, "beeflow_websocket"):
        [before, crashed] = await socket.request("fail")
    assert before["payload"] == {"text": "before"}
    assert (crashed["status"], crashed["code"]) == (500, "internal_websocket_error")
    assert "hunter2" not in json.dumps(crashed)
    assert "hunter2" in caplog.text
    assert (await socket.request("health"))[-1]["completed"] == "health"


@pytest.mark.parametrize("token", [None, "wrong", "token-"])
async def test_anonymous_handshakes_are_refused_before_accept(token: str | None) -> None:
    communicator, connected, code = await open_socket(token=token)
    assert not connected  # a close before accept: servers answer HTTP 403
    assert code == 1000
    await communicator.disconnect()


async def test_a_consumer_without_any_user_in_scope_refuses() -> None:
    communicator = WebsocketCommunicator(WebSocketConsumer.as_asgi(), "/ws/")
    assert (await communicator.connect())[0] is False


async def test_oversized_frame_gets_a_problem_then_close_1009() -> None:
    with override_settings(BEEFLOW_WEBSOCKET_MAX_MESSAGE_SIZE=1024):
        communicator, connected, _ = await open_socket()
        assert connected
        await communicator.send_to(text_data="x" * 2000)
        problem = await communicator.receive_json_from()
        assert (problem["status"], problem["code"]) == (413, "websocket_message_too_large")
        assert await communicator.receive_output() == {
            "type": "websocket.close",
            "code": 1009,
            "reason": "message too big",
        }
        await communicator.disconnect()


async def test_an_oversized_frame_behind_a_long_action_is_refused_after_the_frames_before_it() -> None:
    with override_settings(BEEFLOW_WEBSOCKET_MAX_MESSAGE_SIZE=1024):
        communicator, connected, _ = await open_socket(completion=False)
        assert connected
        socket = Socket(communicator, None)
        await socket.send("sleep", {"seconds": 0.2})
        await socket.send("echo", {"text": "before", "count": 1})
        await communicator.send_to(text_data="x" * 2000)
        frames = [await socket.recv() for _ in range(3)]
        assert [frame.get("payload", {}).get("text", frame.get("status")) for frame in frames] == [
            "awake",
            "before",
            413,
        ]
        assert (await communicator.receive_output())["code"] == 1009
        await communicator.disconnect()


async def test_frames_are_answered_in_arrival_order(sockets: Any) -> None:
    socket = await sockets(completion=False)
    for count in (3, 1, 2):
        await socket.send("echo", {"text": str(count), "count": count})
    frames = [await socket.recv() for _ in range(6)]
    assert [frame["payload"]["text"] for frame in frames] == ["3", "3", "3", "1", "2", "2"]
    assert [frame["seq"] for frame in frames] == [1, 2, 3, 4, 5, 6]


async def test_frames_sent_behind_a_long_action_wait_for_it_in_arrival_order(sockets: Any) -> None:
    socket = await sockets(completion=False)
    await socket.send("sleep", {"seconds": 0.2})
    for text in ("a", "b", "c"):
        await socket.send("echo", {"text": text, "count": 1})
    frames = [await socket.recv() for _ in range(4)]
    assert [frame["payload"]["text"] for frame in frames] == ["awake", "a", "b", "c"]
    assert [frame["seq"] for frame in frames] == [1, 2, 3, 4]


async def test_a_long_action_does_not_hold_up_deliveries(sockets: Any) -> None:
    alice, bob = await sockets("token-alice"), await sockets("token-bob")
    await alice.send("sleep", {"seconds": 0.5})
    await bob.request("notify_user", {"user_id": "alice", "text": "while you sleep"})
    first = await alice.recv(wait=0.4)  # well before the action ends
    assert first["payload"] == {"sender": "bob", "text": "while you sleep"}
    assert (await alice.recv())["payload"] == {"text": "awake"}


async def test_user_delivery_through_the_channel_layer(sockets: Any) -> None:
    assert isinstance(get_dispatcher().hub, ChannelLayerHub)
    phone, laptop, bob = await sockets("token-alice"), await sockets("token-alice"), await sockets("token-bob")
    await bob.request("notify_user", {"user_id": "alice", "text": "hi"})
    for device in (phone, laptop):
        frame = await device.recv()
        assert (frame["event"], frame["req_id"], frame["recipient_id"]) == ("said", None, "alice")
    mine = await phone.request("notify_user", {"user_id": "alice", "text": "self"})
    assert [frame.get("event") for frame in mine] == ["said", None]
    assert (await laptop.recv())["req_id"] is None
    assert await phone.quiet()  # its own copy came straight from its action, not again through the layer
    assert await bob.quiet()


async def test_group_delivery_and_leaving_on_disconnect(sockets: Any) -> None:
    a, b = await sockets("token-a"), await sockets("token-b")
    await a.request("room.join", {"room": "Zimmer 1 / Küche"})
    await b.request("room.join", {"room": "Zimmer 1 / Küche"})
    [said, _] = await a.request("room.say", {"room": "Zimmer 1 / Küche", "text": "hallo"})
    assert said["payload"] == {"sender": "a", "text": "hallo"}
    assert (await b.recv())["payload"] == {"sender": "a", "text": "hallo"}
    layer = get_channel_layer()
    assert layer is not None
    groups = dict(layer.groups)  # type: ignore[attr-defined]
    assert any(name.startswith("beeflow.gh.") for name in groups)
    await a.communicator.disconnect()
    await b.communicator.disconnect()
    assert layer.groups == {}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("token", "user_id"), [("token-int", "42"), ("token-uuid", "12345678-1234-5678-1234-567812345678")]
)
async def test_user_ids_of_any_type(sockets: Any, token: str, user_id: str) -> None:
    me, other = await sockets(token), await sockets("token-other")
    [who, _] = await me.request("whoami")
    assert who["payload"]["user_id"] == user_id
    await other.request("notify_user", {"user_id": user_id, "text": "found you"})
    assert (await me.recv())["payload"]["text"] == "found you"


async def test_async_resolvers_work_too(sockets: Any) -> None:
    socket = await sockets("token-zoe", app=token_app(user_for_token_async))
    [who, _] = await socket.request("whoami")
    assert who["payload"]["user_id"] == "zoe"


async def test_allowed_origins_setting() -> None:
    with override_settings(BEEFLOW_WEBSOCKET_ALLOWED_ORIGINS=["https://app.example"]):
        for origin, expected in [(b"https://evil.example", False), (b"https://app.example", True), (None, True)]:
            headers = [(b"origin", origin)] if origin else []
            communicator = WebsocketCommunicator(
                token_app(), "/ws/", headers=headers, subprotocols=["access-token", "token-alice"]
            )
            assert (await communicator.connect())[0] is expected, origin
            await communicator.disconnect()


async def test_without_channel_layers_delivery_stays_in_the_process(sockets: Any) -> None:
    with override_settings(CHANNEL_LAYERS={}):
        assert isinstance(get_dispatcher().hub, LocalHub)
        alice, bob = await sockets("token-alice"), await sockets("token-bob")
        await bob.request("notify_user", {"user_id": "alice", "text": "local"})
        assert (await alice.recv())["payload"]["text"] == "local"


async def test_push_from_async_code_and_push_sync_from_a_thread(sockets: Any, actions: ModuleType) -> None:
    Said, SaidPayload = actions.Said, actions.SaidPayload
    alice = await sockets("token-alice")
    event = Said(recipient="user", recipient_id="alice", payload=SaidPayload(sender="job", text="async"))
    await get_dispatcher().push(event)
    assert (await alice.recv())["payload"]["text"] == "async"
    event = Said(recipient="user", recipient_id="alice", payload=SaidPayload(sender="job", text="sync"))
    await asyncio.to_thread(get_dispatcher().push_sync, event)
    assert (await alice.recv())["payload"]["text"] == "sync"


async def test_a_websocket_recipient_in_the_same_process(sockets: Any, actions: ModuleType) -> None:
    Said, SaidPayload = actions.Said, actions.SaidPayload
    alice, bob = await sockets("token-alice"), await sockets("token-bob")
    [who, _] = await bob.request("whoami")
    event = Said(
        recipient="websocket", recipient_id=who["payload"]["websocket_id"], payload=SaidPayload(sender="x", text="1:1")
    )
    await get_dispatcher().push(event)
    assert (await bob.recv())["payload"]["text"] == "1:1"
    assert await alice.quiet()


async def test_a_sync_django_view_pushes_with_push_sync(sockets: Any) -> None:
    reader = await sockets("token-reader")
    await reader.request("room.join", {"room": "news"})
    response = await AsyncClient().get("/announce/", {"text": "from a sync view"})
    assert response.status_code == 204
    frame = await reader.recv()
    assert (frame["recipient_id"], frame["payload"]) == ("news", {"sender": "view", "text": "from a sync view"})


async def test_max_in_flight_lets_later_actions_overtake(sockets: Any) -> None:
    with override_settings(BEEFLOW_WEBSOCKET_MAX_IN_FLIGHT=2):
        socket = await sockets(completion=False)
        await socket.send("sleep", {"seconds": 0.3})
        await socket.send("echo", {"text": "quick"})
        assert [(await socket.recv())["payload"]["text"] for _ in range(2)] == ["quick", "awake"]


async def test_a_client_leaving_mid_action_stops_it() -> None:
    communicator, connected, _ = await open_socket()
    assert connected
    socket = Socket(communicator, "beeflow.v1")
    await socket.send("sleep", {"seconds": 5})
    await asyncio.sleep(0.05)
    async with asyncio.timeout(1):
        await communicator.disconnect()  # the consumer ends at once: the action is cancelled
    layer = get_channel_layer()
    assert layer.groups == {}  # type: ignore[union-attr]


class TinyQueueConsumer(WebSocketConsumer):
    max_queued_frames = 2


async def test_a_client_sending_past_max_queued_frames_is_slowed_down_and_loses_nothing() -> None:
    communicator, connected, _ = await open_socket(token_app(urlpatterns=[path("ws/", TinyQueueConsumer.as_asgi())]))
    assert connected
    socket = Socket(communicator, "beeflow.v1")
    await socket.send("sleep", {"seconds": 0.2})
    for index in range(6):
        await socket.send("echo", {"text": str(index), "count": 1})
    frames = [await socket.recv() for _ in range(14)]  # an event and a completion each
    assert [frame["payload"]["text"] for frame in frames if "payload" in frame] == ["awake", *map(str, range(6))]
    await communicator.disconnect()


class RelayConsumer(WebSocketConsumer):
    """A project's consumer with channel-layer handlers of its own."""

    async def relay_text(self, message: dict[str, Any]) -> None:
        await self.send(text_data=message["text"])

    async def relay_fail(self, message: dict[str, Any]) -> None:
        raise RuntimeError("the handler failed")


async def test_a_subclass_handles_its_own_channel_layer_messages_as_under_channels() -> None:
    communicator, connected, _ = await open_socket(token_app(urlpatterns=[path("ws/", RelayConsumer.as_asgi())]))
    assert connected
    socket = Socket(communicator, "beeflow.v1")
    [who, _] = await socket.request("whoami")
    layer = get_channel_layer()
    assert layer is not None
    channel = who["payload"]["websocket_id"]
    await layer.send(channel, {"type": "relay.text", "text": "through the layer"})
    assert await communicator.receive_from() == "through the layer"
    await layer.send(channel, {"type": "relay.fail"})
    with pytest.raises(RuntimeError, match="the handler failed"):  # the consumer ends, as Channels' own would
        await communicator.receive_output(1)


class CountingConsumer(WebSocketConsumer):
    """0.3.0 code may override ``send`` to log or count what goes out."""

    sent: list[str] = []

    async def send(self, text_data: str | None = None, bytes_data: bytes | None = None, close: bool = False) -> None:
        if text_data is not None:
            CountingConsumer.sent.append(text_data)
        await super().send(text_data, bytes_data, close)


async def test_a_subclass_that_overrides_send_sees_every_frame() -> None:
    CountingConsumer.sent = []
    communicator, connected, _ = await open_socket(token_app(urlpatterns=[path("ws/", CountingConsumer.as_asgi())]))
    assert connected
    socket = Socket(communicator, "beeflow.v1")
    frames = await socket.request("echo", {"text": "counted", "count": 1})
    assert [json.loads(text) for text in CountingConsumer.sent] == frames
    await communicator.disconnect()


def breaking_socket(app: Any, broken: asyncio.Event) -> Any:
    """``app`` behind a socket whose sends suspend, and fail once ``broken`` is set (a client gone)."""

    async def wrapped(scope: Any, receive: Any, send: Any) -> Any:
        async def flaky_send(message: Any) -> None:
            await asyncio.sleep(0)
            if broken.is_set() and message["type"] == "websocket.send":
                raise OSError("the client is gone")
            await send(message)

        return await app(scope, receive, flaky_send)

    return wrapped


async def test_a_full_queue_cannot_wedge_a_consumer_whose_client_is_gone() -> None:
    broken = asyncio.Event()
    app = breaking_socket(token_app(urlpatterns=[path("ws/", TinyQueueConsumer.as_asgi())]), broken)
    communicator, connected, _ = await open_socket(app)
    assert connected
    socket = Socket(communicator, "beeflow.v1")
    await socket.send("sleep", {"seconds": 0.2})
    for _ in range(10):  # two wait in the queue, one waits to get in, the rest wait in the communicator
        await socket.send("health")
    broken.set()  # the "awake" event cannot be sent: the connection learns its client is gone
    await asyncio.sleep(0.3)
    await communicator.send_input({"type": "websocket.disconnect", "code": 1006})
    finished, _ = await asyncio.wait({communicator.future}, timeout=0.5)
    communicator.stop()
    assert finished  # the disconnect was not stuck behind a frame waiting for room in the queue
