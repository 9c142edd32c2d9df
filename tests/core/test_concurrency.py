"""Actions of one connection run one at a time by default; max_in_flight allows more."""

from __future__ import annotations

import asyncio

import pytest

from beeflow_websocket.core.config import ProtocolConfig
from beeflow_websocket.testing import AsyncWebSocketTestClient

from .conftest import Kit


async def test_actions_run_one_at_a_time_in_arrival_order_by_default(kit: Kit) -> None:
    async with AsyncWebSocketTestClient() as client:
        await asyncio.gather(
            client.send("slow", {"delay": 0.03, "tag": "first"}),
            client.send("slow", {"delay": 0.0, "tag": "second"}),
        )
        await client.connection.wait_idle()
    assert kit.seen == [("start", "first"), ("end", "first"), ("start", "second"), ("end", "second")]


async def test_max_in_flight_lets_actions_overlap(kit: Kit) -> None:
    async with AsyncWebSocketTestClient(config=ProtocolConfig(max_in_flight=4)) as client:
        first = await client.send("slow", {"delay": 0.05, "tag": "first"})
        second = await client.send("slow", {"delay": 0.0, "tag": "second"})
        await client.connection.wait_idle()
        assert kit.seen.index(("end", "second")) < kit.seen.index(("end", "first"))
        # Each request still gets its own events and completion, with seq in sending order.
        assert client.reply(first).payloads("echoed") == [{"text": "first"}]
        assert client.reply(second).payloads("echoed") == [{"text": "second"}]
        assert [f["seq"] for f in client.received if "event" in f] == [1, 2]


async def test_the_in_flight_limit_applies_backpressure(kit: Kit) -> None:
    async with AsyncWebSocketTestClient(config=ProtocolConfig(max_in_flight=2)) as client:
        for tag in "abc":
            await client.send("slow", {"delay": 0.02, "tag": tag})
        # The third send returned only after a slot was free: one of the first two had finished.
        assert ("end", "a") in kit.seen or ("end", "b") in kit.seen
        await client.connection.wait_idle()
    assert sorted(t for kind, t in kit.seen if kind == "end") == ["a", "b", "c"]


async def test_shutdown_cancels_running_actions(kit: Kit) -> None:
    async with AsyncWebSocketTestClient(config=ProtocolConfig(max_in_flight=2)) as client:
        await client.send("slow", {"delay": 10, "tag": "forever"})
        await asyncio.sleep(0)
    assert kit.seen == [("start", "forever")]


@pytest.mark.parametrize("field", ["max_in_flight", "max_message_size"])
def test_limits_must_be_positive(field: str) -> None:
    with pytest.raises(ValueError, match=field):
        ProtocolConfig(**{field: 0})  # type: ignore[arg-type]
