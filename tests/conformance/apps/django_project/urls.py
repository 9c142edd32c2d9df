"""HTTP views of the conformance server: pushing events from a synchronous Django view."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from beeflow_websocket.django import get_dispatcher
from tests.conformance.apps.events import Said, SaidPayload


def push(request: HttpRequest) -> HttpResponse:
    """``GET /push/?recipient=user&to=alice&text=hi``: a sync view pushing with ``push_sync``."""
    get_dispatcher().push_sync(
        Said(
            recipient=request.GET["recipient"],
            recipient_id=request.GET["to"],
            payload=SaidPayload(sender="view", text=request.GET.get("text", "")),
        )
    )
    return HttpResponse("pushed\n", content_type="text/plain")


urlpatterns = [path("push/", push)]
