"""The 0.3.0 README's FastAPI setup."""

from fastapi import Depends, FastAPI, WebSocket, WebSocketException, status

from beeflow_websocket.fastapi import configure_beeflow_websocket, handle_beeflow_websocket

from .auth import token_from_subprotocols, user_id_for_token

app = FastAPI()
configure_beeflow_websocket(
    app,
    problem_type_base_url="https://example.com/problems/websocket",
)


async def get_current_user_id(websocket: WebSocket) -> int:
    """Authenticate the WebSocket connection and return the project user id."""
    user_id = user_id_for_token(token_from_subprotocols(websocket.scope.get("subprotocols", [])))
    if user_id is None:
        raise WebSocketException(code=status.WS_1008_POLICY_VIOLATION)
    return user_id


@app.websocket("/ws/")
async def websocket_endpoint(websocket: WebSocket, user_id: int = Depends(get_current_user_id)) -> None:
    await handle_beeflow_websocket(websocket, user_id=user_id)
