"""Django on two Daphne processes with channels-redis, and the sessions in Redis
(``BEEFLOW_WEBSOCKET_SESSION_STORE`` = the Redis URL): a session opened on A resumes on B.

Events go to the client's user and to a group it joined, alternately, from a third process (the
channel layer, as a job would). A client that drops and resumes on B gets every event exactly once,
in order; B joined the session's groups, and A let its copy go (the client can come back to A).
After a ``kill -9`` of A, B replays what A had written to Redis; a frame A sent but had not written
yet makes the resume a ``history-gap``, never a silent gap.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
import redis

from tests.conformance.servers import PYTHON, ROOT, Server, free_port, run_server
from tests.resume.test_servers import action, drop, frames_until, open_socket, said

from .conftest import RedisServer

Frame = dict[str, Any]
SETTINGS = "tests.conformance.apps.django_project.settings"
#: How long a test waits to be sure that nothing more arrives.
QUIET = 0.3


@pytest.fixture
def env(redis_server: RedisServer) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "BEEFLOW_TEST_REDIS_URL": redis_server.url,
        "BEEFLOW_TEST_REDIS_SESSIONS": "1",
    }


@pytest.fixture
def pair(env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Server]]:
    """Two Daphne processes of one Django project (a port each, so the test picks the process)."""
    tmp = tmp_path_factory.mktemp("django-adopt")
    with ExitStack() as stack:
        servers = []
        for name in ("daphne-a", "daphne-b"):
            port = free_port()
            argv = [
                PYTHON, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "-v", "1",
                "tests.conformance.apps.django_project.asgi:application",
            ]  # fmt: skip
            servers.append(stack.enter_context(run_server(name, argv, port=port, log=tmp / f"{name}.log", env=env)))
        yield servers


def push(env: dict[str, str], count: int, prefix: str, *targets: str) -> None:
    """Push ``count`` events, in turn to each target (``user=alice``, ``group=lobby``)."""
    argv = [PYTHON, "-m", "tests.redis.apps.django_push", str(count), prefix, *targets]
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    done = subprocess.run(argv, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def greeting(ws: Any) -> Frame:
    [first] = frames_until(ws, lambda frames: len(frames) == 1)
    session: Frame = first["session"]
    return session


def join(ws: Any, room: str) -> list[Frame]:
    req_id = action(ws, "room.join", {"room": room})
    return frames_until(ws, lambda frames: any(f.get("req_id") == req_id and "completed" in f for f in frames))


def written(redis_url: str, session: str, seq: int, *, attempts: int = 300) -> None:
    """Wait (bounded) until the session's owner has written every frame up to ``seq`` to Redis."""
    with redis.Redis.from_url(redis_url) as client:
        for _ in range(attempts):
            if int(client.hget(f"beeflow:s:{session}", "seq") or 0) >= seq:
                return
            time.sleep(0.02)
    raise AssertionError(f"session {session} did not reach seq {seq} in Redis")


def numbers(texts: list[str], prefix: str) -> list[int]:
    return [int(text.split()[1]) for text in texts if text.startswith(f"{prefix} ")]


def assert_quiet(ws: Any) -> None:
    time.sleep(QUIET)
    with pytest.raises(TimeoutError):
        ws.recv(0)


def token(session: Frame, seq: int) -> str:
    return f"beeflow.resume.{session['id']}.{session['epoch']}.{seq}"


