"""An app for gunicorn ``--preload``: configured in the master, serving in a forked worker."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_sock import Sock  # type: ignore[import-untyped]

from beeflow_websocket.core.events.health import HealthEvent
from beeflow_websocket.flask import configure_beeflow_websocket, get_dispatcher, handle_beeflow_websocket

app = Flask(__name__)
sock = Sock(app)
dispatcher = configure_beeflow_websocket(app, autodiscover=False)


@sock.route("/ws/<user>")  # type: ignore[untyped-decorator]
def websocket_endpoint(websocket: Any, user: str) -> None:
    handle_beeflow_websocket(websocket, user_id=user)


@app.post("/push/<user>")
def push(user: str) -> dict[str, bool]:
    # The dispatcher returned in the master: its loop must be this worker's, not the master's.
    dispatcher.push_sync(HealthEvent(recipient="user", recipient_id=user), timeout=5)
    get_dispatcher(app).push_sync(HealthEvent(recipient="user", recipient_id=user), timeout=5)
    return {"ok": True}
