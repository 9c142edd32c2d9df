"""A synchronous view that pushes an event, as project code would."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from beeflow_websocket.django import get_dispatcher


def announce(request: HttpRequest) -> HttpResponse:
    # Imported here: importing it registers its events, which tests do inside isolated registries.
    from tests.conformance.apps.events import Said, SaidPayload

    get_dispatcher().push_sync(
        Said(recipient="group", recipient_id="news", payload=SaidPayload(sender="view", text=request.GET["text"]))
    )
    return HttpResponse(status=204)


urlpatterns = [path("announce/", announce)]
