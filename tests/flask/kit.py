"""Actions and events the Flask adapter tests register (each test calls :func:`register`)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from pydantic import BaseModel

from beeflow_websocket.core.action_registry import ActionContext, ActionRegistryMeta
from beeflow_websocket.core.event_registry import WebSocketEvent
from beeflow_websocket.flask import get_dispatcher


# Registered at import, so it outlives the per-test registries: the name is kept unique to this suite.
class Note(WebSocketEvent, name="flask_suite.note"):
    payload: dict[str, Any]


class FloodPayload(BaseModel):
    count: int
    size: int = 16


class TextPayload(BaseModel):
    text: str
    user: str = ""


class SleepPayload(BaseModel):
    seconds: float


@dataclass
class Seen:
    """What the handlers observed: the loop and thread each ran on, and floods finished."""

    loops: set[int] = field(default_factory=set)
    threads: set[str] = field(default_factory=set)
    floods_done: threading.Event = field(default_factory=threading.Event)


def register() -> Seen:
    """Register ``whoami``, ``where``, ``flood``, ``relay`` and ``sleep``; return what they observe."""
    seen = Seen()

    class WhoAmI(metaclass=ActionRegistryMeta, name="whoami"):
        async def execute(self, message: Any, context: ActionContext) -> AsyncIterator[Note]:
            yield Note(
                recipient="websocket",
                recipient_id=context.websocket_id,
                payload={"user_id": context.user_id, "app": current_app.name},
            )

    class Where(metaclass=ActionRegistryMeta, name="where"):
        async def execute(self, message: Any, context: ActionContext) -> AsyncIterator[Note]:
            seen.loops.add(id(asyncio.get_running_loop()))
            seen.threads.add(threading.current_thread().name)
            yield Note(recipient="websocket", recipient_id=context.websocket_id, payload={})

    class Flood(metaclass=ActionRegistryMeta, name="flood"):
        async def execute(self, payload: FloodPayload, context: ActionContext) -> AsyncIterator[Note]:
            for index in range(payload.count):
                yield Note(
                    recipient="websocket",
                    recipient_id=context.websocket_id,
                    payload={"index": index, "fill": "x" * payload.size},
                )
            seen.floods_done.set()

    class Relay(metaclass=ActionRegistryMeta, name="relay"):
        """Push from async code on the loop, as application code outside an action would."""

        async def execute(self, payload: TextPayload, context: ActionContext) -> list[Any]:
            event = Note(recipient="user", recipient_id=payload.user, payload={"text": payload.text})
            await get_dispatcher(current_app).push(event)
            return []

    class Sleep(metaclass=ActionRegistryMeta, name="sleep"):
        async def execute(self, payload: SleepPayload, context: ActionContext) -> AsyncIterator[Note]:
            await asyncio.sleep(payload.seconds)
            yield Note(recipient="websocket", recipient_id=context.websocket_id, payload={"slept": payload.seconds})

    del WhoAmI, Where, Flood, Relay, Sleep
    return seen
