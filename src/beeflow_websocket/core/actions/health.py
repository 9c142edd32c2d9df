"""The built-in ``health`` action. An application may replace it with its own ``health`` class."""

from __future__ import annotations

from collections.abc import AsyncIterator

from beeflow_websocket.core.action_registry import ActionContext, ActionRegistryMeta
from beeflow_websocket.core.events.health import HealthEvent, health_answer
from beeflow_websocket.core.payloads import WebSocketActionPayload

__all__ = ["Health"]


class Health(metaclass=ActionRegistryMeta, name="health", builtin=True):
    """Answer with a ``health`` event to the connection that asked."""

    async def execute(self, message: WebSocketActionPayload, context: ActionContext) -> AsyncIterator[HealthEvent]:
        yield health_answer(context.websocket_id, message.req_id)
