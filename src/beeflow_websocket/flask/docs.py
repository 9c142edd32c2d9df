"""Serve the protocol reference page (``beeflow-websocket docs``) from a Flask app."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, Response, request

from beeflow_websocket.core.docs_page import load_docs_page

__all__ = ["serve_protocol_docs"]


def serve_protocol_docs(
    app: Flask | Blueprint, path: str, page: str | Path, *, endpoint: str = "beeflow_websocket_protocol_docs"
) -> None:
    """Answer GET ``path`` with the page (a file, or the directory ``docs --out`` wrote)."""
    docs = load_docs_page(page)

    def protocol_docs() -> Response:
        status, body, headers = docs.answer(request.headers.get("If-None-Match"))
        return Response(body, status=status, headers=headers)

    app.add_url_rule(path, endpoint=endpoint, view_func=protocol_docs, methods=["GET"])
