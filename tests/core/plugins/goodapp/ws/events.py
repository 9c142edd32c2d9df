from beeflow_websocket.core.event_registry import WebSocketEvent


class Pinged(WebSocketEvent, name="goodapp.pinged"):
    pass
