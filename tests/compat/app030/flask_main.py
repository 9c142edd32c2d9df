"""The 0.3.0 README's Flask setup (``g.user`` set by the application's own auth layer)."""

import argparse
from types import SimpleNamespace

from flask import Flask, abort, g, request
from flask_sock import Sock  # type: ignore[import-untyped]

from beeflow_websocket.flask import configure_beeflow_websocket, handle_beeflow_websocket

from .auth import token_from_subprotocols, user_id_for_token

app = Flask(__name__)
sock = Sock(app)
configure_beeflow_websocket(
    app,
    problem_type_base_url="https://example.com/problems/websocket",
)


@app.before_request
def authenticate() -> None:
    offered = [part.strip() for part in request.headers.get("Sec-WebSocket-Protocol", "").split(",")]
    user_id = user_id_for_token(token_from_subprotocols(offered))
    if user_id is None:
        abort(403)
    g.user = SimpleNamespace(id=user_id)


@sock.route("/ws/")  # type: ignore[untyped-decorator]
def websocket_endpoint(websocket) -> None:  # type: ignore[no-untyped-def]
    user_id = g.user.id

    handle_beeflow_websocket(websocket, user_id=user_id)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    app.run(host="127.0.0.1", port=parser.parse_args().port, threaded=True)
