"""A real browser against real servers: the generated chat client in headless Chromium.

Each test runs against every server in ``conftest.SERVER_KINDS`` (FastAPI on uvicorn, Django on
daphne, Flask on werkzeug): the page (``page/scenarios.ts``) uses the TypeScript client generated
from ``examples/chat/asyncapi.yaml``; the servers serve the Python package generated from it.

``BEEFLOW_E2E_SCREENSHOT=docs/images/chat.png`` makes the chat test save its screenshot (FastAPI).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conformance.servers import ROOT

from .conftest import Browser, ChatServer

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@pytest.fixture(scope="module")
def page(browser: Browser, server: ChatServer) -> Iterator[str]:
    """The scenarios page, opened on the server's origin."""
    key = server.name
    browser.send("open", page=key, ws=server.ws)
    yield key
    browser.send("close", page=key)


def run(browser: Browser, server: ChatServer, page: str, scenario: str, *args: str) -> dict[str, Any]:
    try:
        result: dict[str, Any] = browser.send("call", page=page, fn=scenario, args=list(args))
    except (AssertionError, TimeoutError) as error:
        raise AssertionError(f"{error}\n--- server log\n{server.logs()}\n--- browser log\n{browser.logs()}") from None
    return result


def test_requests_resolve_with_typed_replies(browser: Browser, server: ChatServer, page: str) -> None:
    result = run(browser, server, page, "requests", "e2e-requests")
    assert result["completion"] is True  # beeflow.v2 negotiated: requests end at completion frames
    [joined] = result["joined"]
    assert joined["event"] == "chat.joined"
    assert joined["payload"] == {"room": "e2e-requests", "user": "alice"}
    assert (joined["recipient"], joined["has_req_id"]) == ("group", True)
    [posted] = result["posted"]
    assert posted["event"] == "chat.message_posted"
    message = posted["payload"]
    assert (message["author"], message["text"], message["room"]) == ("alice", "Hello from the browser", "e2e-requests")
    assert UUID.match(message["id"])
    assert message["sent_at"].startswith("20")
    [typing] = result["streamed"]
    assert (typing["event"], typing["payload"]) == (
        "chat.typing_changed",
        {"room": "e2e-requests", "user": "alice", "typing": True},
    )
    assert [event["event"] for event in result["left"]] == ["chat.left"]
    # On beeflow.v2 every frame of the session is numbered: each request's completion sits between.
    assert [event["seq"] for event in [joined, posted, typing]] == [1, 3, 5]


def test_problems_reject_with_problem_error(browser: Browser, server: ChatServer, page: str) -> None:
    result = run(browser, server, page, "problems", "e2e-problems")
    invalid = result["invalid"]
    assert (invalid["error"], invalid["status"], invalid["code"]) == ("ProblemError", 422, "invalid_websocket_payload")
    assert invalid["pointers"] == ["/payload/room", "/payload/text"]
    assert invalid["has_req_id"] is True
    assert invalid["type"] == "https://example.com/problems/chat/invalid-payload"
    not_in_room = result["notInRoom"]
    assert (not_in_room["error"], not_in_room["status"], not_in_room["code"]) == ("ProblemError", 403, "not_in_room")
    assert result["joinedAfter"] == 1


def test_events_pushed_from_other_connections(browser: Browser, server: ChatServer, page: str) -> None:
    result = run(browser, server, page, "pushes", "e2e-pushes")
    group = result["group"]
    assert (group["event"], group["recipient"], group["has_req_id"]) == ("chat.message_posted", "group", False)
    assert (group["payload"]["author"], group["payload"]["text"]) == ("bob", "hi alice")
    user = result["user"]
    assert (user["recipient"], user["recipient_id"], user["has_req_id"]) == ("user", "alice", False)
    assert (user["payload"]["author"], user["payload"]["text"]) == ("carol", "psst")
    assert result["senderSaw"] == 0


def test_the_access_token_authenticates(browser: Browser, server: ChatServer, page: str) -> None:
    result = run(browser, server, page, "tokens", "e2e-tokens")
    assert result["author"] == "dave"
    assert result["refused"]["error"] == "ConnectionLostError"
    assert result["refusedState"] == "closed"
    assert result["noToken"]["error"] == "ConnectionLostError"


def test_two_tabs_chat_on_the_page(browser: Browser, server: ChatServer) -> None:
    screenshot = os.environ.get("BEEFLOW_E2E_SCREENSHOT") if server.name == "fastapi-uvicorn" else None
    seen = browser.send("chat", chat=f"{server.origin}/", screenshot=str(ROOT / screenshot) if screenshot else None)
    for tab in ("alice", "bob"):
        assert "Hi Bob! The client is generated from asyncapi.yaml." in seen[tab]
        assert "Hi Alice! Typed payloads on both ends." in seen[tab]
    assert "422 invalid_websocket_payload" in seen["problem"]
    assert "/payload/text" in seen["problem"]
    assert seen["typing"] == "bob is typing…"


def test_reconnects_after_the_server_restarts(browser: Browser, server: ChatServer, page: str) -> None:
    before = run(browser, server, page, "beforeRestart", "e2e-restart")
    assert before == {"state": "open", "joined": 1}
    server.stop()
    during = run(browser, server, page, "duringRestart", "e2e-restart")
    assert during["state"] in ("reconnecting", "connecting")
    server.start()
    after = run(browser, server, page, "afterRestart", "e2e-restart")
    assert after["rejoined"]["resolved"][0]["event"] == "chat.joined"  # queued while down, sent on reconnect
    # A new server process has a new history epoch: the resume is refused with a resync (the
    # joined event and its completion were seq 1 and 2), never reported as a silent gap.
    assert after["resyncs"] == [{"reason": "epoch-changed", "lastSeq": 2}]
    assert after["gaps"] == []
    assert "reconnecting" in after["states"]
    assert after["states"][-1] == "open"
    assert after["posted"]["payload"]["author"] == "erin"
