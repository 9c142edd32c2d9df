"""Both sides of the Django benchmark on the same server: ``BENCH_SIDE=ours`` or ``bare``.

``ours`` is the README setup (URLRouter + WebSocketConsumer) behind a middleware that marks the
connection as an authenticated user; ``bare`` is an ``AsyncJsonWebsocketConsumer`` that validates
the same envelope with pydantic and answers it.
"""

from __future__ import annotations

import itertools
import os
import uuid
from typing import Any, Literal

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.apps.django_project.settings")

import django

django.setup()

from channels.generic.websocket import AsyncJsonWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402
from pydantic import BaseModel, ValidationError  # noqa: E402

from beeflow_websocket.django.consumer import WebSocketConsumer  # noqa: E402
from benchmarks.apps.common import EchoPayload  # noqa: E402

#: The event each benchmark action answers with (typed and 0.3.0-style echo, see ``common``).
EVENTS = {"bench.echo": "bench.echoed", "bench.echo030": "bench.echoed030"}


class Envelope(BaseModel):
    msg_id: uuid.UUID
    req_id: uuid.UUID
    action: Literal["bench.echo", "bench.echo030"]
    payload: EchoPayload


class BareConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    async def connect(self) -> None:
        self.seq = itertools.count(1)
        self.websocket_id = str(uuid.uuid4())
        await self.accept()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any) -> None:
        try:
            message = Envelope.model_validate_json(text_data or bytes_data or b"")
        except ValidationError as error:
            await self.send_json({"status": 422, "detail": str(error)})
            return
        await self.send_json(
            {
                "msg_id": str(uuid.uuid4()),
                "req_id": str(message.req_id),
                "seq": next(self.seq),
                "event": EVENTS[message.action],
                "recipient": "websocket",
                "recipient_id": self.websocket_id,
                "payload": message.payload.model_dump(mode="json"),
            }
        )


class _User:
    is_authenticated = True
    id = 1


class AuthenticatedUser:
    """Marks every connection as user 1 (the benchmark measures dispatch, not authentication)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> Any:
        return await self.app({**scope, "user": _User()}, receive, send)


consumer = BareConsumer.as_asgi() if os.environ.get("BENCH_SIDE") == "bare" else WebSocketConsumer.as_asgi()
application = ProtocolTypeRouter({"websocket": AuthenticatedUser(URLRouter([path("ws/", consumer)]))})
