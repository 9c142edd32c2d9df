"""The servers of ``benchmarks/redis_fanout.py``: the same room fan-out on beeflow-websocket and Socket.IO.

- ``benchmarks.redis_app:beeflow`` -- FastAPI with the Redis hub; a ``bench.join`` action joins a
  group, and a ``bench.note`` event is what the producer pushes to it.
- ``benchmarks.redis_app:socketio_app`` -- python-socketio's ASGI server with ``AsyncRedisManager``;
  a ``join`` event (with an ack) enters a room.

Both read the Redis URL from ``BEEFLOW_BENCH_REDIS_URL``.
"""

from __future__ import annotations

import os
from typing import Any

import socketio  # type: ignore[import-untyped]
from fastapi import FastAPI, WebSocket
from pydantic import BaseModel

from beeflow_websocket.core.action_registry import ActionContext, ActionRegistryMeta
from beeflow_websocket.core.event_registry import WebSocketEvent
from beeflow_websocket.fastapi import configure_beeflow_websocket, handle_beeflow_websocket
from beeflow_websocket.redis import RedisHub

REDIS_URL = os.environ.get("BEEFLOW_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
ROOM = "bench"


class NotePayload(BaseModel):
    n: int
    t: float
    phase: str


class Note(WebSocketEvent, name="bench.note"):
    payload: NotePayload


class JoinPayload(BaseModel):
    room: str


class Join(metaclass=ActionRegistryMeta, name="bench.join"):
    async def execute(self, payload: JoinPayload, context: ActionContext) -> list[Any]:
        await context.join_group(payload.room)
        return []


beeflow = FastAPI()
configure_beeflow_websocket(beeflow, hub=RedisHub(REDIS_URL), autodiscover=False)


@beeflow.websocket("/ws/")
async def websocket_endpoint(websocket: WebSocket) -> None:
    await handle_beeflow_websocket(websocket, user_id=None)


sio = socketio.AsyncServer(async_mode="asgi", client_manager=socketio.AsyncRedisManager(REDIS_URL))
socketio_app = socketio.ASGIApp(sio)


@sio.on("join")  # type: ignore[untyped-decorator]
async def join(sid: str, room: str) -> str:
    await sio.enter_room(sid, room)
    return "ok"
