"""The runtime accepts a frame exactly when its JSON Schema in ``schema/frames/`` does.

The oracle is ``jsonschema`` with ECMA-262 patterns (``tests/schema_oracle.py``); the runtime is the
pydantic models of :mod:`beeflow_websocket.core.payloads` and, for action frames, a real connection.
Frames are generated from the schemas, then mutated: members dropped or replaced by arbitrary JSON,
ids replaced by near misses, blank and white space action names, payloads that are not objects.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from beeflow_websocket.core.frames import ActionDecoder, FrameRejected
from beeflow_websocket.core.payloads import (
    ACTION_NAME_PATTERN,
    UUID_PATTERN,
    CompletionPayload,
    EventFrame,
    ProblemFrame,
    SessionFrame,
    WebSocketActionPayload,
)
from beeflow_websocket.testing import WebSocketTestClient
from tests import schema_oracle as oracle
from tests.core.conftest import Kit

EXAMPLES = settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)

MODELS: dict[str, type[BaseModel]] = {
    "action": WebSocketActionPayload,
    "event": EventFrame,
    "problem": ProblemFrame,
    "completion": CompletionPayload,
    "session": SessionFrame,
}
INTEGER_MEMBERS = {
    "action": (),
    "event": ("seq",),
    "problem": ("status",),
    "completion": ("events",),
    "session": (),
}


def runtime_accepts(kind: str, text: str) -> bool:
    try:
        MODELS[kind].model_validate_json(text)
    except ValidationError:
        return False
    return True


def check_agreement(kind: str, instance: Any, text: str) -> None:
    by_schema = oracle.accepts_text(oracle.FRAME_FILES[kind], text)
    by_runtime = runtime_accepts(kind, text)
    event(f"{kind} accepted" if by_schema else f"{kind} rejected")
    assert by_runtime == by_schema, f"runtime {'accepts' if by_runtime else 'rejects'} {text!r}"


def test_the_schemas_use_the_runtime_patterns() -> None:
    uuid = oracle.load("frames/defs.json")["$defs"]["uuid"]
    assert uuid["pattern"] == UUID_PATTERN
    assert uuid["format"] == "uuid"
    assert oracle.load("frames/defs.json")["$defs"]["actionName"]["pattern"] == ACTION_NAME_PATTERN


@pytest.mark.parametrize("kind", sorted(MODELS))
@EXAMPLES
@given(data=st.data())
def test_generated_frames_are_valid(kind: str, data: st.DataObject) -> None:
    frame = data.draw(oracle.frames(kind))
    text = oracle.encode(data.draw, frame)
    assert oracle.accepts_text(oracle.FRAME_FILES[kind], text), text
    assert runtime_accepts(kind, text), text


@pytest.mark.parametrize("kind", sorted(MODELS))
@EXAMPLES
@given(data=st.data())
def test_runtime_accepts_exactly_what_the_schema_accepts(kind: str, data: st.DataObject) -> None:
    frame = data.draw(oracle.frames_and_mutants(kind))
    check_agreement(kind, frame, oracle.encode(data.draw, frame))


@EXAMPLES
@given(data=st.data())
def test_action_frame_text_edits(data: st.DataObject) -> None:
    """Raw text edits: truncated frames, stray characters."""
    frame = data.draw(oracle.frames_and_mutants("action"))
    text = oracle.encode(data.draw, frame)
    position = data.draw(st.integers(min_value=0, max_value=len(text)))
    edit = data.draw(st.sampled_from(["truncate", "insert", "whitespace"]))
    if edit == "truncate":
        text = text[:position]
    elif edit == "insert":
        text = text[:position] + data.draw(st.characters(exclude_categories=["Cs"])) + text[position:]
    else:
        text = data.draw(st.sampled_from([" ", "\n", "\t", "\r\n"])) + text + data.draw(st.sampled_from(["", "\n"]))
    check_agreement("action", frame, text)


# Pinned examples, near misses included. --------------------------------------------------------

UUID = "12345678-9abc-4def-8123-456789abcdef"
ACTION = {"msg_id": UUID, "req_id": UUID, "action": "health", "payload": {}}


@pytest.mark.parametrize(
    ("member", "value", "valid"),
    [
        ("msg_id", UUID.upper(), True),
        ("msg_id", UUID + "\n", False),
        ("msg_id", UUID.replace("-", ""), False),
        ("msg_id", "{" + UUID + "}", False),
        ("msg_id", "urn:uuid:" + UUID, False),
        ("req_id", None, False),
        ("action", "", False),
        ("action", " \t\r\n\v\f", False),
        ("action", "\u00a0", True),
        ("action", "\u3000", True),
        ("action", " x ", True),
        ("payload", [], False),
        ("payload", None, False),
        ("payload", "{}", False),
        ("extra", 1, True),
    ],
)
def test_action_frame_examples(member: str, value: Any, valid: bool) -> None:
    frame = {**ACTION, member: value}
    text = json.dumps(frame)
    assert oracle.accepts_text(oracle.FRAME_FILES["action"], text) is valid
    assert runtime_accepts("action", text) is valid


@pytest.mark.parametrize(
    ("kind", "frame"),
    [
        pytest.param("event", {"seq": "1"}, id="event-seq-string"),
        pytest.param("event", {"seq": True}, id="event-seq-true"),
        pytest.param("problem", {"status": "400"}, id="problem-status-string"),
        pytest.param("completion", {"events": "0"}, id="completion-events-string"),
        pytest.param("completion", {"events": False}, id="completion-events-false"),
        pytest.param("completion", {"events": 1e30}, id="completion-events-1e30"),
    ],
)
def test_integer_members_agree(kind: str, frame: dict[str, Any]) -> None:
    base: dict[str, dict[str, Any]] = {
        "event": {
            "msg_id": UUID,
            "req_id": None,
            "seq": 1,
            "event": "e",
            "recipient": "websocket",
            "recipient_id": "x",
            "payload": {},
        },
        "problem": {"type": "about:blank", "title": "t", "status": 400, "code": "c", "msg_id": UUID},
        "completion": {"msg_id": UUID, "req_id": UUID, "completed": "health", "events": 0},
    }
    text = json.dumps({**base[kind], **frame})
    assert runtime_accepts(kind, text) == oracle.accepts_text(oracle.FRAME_FILES[kind], text)


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param('{"text": "\\udc00"}', id="unpaired-low-surrogate"),
        pytest.param('{"\\ud800": 1}', id="unpaired-high-surrogate-key"),
    ],
)
def test_unpaired_surrogates_are_not_json(payload: str) -> None:
    """No UTF-8 text can hold them (RFC 7493 forbids them); both sides refuse the frame."""
    text = f'{{"msg_id": "{UUID}", "req_id": "{UUID}", "action": "health", "payload": {payload}}}'
    assert not oracle.accepts_text(oracle.FRAME_FILES["action"], text)
    assert not runtime_accepts("action", text)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_json_numbers_are_rejected(literal: str) -> None:
    # The frame models alone take them (pydantic's JSON parser does); the decoder refuses them.
    text = f'{{"msg_id": "{UUID}", "req_id": "{UUID}", "action": "health", "payload": {{"x": {literal}}}}}'
    assert not oracle.accepts_text(oracle.FRAME_FILES["action"], text)
    with pytest.raises(FrameRejected):
        ActionDecoder().decode(text)


# Through a real connection. ---------------------------------------------------------------------


def _answers(frames: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    problems = [frame for frame in frames if "status" in frame and "type" in frame]
    events = [frame for frame in frames if "event" in frame]
    return problems, events


def _check_through_connection(client: WebSocketTestClient, text: str) -> None:
    valid = oracle.accepts_text(oracle.FRAME_FILES["action"], text)
    answers = client.send_frame(text)
    problems, events = _answers(answers)
    rejected = [problem for problem in problems if problem["code"] == "invalid_websocket_message"]
    assert bool(rejected) is not valid, (text, answers)
    for answer in answers:
        kind = "problem" if answer in problems else "event" if answer in events else "completion"
        assert oracle.accepts(oracle.FRAME_FILES[kind], answer), (kind, answer)
    if not valid:
        (problem,) = answers
        # The req_id is echoed when the frame is a JSON object with a valid one, however bad the rest.
        assert problem["req_id"] == _valid_req_id(text), (text, problem)
        return
    frame = json.loads(text)
    # Completion negotiated: the events, then exactly one terminal frame, all with the frame's req_id.
    assert all(answer["req_id"] == frame["req_id"] for answer in answers)
    *leading, terminal = answers
    assert all("event" in answer for answer in leading)
    assert "completed" in terminal or terminal in problems
    if "completed" in terminal:
        assert terminal["completed"] == frame["action"]
        assert terminal["events"] == len(leading)
    if frame["action"] == "health":
        assert [answer.get("event") for answer in answers] == ["health", None]
        assert oracle.accepts("payloads/health-event.json", answers[0]["payload"])


def _valid_req_id(text: str) -> str | None:
    try:
        frame = json.loads(text)
    except ValueError:
        return None
    req_id = frame.get("req_id") if isinstance(frame, dict) else None
    return req_id if isinstance(req_id, str) and oracle.ecma_search(UUID_PATTERN, req_id) else None


def test_connection_rejects_exactly_the_frames_the_schema_rejects() -> None:
    with WebSocketTestClient() as client:

        @EXAMPLES
        @given(data=st.data())
        def check(data: st.DataObject) -> None:
            frame = data.draw(oracle.frames_and_mutants("action"))
            if isinstance(frame, dict) and "action" in frame and data.draw(st.booleans()):
                frame["action"] = "health"  # valid frames get answered, not refused as unknown
            _check_through_connection(client, oracle.encode(data.draw, frame))

        check()
        seqs = [frame["seq"] for frame in client.received if "event" in frame]
        assert seqs == list(range(1, len(seqs) + 1))
        assert all("seq" not in frame for frame in client.received if "event" not in frame)
        msg_ids = [frame["msg_id"] for frame in client.received]
        assert len(set(msg_ids)) == len(msg_ids)


def test_connection_with_more_actions_registered(kit: Kit) -> None:
    """With several actions the runtime decodes through a discriminated union first."""
    with WebSocketTestClient() as client:

        @settings(EXAMPLES, max_examples=150)
        @given(data=st.data())
        def check(data: st.DataObject) -> None:
            frame = data.draw(oracle.frames_and_mutants("action"))
            if isinstance(frame, dict) and data.draw(st.booleans()):
                frame["action"] = data.draw(st.sampled_from(["echo", "legacy_echo", "room.join", "health"]))
            _check_through_connection(client, oracle.encode(data.draw, frame))

        check()
