"""FastAPI with the beeflow adapter, as the README sets it up."""

from __future__ import annotations

from fastapi import FastAPI, WebSocket

from beeflow_websocket.fastapi import configure_beeflow_websocket, handle_beeflow_websocket

from . import common  # noqa: F401 - registers the benchmark action

app = FastAPI()
configure_beeflow_websocket(app, autodiscover=False)


@app.websocket("/ws/")
async def websocket_endpoint(websocket: WebSocket) -> None:
    await handle_beeflow_websocket(websocket, user_id=1)
