"""The conformance app on FastAPI: the 0.3.0 README setup plus the token dependency."""

from __future__ import annotations

from fastapi import Depends, FastAPI, WebSocket

from beeflow_websocket.fastapi import AccessTokenAuth, configure_beeflow_websocket, handle_beeflow_websocket

from .auth import ALLOWED_ORIGINS, IDLE_TIMEOUT, MAX_CONNECTIONS, MAX_MESSAGE_SIZE, RATE_LIMIT, user_for_token_async

app = FastAPI()
configure_beeflow_websocket(
    app,
    problem_type_base_url="https://example.com/problems/websocket",
    max_message_size=MAX_MESSAGE_SIZE,
    allowed_origins=ALLOWED_ORIGINS,
    rate_limit=RATE_LIMIT,
    max_connections=MAX_CONNECTIONS,
    idle_timeout=IDLE_TIMEOUT,
)
auth = AccessTokenAuth(user_for_token_async)


@app.websocket("/ws/")
async def websocket_endpoint(websocket: WebSocket, user_id: str = Depends(auth)) -> None:
    await handle_beeflow_websocket(websocket, user_id=user_id)
