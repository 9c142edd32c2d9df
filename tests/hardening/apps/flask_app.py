"""The conformance app on Flask with the ping interval of ``BEEFLOW_TEST_PING`` and test limits.

``python -m tests.hardening.apps.flask_app --port PORT`` (werkzeug), or gunicorn gthread with
``tests.hardening.apps.flask_app:app``.
"""

from __future__ import annotations

import argparse
import os

from flask import Flask, g
from flask_sock import Sock  # type: ignore[import-untyped]

import tests.conformance.apps.actions  # noqa: F401 - registers the conformance actions
from beeflow_websocket.flask import SyncWebSocket, configure_beeflow_websocket, handle_beeflow_websocket
from tests.conformance.apps.auth import MAX_MESSAGE_SIZE, user_for_token

from . import limits

app = Flask(__name__)
sock = Sock(app)
limits.apply(
    configure_beeflow_websocket(
        app,
        autodiscover=False,
        max_message_size=MAX_MESSAGE_SIZE,
        user_resolver=user_for_token,
        ping_interval=float(os.environ.get("BEEFLOW_TEST_PING", "25")),
    )
)


@sock.route("/ws/")  # type: ignore[untyped-decorator]
def websocket_endpoint(websocket: SyncWebSocket) -> None:
    handle_beeflow_websocket(websocket, user_id=g.beeflow_user_id)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    app.run(host="127.0.0.1", port=parser.parse_args().port, threaded=True)
