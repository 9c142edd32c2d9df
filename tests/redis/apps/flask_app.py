"""The conformance app on Flask with a Redis hub: ``gunicorn -k gthread tests.redis.apps.flask_app:app``.

With ``BEEFLOW_TEST_REDIS_HISTORY=1`` the history of its sessions is in the same Redis too, and with
``BEEFLOW_TEST_REDIS_SESSIONS=1`` as well the sessions themselves (another worker can adopt them)."""

from __future__ import annotations

import dataclasses
import os
from typing import Any

from flask import Flask, g, request
from flask_sock import Sock  # type: ignore[import-untyped]

from beeflow_websocket.flask import SyncWebSocket, configure_beeflow_websocket, get_dispatcher, handle_beeflow_websocket
from beeflow_websocket.redis import RedisHistory, RedisHub, RedisSessionStore
from tests.conformance.apps.auth import user_for_token
from tests.conformance.apps.events import Said, SaidPayload

hub = RedisHub(os.environ["BEEFLOW_TEST_REDIS_URL"], min_backoff=0.05, max_backoff=0.5)
history = (
    RedisHistory(os.environ["BEEFLOW_TEST_REDIS_URL"], timeout=1.0, min_backoff=0.05, max_backoff=0.5)
    if os.environ.get("BEEFLOW_TEST_REDIS_HISTORY")
    else None
)
store = (
    RedisSessionStore(history, window=120.0)
    if history is not None and os.environ.get("BEEFLOW_TEST_REDIS_SESSIONS")
    else None
)
app = Flask(__name__)
sock = Sock(app)
configure_beeflow_websocket(app, user_resolver=user_for_token, hub=hub, history=history, store=store)


@sock.route("/ws/")  # type: ignore[untyped-decorator]
def websocket_endpoint(websocket: SyncWebSocket) -> None:
    handle_beeflow_websocket(websocket, user_id=g.beeflow_user_id)


@app.get("/health")
def health() -> dict[str, Any]:
    answer = {"pid": os.getpid(), **dataclasses.asdict(hub.health())}
    if history is not None:
        answer["history"] = dataclasses.asdict(history.health())
    return answer


@app.post("/push")
def push() -> dict[str, Any]:
    """A synchronous view pushing to a user, wherever the user's connections are."""
    event = Said(recipient="user", recipient_id=request.args["to"], payload=SaidPayload(sender="view", text="hi"))
    get_dispatcher(app).push_sync(event)
    return {"pid": os.getpid()}
