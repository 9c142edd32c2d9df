"""The core's outgoing path: a member that stops reading blocks nobody and is closed (1013, or 1008 if configured)."""

from __future__ import annotations

import asyncio

import pytest

from beeflow_websocket.core.config import ProtocolConfig
from beeflow_websocket.core.dispatcher import Dispatcher
from beeflow_websocket.core.events.health import HealthEvent
from beeflow_websocket.core.outgoing import (
    CLOSE_POLICY_VIOLATION,
    CLOSE_TRY_AGAIN_LATER,
    Outgoing,
    OutgoingLimits,
    TransportGone,
    outgoing_limits,
)
from beeflow_websocket.testing import AsyncWebSocketTestClient

LIMITS = OutgoingLimits(max_frames=8, max_bytes=1 << 20, grace=0.2)


class Stuck:
    """A socket whose ``send`` never returns until ``release`` (a client that stopped reading)."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.closes: list[int] = []
        self.gate = asyncio.Event()

    async def send(self, text: str) -> None:
        await self.gate.wait()
        self.sent.append(text)

    async def close(self, code: int, reason: str) -> None:
        self.closes.append(code)


async def test_a_member_that_stops_reading_blocks_neither_the_broadcaster_nor_the_others() -> None:
    dispatcher = Dispatcher(ProtocolConfig(outgoing=LIMITS))
    stuck = Stuck()
    slow = dispatcher.connection(send=stuck.send, close=stuck.close, user_id="slow")
    await dispatcher.open(slow)
    await slow.join_group("room")
    async with (
        AsyncWebSocketTestClient(dispatcher, user_id="healthy") as healthy,
        AsyncWebSocketTestClient(dispatcher, user_id="speaker") as speaker,
    ):
        await healthy.join_group("room")
        for _ in range(LIMITS.max_frames * 3):
            # Each push returns although the slow member takes nothing.
            await asyncio.wait_for(dispatcher.push(HealthEvent(recipient="group", recipient_id="room")), 5)
        reply = await asyncio.wait_for(speaker.request("health"), 5)
        assert reply.ok
        assert [frame["seq"] for frame in healthy.pushed()] == list(range(1, LIMITS.max_frames * 3 + 1))
        assert slow.closed
        for _ in range(100):
            if stuck.closes:
                break
            await asyncio.sleep(LIMITS.grace / 4)
        assert stuck.closes == [CLOSE_TRY_AGAIN_LATER]
    await slow.shutdown()


async def test_a_slow_member_that_catches_up_within_the_grace_gets_every_queued_frame_then_1013() -> None:
    stuck = Stuck()
    gone: list[bool] = []
    outgoing = Outgoing(stuck.send, stuck.close, LIMITS, lambda: gone.append(True))
    for index in range(LIMITS.max_frames + 2):  # one in the socket, max_frames queued, one too many
        outgoing.offer(str(index))
    assert gone == [True]
    stuck.gate.set()
    for _ in range(100):
        if stuck.closes:
            break
        await asyncio.sleep(0.01)
    assert stuck.sent == [str(index) for index in range(LIMITS.max_frames + 1)]
    assert stuck.closes == [CLOSE_TRY_AGAIN_LATER]
    with pytest.raises(TransportGone):
        await outgoing.write("late")


async def test_own_answers_wait_for_room_and_keep_their_order() -> None:
    stuck = Stuck()
    outgoing = Outgoing(stuck.send, stuck.close, OutgoingLimits(max_frames=4, grace=5), lambda: None)

    async def produce() -> None:
        for index in range(20):
            await outgoing.write(str(index))

    producer = asyncio.create_task(produce())
    await asyncio.sleep(0.05)
    assert not producer.done()  # backpressure: the action waits for its own client
    assert outgoing.queued <= 5
    stuck.gate.set()
    await asyncio.wait_for(producer, 5)
    await outgoing.drained()
    assert stuck.sent == [str(index) for index in range(20)]
    assert stuck.closes == []


async def test_an_answer_that_waits_longer_than_the_grace_for_room_closes_with_1013() -> None:
    stuck = Stuck()
    outgoing = Outgoing(stuck.send, stuck.close, OutgoingLimits(max_frames=2, grace=0.1), lambda: None)
    outgoing.offer("delivered")  # the socket takes nothing from here on

    async def produce() -> None:
        for index in range(10):
            await outgoing.write(str(index))

    with pytest.raises(TransportGone):
        await asyncio.wait_for(produce(), 5)
    for _ in range(100):
        if stuck.closes:
            break
        await asyncio.sleep(0.02)
    assert stuck.closes == [CLOSE_TRY_AGAIN_LATER]


async def test_an_application_may_close_slow_connections_with_1008_instead() -> None:
    stuck = Stuck()
    limits = OutgoingLimits(max_frames=2, grace=0.05, close_code=CLOSE_POLICY_VIOLATION)
    reasons: list[str] = []

    async def close(code: int, reason: str) -> None:
        reasons.append(reason)
        await stuck.close(code, reason)

    outgoing = Outgoing(stuck.send, close, limits, lambda: None)
    for index in range(4):  # one in the socket, two queued, one too many
        outgoing.offer(str(index))
    assert outgoing.slow
    for _ in range(100):
        if stuck.closes:
            break
        await asyncio.sleep(0.02)
    assert stuck.closes == [CLOSE_POLICY_VIOLATION]
    assert reasons == ["too slow"]


async def test_the_close_code_reaches_a_dispatchers_connections() -> None:
    dispatcher = Dispatcher(ProtocolConfig(outgoing={"max_frames": 2, "grace": 0.05, "close_code": 1008}))
    stuck = Stuck()
    slow = dispatcher.connection(send=stuck.send, close=stuck.close, user_id="slow")
    await dispatcher.open(slow)
    await slow.join_group("room")
    for _ in range(4):
        await asyncio.wait_for(dispatcher.push(HealthEvent(recipient="group", recipient_id="room")), 5)
    for _ in range(100):
        if stuck.closes:
            break
        await asyncio.sleep(0.02)
    assert stuck.closes == [CLOSE_POLICY_VIOLATION]
    await slow.shutdown()


def test_outgoing_limits_take_1013_or_1008_and_nothing_else() -> None:
    assert OutgoingLimits().close_code == CLOSE_TRY_AGAIN_LATER
    assert OutgoingLimits().close_reason == "try again later"
    assert OutgoingLimits(close_code=1008).close_reason == "too slow"
    for code in (1000, 1001, 1011, 4000, True, 1013.0, "1013"):
        with pytest.raises(ValueError, match="close_code"):
            OutgoingLimits(close_code=code)  # type: ignore[arg-type]


def test_configuration_reads_outgoing_limits_from_an_object_a_mapping_or_none() -> None:
    limits = OutgoingLimits(max_frames=16, close_code=1008)
    assert outgoing_limits(limits) is limits
    assert outgoing_limits(None) == OutgoingLimits()
    assert outgoing_limits({"max_frames": 16, "close_code": 1008}) == limits
    assert ProtocolConfig(outgoing={"close_code": 1008}).outgoing.close_code == 1008  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="outgoing: "):
        outgoing_limits({"close_code": 1000})
    with pytest.raises(ValueError, match="outgoing: "):
        outgoing_limits({"frames": 16})
    with pytest.raises(ValueError, match="outgoing must be"):
        outgoing_limits(1013)
