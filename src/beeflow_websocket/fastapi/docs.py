"""Serve the protocol reference page (``beeflow-websocket docs``) from a FastAPI app."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, Request, Response

from beeflow_websocket.core.docs_page import load_docs_page

__all__ = ["serve_protocol_docs"]


def serve_protocol_docs(app: FastAPI | APIRouter, path: str, page: str | Path) -> None:
    """Answer GET ``path`` with the page (a file, or the directory ``docs --out`` wrote); left out of OpenAPI."""
    docs = load_docs_page(page)

    async def protocol_docs(request: Request) -> Response:
        status, body, headers = docs.answer(request.headers.get("if-none-match"))
        return Response(body, status_code=status, headers=headers)

    app.add_api_route(path, protocol_docs, methods=["GET"], include_in_schema=False)
