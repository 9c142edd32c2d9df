"""The servers of ``benchmarks/redis_fanout.py``: the same room fan-out on beeflow-websocket and Socket.IO.

- ``benchmarks.redis_app:beeflow`` -- FastAPI with the Redis hub, serving ``bench.join`` and
  ``bench.note`` (``benchmarks/redis_events.py``).
- ``benchmarks.redis_app:socketio_app`` -- python-socketio's ASGI server with ``AsyncRedisManager``;
  a ``join`` event (with an ack) enters a room.

Both read the Redis URL from ``BEEFLOW_BENCH_REDIS_URL``.
"""

from __future__ import annotations

import socketio  # type: ignore[import-untyped]
from fastapi import FastAPI, WebSocket

from beeflow_websocket.fastapi import configure_beeflow_websocket, handle_beeflow_websocket
from beeflow_websocket.redis import RedisHub
from benchmarks.redis_events import REDIS_URL  # also registers bench.join and bench.note

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
