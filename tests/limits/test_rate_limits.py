"""Rate limits: over a token bucket the client gets a 429 problem with ``retry_after``, the handler
does not run, and the connection lives on."""

from __future__ import annotations

import json
from typing import Any

import pytest

from beeflow_websocket.core import limits
from beeflow_websocket.core.config import ProtocolConfig
from beeflow_websocket.core.dispatcher import Dispatcher
from beeflow_websocket.core.limits import RateLimit
from beeflow_websocket.testing import AsyncWebSocketTestClient
from tests import schema_oracle as oracle

from .conftest import Kit


class Clock:
    """``time.monotonic`` for the token buckets, moved by hand: no test waits for real time."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(limits, "clock", fake)
    return fake


def problems(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [frame for frame in frames if "status" in frame]


def assert_rate_limited(client: AsyncWebSocketTestClient, problem: dict[str, Any]) -> None:
    assert problem["status"] == 429
    assert problem["code"] == "websocket_rate_limited"
    assert problem["title"] == "Too many requests"
    assert problem["retry_after"] > 0
    raw = next(text for text in client.raw if json.loads(text)["msg_id"] == problem["msg_id"])
    assert oracle.accepts_text(oracle.FRAME_FILES["problem"], raw), raw


async def test_a_connection_over_its_limit_gets_429_with_retry_after(kit: Kit, clock: Clock) -> None:
    config = ProtocolConfig(rate_limit=RateLimit(per_second=2, burst=3))
    async with AsyncWebSocketTestClient(config=config) as client:
        replies = [await client.request("echo", {"text": f"t{n}"}) for n in range(4)]
        assert [reply.ok for reply in replies] == [True, True, True, False]
        refused = replies[3].problem
        assert refused is not None
        assert_rate_limited(client, refused)
        assert refused["req_id"] == replies[3].req_id
        # One token comes back every half second: the hint says exactly that.
        assert refused["retry_after"] == 0.5
        assert [payload.text for payload in kit.seen] == ["t0", "t1", "t2"]  # the refused handler never ran
        assert not client.closed

        clock.now += refused["retry_after"]
        again = await client.request("echo", {"text": "after"})
        assert again.ok
        assert again.payloads("echoed") == [{"text": "after"}]


async def test_the_bucket_refills_up_to_its_burst_only(kit: Kit, clock: Clock) -> None:
    config = ProtocolConfig(rate_limit=RateLimit(per_second=1, burst=2))
    async with AsyncWebSocketTestClient(config=config) as client:
        clock.now += 3600  # a long quiet spell fills the bucket to its burst, not beyond
        oks = [(await client.request("health")).ok for _ in range(3)]
    assert oks == [True, True, False]


async def test_bad_frames_draw_from_the_connection_bucket_too(kit: Kit, clock: Clock) -> None:
    config = ProtocolConfig(rate_limit=RateLimit(per_second=1, burst=2))
    async with AsyncWebSocketTestClient(config=config) as client:
        first = await client.send_frame("not json")
        second = await client.send_frame("not json")
        third = await client.send_frame("not json")
        assert [problems(frames)[0]["status"] for frames in (first, second, third)] == [400, 400, 429]
        assert problems(third)[0]["req_id"] is None
        assert not client.closed


async def test_a_refused_frame_still_names_its_req_id(kit: Kit, clock: Clock) -> None:
    config = ProtocolConfig(rate_limit=RateLimit(per_second=1, burst=1))
    async with AsyncWebSocketTestClient(config=config) as client:
        await client.request("health")
        refused = await client.request("no.such.action")
    assert refused.problem is not None
    assert refused.problem["status"] == 429  # refused before the frame is even decoded
    assert refused.problem["req_id"] == refused.req_id


async def test_a_per_action_limit_refuses_that_action_only(kit: Kit, clock: Clock) -> None:
    config = ProtocolConfig(action_rate_limits={"echo": RateLimit(per_second=0.1, burst=1)})
    async with AsyncWebSocketTestClient(config=config) as client:
        first = await client.request("echo", {"text": "one"})
        second = await client.request("echo", {"text": "two"})
        health = [await client.request("health") for _ in range(20)]
        assert first.ok
        assert second.problem is not None
        assert_rate_limited(client, second.problem)
        assert second.problem["retry_after"] == 10.0
        assert "echo" in second.problem["detail"]
        assert all(reply.ok for reply in health)
        assert [payload.text for payload in kit.seen] == ["one"]


async def test_limits_are_per_connection(kit: Kit, clock: Clock) -> None:
    config = ProtocolConfig(rate_limit=RateLimit(per_second=1, burst=1))
    dispatcher = Dispatcher(config)
    async with AsyncWebSocketTestClient(dispatcher) as alice, AsyncWebSocketTestClient(dispatcher) as bob:
        assert (await alice.request("health")).ok
        assert not (await alice.request("health")).ok
        assert (await bob.request("health")).ok


async def test_a_handler_may_answer_429_with_its_own_retry_after(kit: Kit) -> None:
    # retry_after is not reserved: an application's own throttling speaks the same language.
    from beeflow_websocket.core.problems import WebSocketProblem

    problem = WebSocketProblem(429, "quota_exceeded", extensions={"retry_after": 60})
    assert problem.extensions == {"retry_after": 60}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (5, RateLimit(5, 5)),
        (0.5, RateLimit(0.5, 1)),
        ((10, 40), RateLimit(10, 40)),
        ([10, 40], RateLimit(10, 40)),
        ({"per_second": 3, "burst": 9}, RateLimit(3, 9)),
        (RateLimit(2, 4), RateLimit(2, 4)),
    ],
)
def test_rate_limit_settings_take_the_usual_shapes(value: Any, expected: RateLimit | None) -> None:
    assert ProtocolConfig(rate_limit=value).rate_limit == expected
    assert ProtocolConfig(action_rate_limits={"chat.send": value}).action_rate_limits.get("chat.send") == expected


@pytest.mark.parametrize("value", [0, -1, "10/s", (1, 0), (1, 1.5), {"rate": 1}, True, float("nan")])
def test_a_bad_rate_limit_is_refused_with_the_setting_named(value: Any) -> None:
    with pytest.raises(ValueError, match="rate_limit"):
        ProtocolConfig(rate_limit=value)
    with pytest.raises(ValueError, match=r"action_rate_limits\['chat.send'\]"):
        ProtocolConfig(action_rate_limits={"chat.send": value})
