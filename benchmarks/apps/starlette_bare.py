"""The baseline: a bare Starlette endpoint that validates the same envelope with pydantic and answers."""

from __future__ import annotations

import itertools
import json
import uuid
from typing import Literal

from pydantic import BaseModel, ValidationError
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from .common import EchoPayload

#: The event each benchmark action answers with (typed and 0.3.0-style echo, see ``common``).
EVENTS = {"bench.echo": "bench.echoed", "bench.echo030": "bench.echoed030"}


class Envelope(BaseModel):
    msg_id: uuid.UUID
    req_id: uuid.UUID
    action: Literal["bench.echo", "bench.echo030"]
    payload: EchoPayload


async def endpoint(websocket: WebSocket) -> None:
    await websocket.accept()
    seq = itertools.count(1)
    websocket_id = str(uuid.uuid4())
    try:
        while True:
            text = await websocket.receive_text()
            try:
                message = Envelope.model_validate_json(text)
            except ValidationError as error:
                await websocket.send_text(json.dumps({"status": 422, "detail": str(error)}))
                continue
            await websocket.send_text(
                json.dumps(
                    {
                        "msg_id": str(uuid.uuid4()),
                        "req_id": str(message.req_id),
                        "seq": next(seq),
                        "event": EVENTS[message.action],
                        "recipient": "websocket",
                        "recipient_id": websocket_id,
                        "payload": message.payload.model_dump(mode="json"),
                    }
                )
            )
    except WebSocketDisconnect:
        pass


app = Starlette(routes=[WebSocketRoute("/ws/", endpoint)])
