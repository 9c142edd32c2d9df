"""The frames a v2 session sends are valid against schema/frames/ (session.json, seq on the others)."""

from __future__ import annotations

from beeflow_websocket.core.dispatcher import Dispatcher
from beeflow_websocket.core.handshake import ResumeRequest
from beeflow_websocket.core.payloads import CompletionPayload, SessionFrame
from beeflow_websocket.testing import AsyncWebSocketTestClient
from tests import schema_oracle as oracle

from .conftest import Kit


async def test_v2_frames_match_their_schemas(kit: Kit) -> None:
    dispatcher = Dispatcher()
    async with AsyncWebSocketTestClient(dispatcher, sessions=True) as client:
        await client.request("echo", {"text": "a"})
        await client.request("forbid")
        await client.drop()
    [greeting, event, completion, problem] = client.received
    assert oracle.accepts("frames/session.json", greeting)
    assert SessionFrame.model_validate_json(client.raw[0]).session.id == greeting["session"]["id"]
    assert CompletionPayload.model_validate_json(client.raw[2]).seq == 2
    assert oracle.accepts("frames/event.json", event)
    assert oracle.accepts("frames/completion.json", completion)
    assert oracle.accepts("frames/problem.json", problem)
    assert not oracle.accepts("frames/completion.json", {**completion, "seq": 0})
    async with client.resume(after=99) as refused:
        assert refused.session is not None
        assert refused.session["resync"] == "history-gap"
        assert oracle.accepts("frames/session.json", refused.received[0])
    bad = {**greeting, "session": {**greeting["session"], "resync": "no-reason"}}
    assert not oracle.accepts("frames/session.json", bad)
    assert not oracle.accepts("frames/session.json", {**greeting, "session": {**greeting["session"], "id": "X"}})
    assert ResumeRequest("a" * 32, "b" * 16, 0).token == f"beeflow.resume.{'a' * 32}.{'b' * 16}.0"
