"""The chat example on FastAPI: ``uv run --all-extras --all-packages python examples/chat/server.py``.

Open http://127.0.0.1:8000/ in two browser tabs, join the same room and talk. The WebSocket API is
the package generated from ``asyncapi.yaml`` into ``chat_app/ws`` (handlers in
``chat_app/ws/handlers``); importing it registers the actions and events.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fastapi import FastAPI, WebSocket
from fastapi.responses import HTMLResponse

sys.path.insert(0, str(Path(__file__).resolve().parent))

import chat_app.ws  # noqa: F401 - registers the chat actions and events

from beeflow_websocket.fastapi import configure_beeflow_websocket, handle_beeflow_websocket

app = FastAPI(title="beeflow-websocket chat example")
configure_beeflow_websocket(app, problem_type_base_url="https://example.com/problems/chat", autodiscover=False)

PAGE = """<!doctype html>
<meta charset="utf-8">
<title>chat</title>
<p>name <input id="name" value="alice"> room <input id="room" value="lobby">
<button id="join">join</button> <button id="leave">leave</button></p>
<p><input id="text" size="60" placeholder="message"> <button id="send">send</button></p>
<pre id="log"></pre>
<script>
let socket;
const $ = (id) => document.getElementById(id);
const log = (line) => { $("log").textContent += line + "\\n"; };
function request(action, payload) {
  socket.send(JSON.stringify({msg_id: crypto.randomUUID(), req_id: crypto.randomUUID(), action, payload}));
}
function connect() {
  const url = `ws://${location.host}/ws/?name=${encodeURIComponent($("name").value)}`;
  socket = new WebSocket(url, ["beeflow.v1"]);
  socket.onmessage = (message) => log(message.data);
  return new Promise((resolve) => { socket.onopen = resolve; });
}
$("join").onclick = async () => { if (!socket) await connect(); request("chat.join", {room: $("room").value}); };
$("leave").onclick = () => request("chat.leave", {room: $("room").value});
$("send").onclick = () => request("chat.send", {room: $("room").value, text: $("text").value});
$("text").oninput = () => socket && request("chat.typing", {room: $("room").value, typing: $("text").value !== ""});
</script>
"""


@app.get("/")
async def index() -> HTMLResponse:
    return HTMLResponse(PAGE)


@app.websocket("/ws/")
async def websocket_endpoint(websocket: WebSocket) -> None:
    # A demo: the user is whoever the page says. Real apps authenticate (see docs/en/concepts.md).
    await handle_beeflow_websocket(websocket, user_id=websocket.query_params.get("name") or "anonymous")


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=8000)
