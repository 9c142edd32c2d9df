"""The chat page (examples/chat/web/dist) at ``/``, as the other e2e servers serve it."""

from __future__ import annotations

from django.urls import path, re_path
from django.views.static import serve

from tests.e2e.apps.chat import PAGE

urlpatterns = [
    path("", serve, {"path": "index.html", "document_root": PAGE}),
    re_path(r"^(?P<path>[\w.-]+)$", serve, {"document_root": PAGE}),
]
