"""Flask adapter (flask-sock): the 0.3.0 setup code, on the shared core.

::

    app = Flask(__name__)
    sock = Sock(app)
    configure_beeflow_websocket(app, problem_type_base_url="https://example.com/problems/websocket")

    @sock.route("/ws/")
    def websocket_endpoint(websocket) -> None:
        handle_beeflow_websocket(websocket, user_id=g.user.id)

With ``user_resolver=...`` the access-token subprotocol authenticates the handshake and the user id
is ``flask.g.beeflow_user_id``. Push events from views or threads with
``get_dispatcher(app).push_sync(event)``.
"""

from .adapter import DEFAULT_PING_INTERVAL, configure_beeflow_websocket, get_dispatcher, handle_beeflow_websocket
from .docs import serve_protocol_docs
from .emitters import FlaskWebSocketEventEmitter
from .endpoint import BeeflowWebSocketEndpoint
from .handshake import USER_ID
from .sender import SyncWebSocket

__all__ = [
    "DEFAULT_PING_INTERVAL",
    "USER_ID",
    "BeeflowWebSocketEndpoint",
    "FlaskWebSocketEventEmitter",
    "SyncWebSocket",
    "configure_beeflow_websocket",
    "get_dispatcher",
    "handle_beeflow_websocket",
    "serve_protocol_docs",
]