def test_a_session_dropped_on_a_resumes_on_b_with_user_and_group_events_once_in_order(
    pair: list[Server], env: dict[str, str], redis_server: RedisServer
) -> None:
    a, b = pair
    user, room = f"u{uuid.uuid4().hex[:8]}", f"room-{uuid.uuid4().hex[:8]}"
    targets = (f"user={user}", f"group={room}")
    ws = open_socket(a, "beeflow.v2", "access-token", f"token-{user}")
    session = greeting(ws)
    first = join(ws, room)
    push(env, 20, "n", *targets)
    first += frames_until(ws, lambda frames: len(said(frames)) == 20)
    last = first[-1]["seq"]
    drop(ws)
    push(env, 30, "m", *targets)  # to A's parked session, through the channel layer
    written(redis_server.url, session["id"], last + 30)
    with open_socket(b, "beeflow.v2", "access-token", f"token-{user}", token(session, last)) as again:
        rest = frames_until(again, lambda frames: len(said(frames)) >= 30)
        assert rest[0]["session"] == {**session, "resumed": True}
        # B holds the session's user and group now; A's copy, gone, sends nothing twice.
        push(env, 6, "live", *targets)
        live = frames_until(again, lambda frames: len(said(frames)) >= 6)
        assert said(first) == [f"n {n}" for n in range(1, 21)]
        assert said(rest) + said(live) == [f"m {n}" for n in range(1, 31)] + [f"live {n}" for n in range(1, 7)]
        numbered = [frame["seq"] for frame in [*rest[1:], *live]]
        assert numbered == list(range(last + 1, last + 1 + len(numbered)))
        assert_quiet(again)
        back_from = numbered[-1]
    # A let its copy go: the client can come back to A, which adopts the session again from B.
    written(redis_server.url, session["id"], back_from)
    push(env, 4, "back", *targets)  # while B holds it, parked
    written(redis_server.url, session["id"], back_from + 4)
    with open_socket(a, "beeflow.v2", "access-token", f"token-{user}", token(session, back_from)) as home:
        returned = frames_until(home, lambda frames: len(said(frames)) >= 4)
        assert returned[0]["session"] == {**session, "resumed": True}
        assert said(returned) == [f"back {n}" for n in range(1, 5)]
        assert [frame["seq"] for frame in returned[1:]] == list(range(back_from + 1, back_from + 5))
        assert_quiet(home)
    assert all(server.process.poll() is None for server in pair)


def test_kill_9_of_a_then_b_replays_what_a_had_written(
    pair: list[Server], env: dict[str, str], redis_server: RedisServer
) -> None:
    a, b = pair
    user, room = f"u{uuid.uuid4().hex[:8]}", f"room-{uuid.uuid4().hex[:8]}"
    targets = (f"user={user}", f"group={room}")
    ws = open_socket(a, "beeflow.v2", "access-token", f"token-{user}")
    session = greeting(ws)
    join(ws, room)
    push(env, 30, "n", *targets)
    first = frames_until(ws, lambda frames: len(said(frames)) == 30)
    seen = 10  # the client read only part of what A sent and wrote
    last = next(frame["seq"] for frame in first if said([frame]) == [f"n {seen}"])
    written(redis_server.url, session["id"], first[-1]["seq"])
    os.kill(a.process.pid, signal.SIGKILL)
    a.process.wait(10)
    with contextlib.suppress(OSError):
        drop(ws)
    with open_socket(b, "beeflow.v2", "access-token", f"token-{user}", token(session, last)) as again:
        rest = frames_until(again, lambda frames: len(said(frames)) >= 30 - seen)
        assert rest[0]["session"] == {**session, "resumed": True}
        assert said(rest) == [f"n {n}" for n in range(seen + 1, 31)]
        assert [frame["seq"] for frame in rest[1:]] == list(range(last + 1, last + len(rest)))
        push(env, 4, "after", *targets)  # B joined the session's group and its user
        live = frames_until(again, lambda frames: len(said(frames)) >= 4)
        assert said(live) == [f"after {n}" for n in range(1, 5)]
        assert_quiet(again)


def test_kill_9_of_a_while_events_stream_in_is_a_contiguous_resume_or_a_resync(
    pair: list[Server], env: dict[str, str]
) -> None:
    a, b = pair
    user, room = f"u{uuid.uuid4().hex[:8]}", f"room-{uuid.uuid4().hex[:8]}"
    targets = (f"user={user}", f"group={room}")
    ws = open_socket(a, "beeflow.v2", "access-token", f"token-{user}")
    session = greeting(ws)
    first = join(ws, room)
    pushing = threading.Thread(target=push, args=(env, 300, "n", *targets))
    pushing.start()
    try:
        first += frames_until(ws, lambda frames: len(said(frames)) >= 40)
        os.kill(a.process.pid, signal.SIGKILL)  # A is numbering and writing frames right now
        a.process.wait(10)
    finally:
        pushing.join(120)
    with contextlib.suppress(OSError):
        drop(ws)
    last = first[-1]["seq"]
    with open_socket(b, "beeflow.v2", "access-token", f"token-{user}", token(session, last)) as again:
        resumed = greeting(again)
        if resumed["resumed"]:
            push(env, 2, "after", *targets)
            rest = frames_until(again, lambda frames: len(numbers(said(frames), "after")) == 2)
            seen = numbers(said(first) + said(rest), "n")
            assert seen == list(range(1, len(seen) + 1))  # no duplicate, no gap (a shorter tail at most)
            assert numbers(said(rest), "after") == [1, 2]
            assert [frame["seq"] for frame in rest] == list(range(last + 1, last + 1 + len(rest)))
        else:
            assert resumed["resync"] == "history-gap"  # A sent a frame it had not written: never a silent gap
