"""The conformance app on Flask: the 0.3.0 README setup plus the access-token hook.

Run it on werkzeug's server with ``python -m tests.conformance.apps.flask_app --port PORT``, or
serve ``tests.conformance.apps.flask_app:app`` with gunicorn's gthread worker.
"""

from __future__ import annotations

import argparse

from flask import Flask, g
from flask_sock import Sock  # type: ignore[import-untyped]

from beeflow_websocket.flask import SyncWebSocket, configure_beeflow_websocket, handle_beeflow_websocket

from .auth import ALLOWED_ORIGINS, IDLE_TIMEOUT, MAX_CONNECTIONS, MAX_MESSAGE_SIZE, RATE_LIMIT, user_for_token

app = Flask(__name__)
sock = Sock(app)
configure_beeflow_websocket(
    app,
    problem_type_base_url="https://example.com/problems/websocket",
    max_message_size=MAX_MESSAGE_SIZE,
    allowed_origins=ALLOWED_ORIGINS,
    rate_limit=RATE_LIMIT,
    max_connections=MAX_CONNECTIONS,
    idle_timeout=IDLE_TIMEOUT,
    user_resolver=user_for_token,
)


@sock.route("/ws/")  # type: ignore[untyped-decorator]
def websocket_endpoint(websocket: SyncWebSocket) -> None:
    handle_beeflow_websocket(websocket, user_id=g.beeflow_user_id)


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the Flask conformance app on werkzeug's threaded server.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app.run(host=args.host, port=args.port, threaded=True)


if __name__ == "__main__":
    main()
