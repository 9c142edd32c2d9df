"""Flask on werkzeug's threaded server: the chat package behind the access-token hook, and the page.

``python -m tests.e2e.apps.flask_app --port PORT``
"""

from __future__ import annotations

import argparse

from flask import Flask, Response, g
from flask_sock import Sock  # type: ignore[import-untyped]

from beeflow_websocket.flask import SyncWebSocket, configure_beeflow_websocket, handle_beeflow_websocket

from .chat import PAGE, user_for_token

app = Flask(__name__, static_folder=PAGE, static_url_path="")
sock = Sock(app)
configure_beeflow_websocket(
    app,
    problem_type_base_url="https://example.com/problems/chat",
    autodiscover=False,
    user_resolver=user_for_token,
)


@app.get("/")
def page() -> Response:
    return app.send_static_file("index.html")


@sock.route("/ws/")  # type: ignore[untyped-decorator]
def websocket_endpoint(websocket: SyncWebSocket) -> None:
    handle_beeflow_websocket(websocket, user_id=g.beeflow_user_id)


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the chat package on Flask (werkzeug, threaded).")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app.run(host="127.0.0.1", port=args.port, threaded=True)


if __name__ == "__main__":
    main()
