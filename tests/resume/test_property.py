"""Whatever the order of pushes, requests, drops, lost frames and resumes, the client's view of
its session is every frame once, in order, with seq 1, 2, 3, ... (hypothesis)."""

from __future__ import annotations

import asyncio
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from beeflow_websocket.core.dispatcher import Dispatcher
from beeflow_websocket.testing import AsyncWebSocketTestClient

from .conftest import Kit

Step = tuple[str, int]

steps = st.lists(
    st.one_of(
        st.tuples(st.just("push"), st.integers(1, 3)),
        st.tuples(st.just("request"), st.integers(1, 3)),
        st.tuples(st.just("drop"), st.integers(0, 3)),  # and the last n frames never reached the client
        st.tuples(st.just("takeover"), st.integers(0, 0)),  # resume while the server still holds the socket
    ),
    max_size=25,
)


async def scenario(kit: Kit, plan: list[Step]) -> None:
    dispatcher = Dispatcher()
    pushed = 0
    seen: list[str] = []  # the raw frames the client application kept, in order
    client = AsyncWebSocketTestClient(dispatcher, sessions=True)
    await client.__aenter__()
    await client.request("room.join", {"room": "r"})
    kept = 0  # frames of the current connection the application has taken into `seen`

    def take(upto: int | None = None) -> None:
        nonlocal kept
        frames = client.raw[1:] if upto is None else client.raw[1 : 1 + upto]
        seen.extend(frames[kept:])
        kept = len(frames)

    async def resume(lost: int) -> None:
        nonlocal client, kept
        own = len(client.raw) - 1
        lost = min(lost, own - kept)
        take(own - lost)
        after = json.loads(seen[-1])["seq"] if seen else 0
        client = client.resume(after=after)
        await client.__aenter__()
        assert client.session is not None
        assert client.session["resumed"] is True
        kept = 0

    for kind, number in plan:
        if kind == "push":
            for _ in range(number):
                await dispatcher.push(
                    kit.echo_event(recipient="group", recipient_id="r", payload={"text": f"p{pushed}"})
                )
                pushed += 1
        elif kind == "request":
            await client.request("echo", {"text": "e", "count": number})
        elif kind == "drop":
            await client.drop()
            await resume(number)
        else:
            await resume(0)
    take()
    await client.__aexit__(None, None, None)
    frames = [json.loads(frame) for frame in seen]
    assert [frame["seq"] for frame in frames] == list(range(1, len(frames) + 1))
    assert len({frame["msg_id"] for frame in frames}) == len(frames)
    texts = [frame["payload"]["text"] for frame in frames if frame.get("event") and frame["payload"]["text"] != "e"]
    assert texts == [f"p{number}" for number in range(pushed)]
    await dispatcher.sessions.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=steps)
def test_no_loss_no_duplicate_whatever_happens(kit: Kit, plan: list[Step]) -> None:
    asyncio.run(scenario(kit, plan))
