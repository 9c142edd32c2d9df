"""Actions every conformance app serves (found by each adapter's autodiscovery)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from beeflow_websocket.core.action_registry import ActionContext, ActionRegistryMeta
from beeflow_websocket.core.payloads import WebSocketActionPayload
from beeflow_websocket.core.problems import WebSocketProblem

from .events import Echoed, EchoedPayload, Said, SaidPayload, WhoAmI


class EchoPayload(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    text: Annotated[str, Field(min_length=1)]
    count: Annotated[int, Field(ge=0, le=100)] = 1


class Echo(metaclass=ActionRegistryMeta, name="echo"):
    """Answer with ``count`` copies of the text."""

    async def execute(self, payload: EchoPayload, context: ActionContext) -> AsyncIterator[Echoed]:
        for _ in range(payload.count):
            yield Echoed(
                recipient="websocket", recipient_id=context.websocket_id, payload=EchoedPayload(text=payload.text)
            )


class NotifyPayload(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    user_id: str
    text: str


class Notify(metaclass=ActionRegistryMeta, name="notify_user"):
    """Send a text to every connection of a user."""

    async def execute(self, payload: NotifyPayload, context: ActionContext) -> AsyncIterator[Said]:
        yield Said(
            recipient="user",
            recipient_id=payload.user_id,
            payload=SaidPayload(sender=str(context.user_id), text=payload.text),
        )


class RoomPayload(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    room: Annotated[str, Field(min_length=1)]
    text: str = ""


class JoinRoom(metaclass=ActionRegistryMeta, name="room.join"):
    async def execute(self, payload: RoomPayload, context: ActionContext) -> list[Any]:
        await context.join_group(payload.room)
        return []


class LeaveRoom(metaclass=ActionRegistryMeta, name="room.leave"):
    async def execute(self, payload: RoomPayload, context: ActionContext) -> list[Any]:
        await context.leave_group(payload.room)
        return []


class SayInRoom(metaclass=ActionRegistryMeta, name="room.say"):
    async def execute(self, payload: RoomPayload, context: ActionContext) -> AsyncIterator[Said]:
        yield Said(
            recipient="group",
            recipient_id=payload.room,
            payload=SaidPayload(sender=str(context.user_id), text=payload.text),
        )


class Fail(metaclass=ActionRegistryMeta, name="fail"):
    async def execute(self, message: WebSocketActionPayload, context: ActionContext) -> AsyncIterator[Echoed]:
        yield Echoed(recipient="websocket", recipient_id=context.websocket_id, payload=EchoedPayload(text="before"))
        raise RuntimeError("secret database password hunter2")


class Forbid(metaclass=ActionRegistryMeta, name="forbid"):
    async def execute(self, message: WebSocketActionPayload, context: ActionContext) -> list[Any]:
        raise WebSocketProblem(403, "room_forbidden", detail="You may not enter this room.")


class SleepPayload(BaseModel):
    seconds: Annotated[float, Field(ge=0, le=5)]


class Sleep(metaclass=ActionRegistryMeta, name="sleep"):
    async def execute(self, payload: SleepPayload, context: ActionContext) -> AsyncIterator[Echoed]:
        await asyncio.sleep(payload.seconds)
        yield Echoed(recipient="websocket", recipient_id=context.websocket_id, payload=EchoedPayload(text="awake"))


class Who(metaclass=ActionRegistryMeta, name="whoami"):
    async def execute(self, message: WebSocketActionPayload, context: ActionContext) -> AsyncIterator[WhoAmI]:
        yield WhoAmI(
            recipient="websocket",
            recipient_id=context.websocket_id,
            payload={"user_id": str(context.user_id), "websocket_id": context.websocket_id},
        )


class FaultyPayload(BaseModel):
    """A payload model whose own validator fails on the server's side (not a ValidationError)."""

    fault: str

    @field_validator("fault")
    @classmethod
    def _misbehave(cls, value: str) -> str:
        if value == "attribute":
            return value.no_such_attribute  # type: ignore[attr-defined, no-any-return]
        if value == "recursion":
            return cls._misbehave(value)
        if value == "secret":
            raise RuntimeError("secret database password hunter2")
        return value


class Validate(metaclass=ActionRegistryMeta, name="validate.faulty"):
    """Answers ``fault: "none"``; other values make validation itself fail (500, connection open)."""

    async def execute(self, payload: FaultyPayload, context: ActionContext) -> AsyncIterator[Echoed]:
        yield Echoed(
            recipient="websocket", recipient_id=context.websocket_id, payload=EchoedPayload(text=payload.fault)
        )
