"""The chat example application: its WebSocket API lives in ``chat_app.ws``."""
