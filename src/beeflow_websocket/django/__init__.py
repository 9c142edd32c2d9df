"""Django Channels adapter: the 0.3.0 setup, on the shared core.

``settings.py``::

    INSTALLED_APPS = ["channels", "beeflow_websocket.django", ...]
    BEEFLOW_WEBSOCKET_PROBLEM_TYPE_BASE_URL = "https://example.com/problems/websocket"

``asgi.py``::

    application = ProtocolTypeRouter({
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AccessTokenAuthMiddleware(URLRouter(websocket_urlpatterns), user_resolver=get_user_for_access_token)
        ),
    })

Modules: :mod:`.consumer` (``WebSocketConsumer``), :mod:`.routing` (``websocket_urlpatterns``,
the ``ws/`` route), :mod:`.authentication` (``AccessTokenAuthMiddleware``), :mod:`.hub` (delivery
over the channel layer), :mod:`.conf` (settings) and :mod:`.docs` (``protocol_docs_view``, the
protocol reference page). Push events from views, tasks and commands
with ``get_dispatcher().push(event)`` or ``get_dispatcher().push_sync(event)``.
"""

from .conf import get_dispatcher, reset_dispatcher

__all__ = ["get_dispatcher", "reset_dispatcher"]
