"""The chat example on FastAPI: ``uv run --all-extras --all-packages python examples/chat/server.py``.

Open http://127.0.0.1:8000/?name=alice and http://127.0.0.1:8000/?name=bob, join the same room and
talk. The WebSocket API is the package generated from ``asyncapi.yaml`` into ``chat_app/ws``
(importing it registers the actions and events); the page is TypeScript on the client generated
from the same schema into ``web/src/api``, built into ``web/dist`` (``make demo`` does both, or
``cd web && npm ci && npm run build``). ``make demo`` also writes the protocol reference page,
served at http://127.0.0.1:8000/protocol.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from fastapi import Depends, FastAPI, WebSocket
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

sys.path.insert(0, str(Path(__file__).resolve().parent))

import chat_app.ws  # noqa: F401 - registers the chat actions and events

from beeflow_websocket.fastapi import (
    AccessTokenAuth,
    configure_beeflow_websocket,
    handle_beeflow_websocket,
    serve_protocol_docs,
)

PAGE = Path(__file__).resolve().parent / "web" / "dist"
#: The protocol reference page, written by ``beeflow-websocket docs asyncapi.yaml --out reference``.
REFERENCE = Path(__file__).resolve().parent / "reference"
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")

app = FastAPI(title="beeflow-websocket chat example")
configure_beeflow_websocket(app, problem_type_base_url="https://example.com/problems/chat", autodiscover=False)


def user_for_token(token: str) -> str | None:
    """A demo: the access token is the user's name. A real app verifies a real token here (JWT, session, ...)."""
    return token if _NAME.match(token) else None


@app.websocket("/ws/")
async def websocket_endpoint(websocket: WebSocket, user_id: str = Depends(AccessTokenAuth(user_for_token))) -> None:
    await handle_beeflow_websocket(websocket, user_id=user_id)


if (REFERENCE / "index.html").is_file():
    serve_protocol_docs(app, "/protocol", REFERENCE)

if (PAGE / "index.html").is_file():
    app.mount("/", StaticFiles(directory=PAGE, html=True), name="page")
else:

    @app.get("/")
    async def not_built() -> HTMLResponse:
        return HTMLResponse(
            "<!doctype html><meta charset=utf-8><title>chat</title><p>The page is not built yet: run "
            "<code>make demo</code>, or <code>cd examples/chat/web &amp;&amp; npm ci &amp;&amp; npm run build</code>, "
            "then restart the server.</p>",
            status_code=503,
        )


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=8000)
