from __future__ import annotations

from typing import Any

from beeflow_websocket.core.action_registry import ActionContext, ActionRegistryMeta
from beeflow_websocket.core.payloads import WebSocketActionPayload


class Checkout(metaclass=ActionRegistryMeta, name="shop.checkout"):
    async def execute(self, message: WebSocketActionPayload, context: ActionContext) -> list[Any]:
        return []
