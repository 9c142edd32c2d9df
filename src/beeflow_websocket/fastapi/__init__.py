"""FastAPI (Starlette) adapter: the 0.3.0 setup code, on the shared core.

::

    app = FastAPI()
    configure_beeflow_websocket(app, problem_type_base_url="https://example.com/problems/websocket")

    @app.websocket("/ws/")
    async def websocket_endpoint(websocket: WebSocket, user_id: int = Depends(get_current_user_id)) -> None:
        await handle_beeflow_websocket(websocket, user_id=user_id)
"""

from .adapter import configure_beeflow_websocket, get_dispatcher, handle_beeflow_websocket
from .auth import AccessTokenAuth
from .docs import serve_protocol_docs
from .emitters import FastAPIWebSocketEventEmitter
from .endpoint import BeeflowWebSocketEndpoint

__all__ = [
    "AccessTokenAuth",
    "BeeflowWebSocketEndpoint",
    "FastAPIWebSocketEventEmitter",
    "configure_beeflow_websocket",
    "get_dispatcher",
    "handle_beeflow_websocket",
    "serve_protocol_docs",
]
