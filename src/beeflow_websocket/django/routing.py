"""The bundled route: the client connects to ``/ws/``.

Mount it in ``asgi.py`` (``URLRouter(websocket_urlpatterns)``); for another path, route
``WebSocketConsumer.as_asgi()`` yourself: ``path("api/ws/", WebSocketConsumer.as_asgi())``.
"""

from __future__ import annotations

from django.urls import path

from .consumer import WebSocketConsumer

__all__ = ["websocket_urlpatterns"]

websocket_urlpatterns = [
    path("ws/", WebSocketConsumer.as_asgi()),  # type: ignore[arg-type]  # django-stubs types path() for views
]
