"""The conformance app on FastAPI with a Redis hub: ``uvicorn tests.redis.apps.fastapi_app:app``.

With ``BEEFLOW_TEST_REDIS_HISTORY=1`` the history of its sessions is in the same Redis too, and with
``BEEFLOW_TEST_REDIS_SESSIONS=1`` as well the sessions themselves (another worker can adopt them)."""

from __future__ import annotations

import dataclasses
import os
from typing import Any

from fastapi import Depends, FastAPI, WebSocket

from beeflow_websocket.fastapi import (
    AccessTokenAuth,
    configure_beeflow_websocket,
    get_dispatcher,
    handle_beeflow_websocket,
)
from beeflow_websocket.redis import RedisHistory, RedisHub, RedisSessionStore
from tests.conformance.apps.auth import user_for_token_async
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
app = FastAPI()
configure_beeflow_websocket(app, hub=hub, history=history, store=store)
auth = AccessTokenAuth(user_for_token_async)


@app.websocket("/ws/")
async def websocket_endpoint(websocket: WebSocket, user_id: str = Depends(auth)) -> None:
    await handle_beeflow_websocket(websocket, user_id=user_id)


@app.get("/health")
async def health() -> dict[str, Any]:
    answer = {"pid": os.getpid(), **dataclasses.asdict(hub.health())}
    if history is not None:
        answer["history"] = dataclasses.asdict(history.health())
    return answer


@app.post("/push")
def push(to: str) -> dict[str, Any]:
    """A synchronous view (run in a thread) pushing to a user, wherever the user's connections are."""
    get_dispatcher(app).push_sync(
        Said(recipient="user", recipient_id=to, payload=SaidPayload(sender="view", text="hi"))
    )
    return {"pid": os.getpid()}
