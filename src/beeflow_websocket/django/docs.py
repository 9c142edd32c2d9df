"""Serve the protocol reference page (``beeflow-websocket docs``) from a Django project.

::

    urlpatterns = [path("ws-docs/", protocol_docs_view(BASE_DIR / "protocol"))]
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from beeflow_websocket.core.docs_page import load_docs_page

__all__ = ["protocol_docs_view"]


def protocol_docs_view(page: str | Path) -> Callable[[HttpRequest], HttpResponse]:
    """A view answering GET and HEAD with the page (a file, or the directory ``docs --out`` wrote)."""
    docs = load_docs_page(page)

    @require_safe
    def protocol_docs(request: HttpRequest) -> HttpResponse:
        status, body, headers = docs.answer(request.headers.get("If-None-Match"))
        return HttpResponse(body, status=status, headers=headers)

    return protocol_docs
