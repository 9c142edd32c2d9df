"""What every side of ``benchmarks/redis_fanout.py`` serves: ``bench.join`` and the ``bench.note`` event."""

from __future__ import annotations

import os
from typing import Any

from pydantic import BaseModel

from beeflow_websocket.core.action_registry import ActionContext, ActionRegistryMeta
from beeflow_websocket.core.event_registry import WebSocketEvent

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
