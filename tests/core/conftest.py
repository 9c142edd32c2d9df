"""Actions and events used across the core tests, registered per test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, ConfigDict, Field

from beeflow_websocket.core.action_registry import ActionContext, ActionRegistryMeta
from beeflow_websocket.core.event_registry import WebSocketEvent
from beeflow_websocket.core.payloads import WebSocketActionPayload
from beeflow_websocket.core.problems import WebSocketProblem


class Mood(StrEnum):
    HAPPY = "happy"
    SAD = "sad"


class EchoPayload(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    text: Annotated[str, Field(min_length=1, max_length=50)]
    count: Annotated[int, Field(ge=1, le=5)] = 1
    mood: Mood = Mood.HAPPY


@dataclass
class Kit:
    """The classes a test registered, plus a log of what the handlers saw."""

    echo_event: type[WebSocketEvent]
    seen: list[Any]


@pytest.fixture
def kit() -> Kit:
    """Register ``echo`` (typed), ``legacy_echo`` (0.3.0 envelope), ``notify_user``, ``room.join``,
    ``room.say``, ``fail``, ``forbid`` and ``slow``."""
    seen: list[Any] = []

    class EchoedPayload(BaseModel):
        text: str

    class Echoed(WebSocketEvent, name="echoed"):
        payload: EchoedPayload

    class Echo(metaclass=ActionRegistryMeta, name="echo"):
        async def execute(self, payload: EchoPayload, context: ActionContext) -> AsyncIterator[Echoed]:
            seen.append(payload)
            for _ in range(payload.count):
                yield Echoed(
                    recipient="websocket",
                    recipient_id=context.websocket_id,
                    payload=EchoedPayload(text=payload.text),
                )

    class LegacyEcho(metaclass=ActionRegistryMeta, name="legacy_echo"):
        async def execute(self, message, context):  # type: ignore[no-untyped-def]
            seen.append(message)
            yield Echoed(
                recipient="websocket",
                recipient_id=context.websocket_id,
                req_id=message.req_id,
                payload=EchoedPayload(text=str(message.payload.get("text"))),
            )

    class NotifyPayload(BaseModel):
        user_id: str
        text: str

    class NotifyUser(metaclass=ActionRegistryMeta, name="notify_user"):
        payload_model = NotifyPayload

        async def execute(self, payload: NotifyPayload, context: ActionContext) -> AsyncIterator[Echoed]:
            yield Echoed(recipient="user", recipient_id=payload.user_id, payload=EchoedPayload(text=payload.text))

    class RoomPayload(BaseModel):
        room: str
        text: str = ""

    class JoinRoom(metaclass=ActionRegistryMeta, name="room.join"):
        payload_model = RoomPayload

        async def execute(self, payload: RoomPayload, context: ActionContext) -> list[Echoed]:
            await context.join_group(payload.room)
            return []

    class SayInRoom(metaclass=ActionRegistryMeta, name="room.say"):
        payload_model = RoomPayload

        async def execute(self, payload: RoomPayload, context: ActionContext) -> AsyncIterator[Echoed]:
            yield Echoed(recipient="group", recipient_id=payload.room, payload=EchoedPayload(text=payload.text))

    class Fail(metaclass=ActionRegistryMeta, name="fail"):
        async def execute(self, message: WebSocketActionPayload, context: ActionContext) -> AsyncIterator[Echoed]:
            yield Echoed(recipient="websocket", recipient_id=context.websocket_id, payload=EchoedPayload(text="a"))
            raise RuntimeError("database password is hunter2")

    class Forbid(metaclass=ActionRegistryMeta, name="forbid"):
        payload_model = None

        async def execute(self, message: Any, context: ActionContext) -> AsyncIterator[Echoed]:
            raise WebSocketProblem(403, "room_forbidden", detail="You may not enter this room.")
            yield  # pragma: no cover

    class SlowPayload(BaseModel):
        delay: float
        tag: str

    class Slow(metaclass=ActionRegistryMeta, name="slow"):
        payload_model = SlowPayload

        async def execute(self, payload: SlowPayload, context: ActionContext) -> AsyncIterator[Echoed]:
            seen.append(("start", payload.tag))
            await asyncio.sleep(payload.delay)
            seen.append(("end", payload.tag))
            yield Echoed(
                recipient="websocket",
                recipient_id=context.websocket_id,
                payload=EchoedPayload(text=payload.tag),
            )

    return Kit(echo_event=Echoed, seen=seen)
