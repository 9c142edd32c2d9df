"""Property-based fuzzing of the core's decoder and dispatcher: every frame gets exactly one
answer, valid against ``schema/frames/``, never a 5xx or a traceback, and the connection lives."""

from __future__ import annotations

import importlib
import sys

from hypothesis import HealthCheck, given, settings

from beeflow_websocket.testing import WebSocketTestClient

from .fuzzing import Tally, fuzz_frames, judge

CONFORMANCE = "tests.conformance.apps"


def _register_conformance_actions() -> None:
    for name in (f"{CONFORMANCE}.actions", f"{CONFORMANCE}.events"):
        sys.modules.pop(name, None)
    importlib.import_module(f"{CONFORMANCE}.actions")


def test_fuzzed_frames_each_get_one_valid_answer_and_the_connection_lives() -> None:
    _register_conformance_actions()
    tally = Tally()
    with WebSocketTestClient(user_id="fuzz") as client:

        @settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(frame=fuzz_frames())
        def one_frame(frame: str | bytes) -> None:
            start = len(client.received)
            client.send_frame(frame)
            judge(tally, frame, client.received[start:], client.raw[start:])
            assert not client.closed, f"closed with {client.close_code} after {frame[:200]!r}"
            assert tally.failures() == 0, tally.examples

        one_frame()
        assert client.request("health").ok
    assert tally.frames >= 1500
