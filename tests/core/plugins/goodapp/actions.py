from beeflow_websocket.core.action_registry import ActionContext, ActionRegistryMeta
from beeflow_websocket.core.payloads import WebSocketActionPayload


class Ping(metaclass=ActionRegistryMeta, name="goodapp.ping"):
    async def execute(self, message: WebSocketActionPayload, context: ActionContext) -> None:
        return None
