"""A frame whose validation raises something other than a validation error gets a 500 and the connection lives on.

``FaultyPayload`` (tests/conformance/apps/actions.py) fails inside its own validator: an
``AttributeError``, a ``RecursionError`` or a ``RuntimeError`` carrying a secret. The client gets
an RFC 9457 internal error naming no internals; the server logs it under the problem's
``instance``. Checked in memory and on every real adapter of the conformance suite.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from beeflow_websocket.testing import AsyncWebSocketTestClient
from tests.conformance.client import Client
from tests.conformance.conftest import server  # noqa: F401 - the real-server fixture
from tests.conformance.servers import Server

FAULTS = ["attribute", "recursion", "secret"]


def assert_internal_error(problem: dict[str, Any], req_id: str) -> None:
    assert problem["status"] == 500
    assert problem["code"] == "internal_websocket_error"
    assert problem["req_id"] == req_id
    assert problem["instance"] == f"urn:uuid:{problem['msg_id']}"
    text = str(problem)
    for internal in ("hunter2", "no_such_attribute", "Recursion", "Traceback", "FaultyPayload"):
        assert internal not in text


@pytest.fixture
def faulty() -> None:
    import importlib

    import tests.conformance.apps.actions as actions

    importlib.reload(actions)  # registers its actions in this test's registries


@pytest.mark.parametrize("fault", FAULTS)
async def test_in_memory(faulty: None, fault: str, caplog: pytest.LogCaptureFixture) -> None:
    async with AsyncWebSocketTestClient() as client:
        with caplog.at_level(logging.ERROR, logger="beeflow_websocket"):
            reply = await client.request("validate.faulty", {"fault": fault})
        assert reply.problem is not None, reply.frames
        assert_internal_error(reply.problem, reply.req_id or "")
        assert reply.problem["instance"].removeprefix("urn:uuid:") in caplog.text
        assert not client.closed
        after = await client.request("validate.faulty", {"fault": "none"})
        assert after.payloads("echoed") == [{"text": "none"}]


def test_on_a_real_server(server: Server) -> None:  # noqa: F811 - the imported fixture
    with Client(server.url) as client:
        for fault in FAULTS:
            req_id = client.send("validate.faulty", {"fault": fault})
            [problem] = client.until_terminal(req_id)
            assert_internal_error(problem, req_id)
            assert problem["instance"].removeprefix("urn:uuid:") in server.logs()
        frames = client.request("validate.faulty", {"fault": "none"})
        assert [frame.get("payload") for frame in frames] == [{"text": "none"}, None]
        assert frames[-1]["completed"] == "validate.faulty"
