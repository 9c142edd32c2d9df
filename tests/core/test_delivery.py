"""Who receives what: seq, req_id, users, groups, custom recipients and pushes from outside."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable

from beeflow_websocket.core.dispatcher import Dispatcher
from beeflow_websocket.core.events.health import HealthEvent
from beeflow_websocket.core.recipient_registry import Address, RecipientRegistryMeta
from beeflow_websocket.testing import AsyncWebSocketTestClient

from .conftest import Kit


async def test_seq_counts_every_event_a_connection_receives_without_gaps(kit: Kit) -> None:
    dispatcher = Dispatcher()
    async with (
        AsyncWebSocketTestClient(dispatcher, user_id="alice") as alice,
        AsyncWebSocketTestClient(dispatcher, user_id="bob") as bob,
    ):
        await alice.request("echo", {"text": "a", "count": 2})
        await bob.request("notify_user", {"user_id": "alice", "text": "from bob"})
        await alice.request("health")
        await bob.request("health")
        problem = await alice.request("nope")
        await alice.request("echo", {"text": "b"})
        events = [frame for frame in alice.received if "event" in frame]
        assert [frame["seq"] for frame in events] == [1, 2, 3, 4, 5]
        assert problem.problem is not None
        assert "seq" not in problem.problem
        assert [frame["seq"] for frame in bob.received if "event" in frame] == [1]


async def test_req_id_goes_back_only_to_the_connection_that_sent_the_action(kit: Kit) -> None:
    dispatcher = Dispatcher()
    async with (
        AsyncWebSocketTestClient(dispatcher, user_id="alice") as phone,
        AsyncWebSocketTestClient(dispatcher, user_id="alice") as laptop,
        AsyncWebSocketTestClient(dispatcher, user_id="bob") as bob,
    ):
        reply = await phone.request("notify_user", {"user_id": "alice", "text": "hi me"})
        assert reply.payloads("echoed") == [{"text": "hi me"}]
        assert reply.events[0]["req_id"] == reply.req_id
        assert reply.completion is not None
        assert reply.completion["events"] == 1
        [copy] = laptop.pushed()
        assert copy["req_id"] is None
        assert copy["payload"] == {"text": "hi me"}
        assert copy["recipient"] == "user"
        assert copy["recipient_id"] == "alice"
        assert bob.received == []
        assert copy["msg_id"] != reply.events[0]["msg_id"]


async def test_group_delivery_reaches_members_only(kit: Kit) -> None:
    dispatcher = Dispatcher()
    async with (
        AsyncWebSocketTestClient(dispatcher, user_id=1) as a,
        AsyncWebSocketTestClient(dispatcher, user_id=2) as b,
        AsyncWebSocketTestClient(dispatcher, user_id=3) as outsider,
    ):
        await a.request("room.join", {"room": "lobby"})
        await b.request("room.join", {"room": "lobby"})
        assert a.connection.groups == frozenset({"lobby"})
        reply = await a.request("room.say", {"room": "lobby", "text": "hello"})
        assert reply.payloads("echoed") == [{"text": "hello"}]
        assert [frame["payload"]["text"] for frame in b.pushed()] == ["hello"]
        assert outsider.received == []
        # A non-member can speak to the group without hearing itself.
        said = await outsider.request("room.say", {"room": "lobby", "text": "knock"})
        assert said.events == []
        assert said.completion is not None
        assert said.completion["events"] == 0
        assert [frame["payload"]["text"] for frame in a.pushed()] == ["knock"]


async def test_leaving_and_disconnecting_stop_group_delivery(kit: Kit) -> None:
    dispatcher = Dispatcher()
    async with AsyncWebSocketTestClient(dispatcher, user_id=1) as speaker:
        async with AsyncWebSocketTestClient(dispatcher, user_id=2) as listener:
            await listener.join_group("lobby")
            await listener.connection.leave_group("lobby")
            await speaker.request("room.say", {"room": "lobby", "text": "anyone?"})
            assert listener.pushed() == []
            await listener.join_group("lobby")
        await speaker.request("room.say", {"room": "lobby", "text": "still there?"})
        assert listener.pushed() == []  # detached: nothing delivered, nothing raised


async def test_custom_recipient_resolving_to_websocket_ids(kit: Kit) -> None:
    dispatcher = Dispatcher()
    async with (
        AsyncWebSocketTestClient(dispatcher, websocket_id="ws-a") as a,
        AsyncWebSocketTestClient(dispatcher, websocket_id="ws-b") as b,
    ):

        class Pair(metaclass=RecipientRegistryMeta, name="pair"):
            async def resolve(self, recipient_id: str) -> Iterable[str | Address]:
                await asyncio.sleep(0)
                return ["ws-a", Address.websocket("ws-b")]

        await dispatcher.push(HealthEvent(recipient="pair", recipient_id="x"))
        assert [frame["event"] for frame in a.pushed()] == ["health"]
        assert [frame["event"] for frame in b.pushed()] == ["health"]


async def test_push_from_outside_any_action_reaches_user_group_and_websocket() -> None:
    dispatcher = Dispatcher()
    user = uuid.uuid4()
    async with (
        AsyncWebSocketTestClient(dispatcher, user_id=user) as a,
        AsyncWebSocketTestClient(dispatcher, user_id="other") as b,
    ):
        await b.join_group("news")
        await dispatcher.push(HealthEvent(recipient="user", recipient_id=user))
        await dispatcher.push(HealthEvent(recipient="group", recipient_id="news"))
        await dispatcher.push(HealthEvent(recipient="websocket", recipient_id=b.websocket_id))
        await dispatcher.push(HealthEvent(recipient="websocket", recipient_id="gone"))
        pushed_a, pushed_b = a.pushed(), b.pushed()
        assert [(f["recipient"], f["seq"], f["req_id"]) for f in pushed_a] == [("user", 1, None)]
        assert [(f["recipient"], f["seq"]) for f in pushed_b] == [("group", 1), ("websocket", 2)]


async def test_a_broken_socket_does_not_stop_delivery_to_others(kit: Kit) -> None:
    dispatcher = Dispatcher()
    async with (
        AsyncWebSocketTestClient(dispatcher, user_id="u") as broken,
        AsyncWebSocketTestClient(dispatcher, user_id="u") as fine,
        AsyncWebSocketTestClient(dispatcher, user_id="sender") as sender,
    ):

        async def refuse(text: str) -> None:
            raise ConnectionError("socket gone")

        broken.connection._outgoing._send = refuse
        reply = await sender.request("notify_user", {"user_id": "u", "text": "x"})
        assert reply.ok
        assert len(fine.pushed()) == 1
        assert broken.connection.closed  # the adapter's read loop sees this and ends the socket
        await sender.request("notify_user", {"user_id": "u", "text": "y"})
        assert len(fine.pushed()) == 1


async def test_frames_are_sent_in_seq_order_under_concurrent_delivery() -> None:
    dispatcher = Dispatcher()
    async with AsyncWebSocketTestClient(dispatcher, user_id="u") as client:
        original = client.connection._outgoing._send

        async def slow_send(text: str) -> None:
            await asyncio.sleep(0)
            await original(text)

        client.connection._outgoing._send = slow_send
        await asyncio.gather(*(dispatcher.push(HealthEvent(recipient="user", recipient_id="u")) for _ in range(50)))
        await client.connection.wait_idle()
        assert [frame["seq"] for frame in client.received] == list(range(1, 51))


async def test_overlapping_addresses_reach_the_sender_once(kit: Kit) -> None:
    dispatcher = Dispatcher()

    class MeAndMyRoom(metaclass=RecipientRegistryMeta, name="me_and_room"):
        def resolve(self, recipient_id: str) -> Iterable[str | Address]:
            return [Address.user(recipient_id), Address.group("lobby"), recipient_id]

    async with (
        AsyncWebSocketTestClient(dispatcher, user_id="u", websocket_id="u") as sender,
        AsyncWebSocketTestClient(dispatcher, user_id="other") as member,
    ):
        await sender.join_group("lobby")
        await member.join_group("lobby")
        from beeflow_websocket.core.action_registry import ActionContext, ActionRegistryMeta
        from beeflow_websocket.core.payloads import WebSocketActionPayload

        class Shout(metaclass=ActionRegistryMeta, name="shout"):
            async def execute(self, message: WebSocketActionPayload, context: ActionContext) -> list[HealthEvent]:
                return [HealthEvent(recipient="me_and_room", recipient_id="u")]

        reply = await sender.request("shout")
        assert len(reply.events) == 1
        assert reply.completion is not None
        assert reply.completion["events"] == 1
        assert len(member.pushed()) == 1
