"""Recipients, pushes from outside a request, the one loop, and writing under a slow reader."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
import uuid
from contextlib import ExitStack
from typing import Any

import pytest
from flask import Flask
from flask_sock import Sock  # type: ignore[import-untyped]

from beeflow_websocket.core.action_registry import ActionRegistryMeta
from beeflow_websocket.core.action_set import ActionSet
from beeflow_websocket.core.hub import Delivery, LocalHub
from beeflow_websocket.flask import adapter as flask_adapter
from beeflow_websocket.flask import configure_beeflow_websocket, get_dispatcher, handle_beeflow_websocket
from beeflow_websocket.flask.loop import process_loop

from .conftest import Served, action, open_ws, recv, request
from .kit import Note, register


class RecordingHub(LocalHub):
    """The in-process hub, noting the thread each delivery runs on."""

    def __init__(self) -> None:
        super().__init__()
        self.threads: list[str] = []

    async def deliver(self, delivery: Delivery) -> None:
        self.threads.append(threading.current_thread().name)
        await super().deliver(delivery)


def make_app(**options: Any) -> Flask:
    """Connections to /ws/<user> belong to that user; POST /push/<user> pushes from a view."""
    app = Flask("delivery_test")
    sock = Sock(app)
    configure_beeflow_websocket(app, autodiscover=False, **options)

    @sock.route("/ws/<user>")  # type: ignore[untyped-decorator]
    def websocket_endpoint(websocket: Any, user: str) -> None:
        handle_beeflow_websocket(websocket, user_id=user)

    @app.post("/push/<user>")
    def push(user: str) -> dict[str, bool]:
        get_dispatcher(app).push_sync(Note(recipient="user", recipient_id=user, payload={"from": "view"}))
        return {"ok": True}

    return app


def post(server: Served, path: str) -> Any:
    with urllib.request.urlopen(urllib.request.Request(server.http(path), method="POST"), timeout=10) as response:
        return json.loads(response.read())


def test_the_adapter_loop_is_the_dispatchers_before_any_connection() -> None:
    hub = RecordingHub()
    app = make_app(hub=hub)
    dispatcher = get_dispatcher(app)
    assert dispatcher.loop is process_loop()
    assert dispatcher.loop.is_running()
    dispatcher.push_sync(Note(recipient="user", recipient_id="nobody", payload={}))  # nobody listens: no error
    assert hub.threads == ["beeflow-websocket-loop"]


def test_push_from_a_view_a_thread_and_async_code_on_the_loop(served: Any) -> None:
    register()
    hub = RecordingHub()
    app = make_app(hub=hub)
    server: Served = served(app)
    with open_ws(server.url("/ws/ann"), "beeflow.v1") as ann, open_ws(server.url("/ws/ben")) as ben:
        request(ann)  # both sockets are attached once they have answered something
        ben.send(action())
        recv(ben)
        assert post(server, "/push/ann") == {"ok": True}
        pushed = recv(ann)
        worker = threading.Thread(
            target=get_dispatcher(app).push_sync,
            args=(Note(recipient="user", recipient_id="ben", payload={"from": "thread"}),),
        )
        worker.start()
        worker.join(10)
        frames = request(ann, "relay", {"text": "hi ben", "user": "ben"})
        assert frames[-1]["events"] == 0  # a push is not one of the action's own events
        assert (pushed["payload"], pushed["req_id"], pushed["seq"]) == ({"from": "view"}, None, 2)
        from_thread, from_loop = recv(ben), recv(ben)
    assert (from_thread["payload"], from_thread["req_id"], from_thread["seq"]) == ({"from": "thread"}, None, 2)
    assert (from_loop["payload"], from_loop["req_id"], from_loop["seq"]) == ({"text": "hi ben"}, None, 3)
    assert set(hub.threads) == {"beeflow-websocket-loop"}


def test_user_and_group_recipients_reach_every_connection_of_the_process(served: Any) -> None:
    server: Served = served(make_app())
    with open_ws(server.url("/ws/cat")) as phone, open_ws(server.url("/ws/cat")) as laptop:
        for ws in (phone, laptop):
            ws.send(action())
            recv(ws)
        post(server, "/push/cat")
        assert recv(phone)["payload"] == recv(laptop)["payload"] == {"from": "view"}


def test_one_loop_on_one_thread_serves_every_message(served: Any) -> None:
    seen = register()
    server: Served = served(make_app())
    with ExitStack() as stack:
        sockets = [stack.enter_context(open_ws(server.url(f"/ws/user{index}"), "beeflow.v1")) for index in range(3)]
        for ws in sockets:
            request(ws, "where")
        threads_before = threading.active_count()
        for _ in range(100):
            for ws in sockets:
                request(ws, "where")
        assert threading.active_count() == threads_before  # no thread, and no loop, per message
    assert seen.loops == {id(process_loop())}
    assert seen.threads == {"beeflow-websocket-loop"}


def test_a_slow_reader_gets_every_frame_in_order_and_never_blocks_the_loop(served: Any) -> None:
    seen = register()
    server: Served = served(make_app())
    count, size = 1500, 16 * 1024  # ~25 MB: more than the socket buffers hold, so the writer thread takes over
    with (
        open_ws(server.url("/ws/slow"), "beeflow.v1") as slow,
        open_ws(server.url("/ws/quick"), "beeflow.v1") as quick,
    ):
        slow.send(action("flood", {"count": count, "size": size}))
        time.sleep(0.5)  # the slow client reads nothing meanwhile
        start = time.monotonic()
        for _ in range(20):
            assert request(quick)[-1]["completed"] == "health"
        assert time.monotonic() - start < 5
        assert not seen.floods_done.is_set()  # the flood waits for the slow socket (backpressure)
        assert any(thread.name.startswith("beeflow-websocket-sender-") for thread in threading.enumerate())
        frames = [recv(slow) for _ in range(count + 1)]
    assert [frame["payload"]["index"] for frame in frames[:-1]] == list(range(count))
    assert [frame["seq"] for frame in frames[:-1]] == list(range(1, count + 1))
    assert (frames[-1]["completed"], frames[-1]["events"]) == ("flood", count)
    assert seen.floods_done.is_set()


@pytest.mark.parametrize("fed", [True, False], ids=["fed by the reader thread", "read by the request thread"])
def test_pipelined_frames_are_answered_one_at_a_time_in_arrival_order(
    served: Any, monkeypatch: pytest.MonkeyPatch, fed: bool
) -> None:
    # Frames sent without waiting reach the loop back to back (or in batches, when the request
    # thread reads them: sockets a Feed cannot serve); an action that waits (sleep) must still
    # finish, completion included, before the next frame starts.
    if not fed:
        monkeypatch.setattr(flask_adapter, "feedable", lambda websocket: False)
    register()
    server: Served = served(make_app())
    with open_ws(server.url("/ws/pat"), "beeflow.v1") as ws:
        sent = []
        for index in range(150):
            req_id = str(uuid.uuid4())
            sent.append(req_id)
            waits = index % 50 == 7
            ws.send(action("sleep", {"seconds": 0.01}, req_id=req_id) if waits else action("where", req_id=req_id))
        frames = [recv(ws) for _ in range(300)]
    assert [frame["req_id"] for frame in frames] == [req_id for req_id in sent for _ in range(2)]
    assert ["completed" in frame for frame in frames] == [False, True] * 150
    assert [frame["seq"] for frame in frames if "seq" in frame] == list(range(1, 151))


def test_max_in_flight_runs_actions_of_one_connection_at_once(served: Any) -> None:
    register()
    server: Served = served(make_app(max_in_flight=2))
    with open_ws(server.url("/ws/pat"), "beeflow.v1") as ws:
        start = time.monotonic()
        ws.send(action("sleep", {"seconds": 0.6}))
        ws.send(action("sleep", {"seconds": 0.6}))
        frames = [recv(ws) for _ in range(4)]
        assert time.monotonic() - start < 1.1
    assert sum("completed" in frame for frame in frames) == 2


def test_completion_frames_are_not_held_back_by_nagle(served: Any) -> None:
    # Event and completion are two small writes in a row: without TCP_NODELAY (werkzeug leaves
    # Nagle on) each completion would wait ~40 ms for the client's delayed ACK.
    server: Served = served(make_app())
    with open_ws(server.url("/ws/lee"), "beeflow.v1") as ws:
        request(ws)
        start = time.monotonic()
        for _ in range(20):
            assert request(ws)[-1]["completed"] == "health"
        assert time.monotonic() - start < 0.6


def test_two_apps_in_one_process_answer_their_own_actions(served: Any) -> None:
    register()
    whoami, where = ActionRegistryMeta.REGISTRY["whoami"], ActionRegistryMeta.REGISTRY["where"]
    first = served(make_app(actions=[whoami]))
    second = served(make_app(actions=ActionSet([where])))
    with open_ws(first.url("/ws/a"), "beeflow.v1") as a, open_ws(second.url("/ws/b"), "beeflow.v1") as b:
        assert request(a, "whoami")[0]["payload"]["user_id"] == "a"
        assert request(a, "where")[-1]["code"] == "unknown_websocket_action"
        assert request(b, "where")[-1]["completed"] == "where"
        assert request(b, "whoami")[-1]["code"] == "unknown_websocket_action"
