"""A small synchronous WebSocket client speaking the beeflow protocol, for the conformance tests."""

from __future__ import annotations

import json
import uuid
from typing import Any

from websockets.sync.client import ClientConnection, connect

Frame = dict[str, Any]


class Client:
    """One real WebSocket connection. Offers ``beeflow.v1`` unless ``completion=False``."""

    def __init__(
        self,
        url: str,
        *,
        token: str | None = "token-alice",
        completion: bool = True,
        origin: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        subprotocols = ["beeflow.v1"] if completion else []
        if token is not None:
            subprotocols += ["access-token", token]
        self.timeout = timeout
        self.ws: ClientConnection = connect(
            url,
            subprotocols=subprotocols or None,  # type: ignore[arg-type]
            origin=origin,  # type: ignore[arg-type]
            open_timeout=timeout,
            max_size=None,
        ).__enter__()
        self.received: list[Frame] = []

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.ws.close()

    @property
    def subprotocol(self) -> str | None:
        return self.ws.subprotocol

    def send_raw(self, frame: str | bytes) -> None:
        self.ws.send(frame)

    def send(self, action: str, payload: Frame | None = None, *, req_id: str | None = None) -> str:
        req_id = req_id or str(uuid.uuid4())
        self.ws.send(
            json.dumps({"msg_id": str(uuid.uuid4()), "req_id": req_id, "action": action, "payload": payload or {}})
        )
        return req_id

    def recv(self, timeout: float | None = None) -> Frame:
        frame: Frame = json.loads(self.ws.recv(timeout=self.timeout if timeout is None else timeout))
        self.received.append(frame)
        return frame

    def until_terminal(self, req_id: str) -> list[Frame]:
        """Frames up to and including the completion or problem closing ``req_id`` (needs beeflow.v1)."""
        frames = []
        while True:
            frame = self.recv()
            frames.append(frame)
            if frame.get("req_id") == req_id and ("completed" in frame or "status" in frame):
                return frames

    def request(self, action: str, payload: Frame | None = None) -> list[Frame]:
        """Send an action and return the frames answering it, completion or problem last."""
        req_id = self.send(action, payload)
        return [frame for frame in self.until_terminal(req_id) if frame.get("req_id") == req_id]
