"""Fuzzed frames and the verdict on the answers they get, shared by the fuzz tests and
``benchmarks/fuzz_adapters.py``.

:func:`fuzz_frames` draws frames of many kinds: frames built from ``schema/frames/action.json``
and mutants of them, typed frames for the conformance actions with good and bad payloads, random
text and bytes, deep nesting, huge numbers, duplicate members, lone surrogates (escaped, and raw
where the transport allows), invalid UTF-8 in binary frames, and NaN/Infinity.

:func:`judge` checks what one frame got back: exactly one terminal answer (a completion or a
problem, with the connection offering ``beeflow.v1``), every answer valid against its schema in
``schema/frames/``, no 5xx, no traceback text.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from tests import schema_oracle as oracle

#: Conformance actions the fuzzer names (``fail`` answers 500 on purpose and ``sleep`` sleeps: left out).
ACTIONS = ("health", "echo", "whoami", "room.join", "room.leave", "room.say", "notify_user", "forbid")
#: Frames stay under the conformance apps' 64 KiB limit (over it, the answer is 413 and a close).
MAX_FRAME = 60_000

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
_ids = st.one_of(st.uuids().map(str), st.uuids().map(str), oracle.uuid_like, st.none(), st.integers())


def _frame_text(msg_id: Any, req_id: Any, action: Any, payload: Any) -> str:
    return json.dumps({"msg_id": msg_id, "req_id": req_id, "action": action, "payload": payload})


@st.composite
def _schema_frames(draw: st.DrawFn) -> str:
    return oracle.encode(draw, draw(oracle.frames_and_mutants("action")))


def _payloads(action: str) -> st.SearchStrategy[Any]:
    text = st.text(max_size=30)
    typed: dict[str, st.SearchStrategy[Any]] = {
        "echo": st.fixed_dictionaries({"text": text}, optional={"count": st.integers(-3, 120) | _json}),
        "room.join": st.fixed_dictionaries({"room": text}),
        "room.leave": st.fixed_dictionaries({"room": text}),
        "room.say": st.fixed_dictionaries({"room": text, "text": text}),
        "notify_user": st.fixed_dictionaries({"user_id": text, "text": text}),
    }
    return st.one_of(typed.get(action, st.just({})), _json)


@st.composite
def _typed_frames(draw: st.DrawFn) -> str:
    action = draw(st.sampled_from(ACTIONS))
    ids = st.uuids().map(str) if draw(st.booleans()) else _ids
    return _frame_text(draw(ids), draw(ids), action, draw(_payloads(action)))


def _valid(payload_json: str, action: str = "echo") -> str:
    return f'{{"msg_id":"{uuid.uuid4()}","req_id":"{uuid.uuid4()}","action":"{action}","payload":{payload_json}}}'


@st.composite
def _deep(draw: st.DrawFn) -> str:
    opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}"), ('{"text":[', "]}")]))
    depth = draw(st.integers(1, (MAX_FRAME - 300) // (len(opener) + len(closer))))
    body = opener * depth + "0" + closer * depth
    return body if draw(st.booleans()) else _valid(body)


@st.composite
def _huge_numbers(draw: st.DrawFn) -> str:
    digits = draw(st.integers(20, 5000))
    number = draw(
        st.sampled_from(
            ["9" * digits, "-" + "9" * digits, "1e" + "9" * min(digits, 30), "0." + "0" * digits + "1", "1E-400", "-0"]
        )
    )
    where = draw(st.sampled_from(["count", "text", "msg_id", "payload"]))
    if where == "payload":
        return _valid(number)
    if where == "msg_id":
        return f'{{"msg_id":{number},"req_id":"{uuid.uuid4()}","action":"echo","payload":{{}}}}'
    return _valid(f'{{"text":"x","{where}":{number}}}')


@st.composite
def _duplicates(draw: st.DrawFn) -> str:
    member = draw(st.sampled_from(["msg_id", "req_id", "action", "payload"]))
    values = {
        "msg_id": f'"{uuid.uuid4()}"',
        "req_id": f'"{uuid.uuid4()}"',
        "action": draw(st.sampled_from(['"echo"', '"health"', '"nope"', "1"])),
        "payload": draw(st.sampled_from(['{"text":"a"}', "{}", "[]", '{"text":"a","text":"b"}'])),
    }
    members = [f'"{key}":{value}' for key, value in values.items()]
    members.insert(draw(st.integers(0, len(members))), f'"{member}":{draw(st.sampled_from(list(values.values())))}')
    return "{" + ",".join(members) + "}"


@st.composite
def _surrogates(draw: st.DrawFn, raw: bool) -> str:
    lone = draw(st.sampled_from(["\\ud800", "\\udfff", "\\udc00\\ud800", "\\ud83d"]))
    where = draw(st.sampled_from(["action", "text", "req_id", "key"]))
    if raw and draw(st.booleans()):
        lone = json.loads(f'"{lone}"')  # a Python str holding the surrogate itself
    if where == "action":
        return f'{{"msg_id":"{uuid.uuid4()}","req_id":"{uuid.uuid4()}","action":"{lone}","payload":{{}}}}'
    if where == "req_id":
        return f'{{"msg_id":"{uuid.uuid4()}","req_id":"{lone}","action":"echo","payload":{{}}}}'
    if where == "key":
        return _valid(f'{{"{lone}":1,"text":"a"}}')
    return _valid(f'{{"text":"a{lone}b"}}')


@st.composite
def _bad_utf8(draw: st.DrawFn) -> bytes:
    junk = draw(st.sampled_from([b"\xff", b"\xfe\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe2\x82", b"\x80"]))
    frame = _valid('{"text":"aXb"}').encode()
    return frame.replace(b"X", junk) if draw(st.booleans()) else junk + frame


@st.composite
def _non_finite(draw: st.DrawFn) -> str:
    literal = draw(st.sampled_from(["NaN", "Infinity", "-Infinity", "nan", "inf"]))
    return _valid(f'{{"text":"x","count":{literal}}}')


def fuzz_frames(*, raw_surrogates: bool = True) -> st.SearchStrategy[str | bytes]:
    """Frames of every kind above. ``raw_surrogates=False`` for a real socket, where a text frame
    must be UTF-8 (the client library refuses to send a lone surrogate)."""
    return st.one_of(
        _schema_frames(),
        _typed_frames(),
        _typed_frames(),
        st.text(max_size=200),
        st.binary(max_size=200),
        _deep(),
        _huge_numbers(),
        _duplicates(),
        _surrogates(raw_surrogates),
        _bad_utf8(),
        _non_finite(),
    )


@dataclass
class Tally:
    """What the fuzzed frames got, by kind of failure (every count should stay 0)."""

    frames: int = 0
    crashes: int = 0
    unexpected_closes: int = 0
    server_errors_on_bad_input: int = 0
    invalid_replies: int = 0
    not_one_answer: int = 0
    examples: list[str] = field(default_factory=list)

    def failures(self) -> int:
        return (
            self.crashes
            + self.unexpected_closes
            + self.server_errors_on_bad_input
            + self.invalid_replies
            + self.not_one_answer
        )

    def note(self, kind: str, frame: str | bytes, detail: str) -> None:
        setattr(self, kind, getattr(self, kind) + 1)
        if len(self.examples) < 10:
            self.examples.append(f"{kind}: {frame[:120]!r} -> {detail[:300]}")

    def counts(self) -> dict[str, int]:
        return {
            "frames": self.frames,
            "crashes": self.crashes,
            "unexpected closes": self.unexpected_closes,
            "5xx on bad input": self.server_errors_on_bad_input,
            "invalid replies": self.invalid_replies,
            "frames without exactly one answer": self.not_one_answer,
        }


def kind_of(answer: dict[str, Any]) -> str:
    if "completed" in answer:
        return "completion"
    if "event" in answer:
        return "event"
    return "problem"


def judge(tally: Tally, frame: str | bytes, answers: list[dict[str, Any]], raw: list[str]) -> None:
    """Record what was wrong, if anything, with the answers one frame got."""
    tally.frames += 1
    terminal = [answer for answer in answers if kind_of(answer) != "event"]
    if len(terminal) != 1:
        tally.note("not_one_answer", frame, f"{len(terminal)} terminal answers: {answers}")
    for answer, text in zip(answers, raw, strict=True):
        kind = kind_of(answer)
        if not oracle.accepts(oracle.FRAME_FILES[kind], answer):
            tally.note("invalid_replies", frame, f"{kind} fails its schema: {text}")
        elif kind == "problem" and answer["status"] >= 500:
            tally.note("server_errors_on_bad_input", frame, text)
        elif ("Traceback" in text or 'File "' in text) and not _echoes(frame):
            tally.note("invalid_replies", frame, f"traceback text: {text}")
        elif not _utf8(text):
            tally.note("invalid_replies", frame, f"not sendable as a text frame (lone surrogate): {text!r}")


def _echoes(frame: str | bytes) -> bool:
    # A problem may quote the client's own action name: traceback words the frame itself sent.
    data = frame if isinstance(frame, bytes) else frame.encode("utf-8", "surrogatepass")
    return (
        b"Traceback" in data
        or b'File \\"' in data
        or b"Traceback" in data.decode("unicode_escape", "ignore").encode("utf-8", "surrogatepass")
    )


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def run_over_socket(url: str, frames: list[str | bytes], tally: Tally, *, timeout: float = 10.0) -> None:
    """Send ``frames`` one at a time over a real WebSocket and judge the answers of each.

    A connection that closes is counted and opened again; one that cannot be opened again means
    the server crashed, and the run stops.
    """
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import ClientConnection, connect

    def open_connection() -> ClientConnection:
        return connect(
            url,
            subprotocols=["beeflow.v1", "access-token", "token-fuzz"],  # type: ignore[list-item]
            max_size=None,
            compression=None,
            open_timeout=timeout,
        ).__enter__()

    ws = open_connection()
    try:
        for frame in frames:
            answers: list[dict[str, Any]] = []
            raw: list[str] = []
            try:
                ws.send(frame)
                while True:
                    text = ws.recv(timeout=timeout)
                    if isinstance(text, bytes):
                        tally.note("invalid_replies", frame, f"binary answer {text[:80]!r}")
                        break
                    answer = json.loads(text)
                    answers.append(answer)
                    raw.append(text)
                    if kind_of(answer) != "event":
                        break
            except TimeoutError:
                pass  # judged below: no terminal answer
            except ConnectionClosed as closed:
                tally.frames += 1
                tally.note("unexpected_closes", frame, f"closed: {closed!r}")
                try:
                    ws = open_connection()
                except OSError as error:
                    tally.note("crashes", frame, f"the server is gone: {error!r}")
                    return
                continue
            judge(tally, frame, answers, raw)
    finally:
        ws.close()
