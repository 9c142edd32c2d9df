"""The conformance server: the 0.3.0 README's ``asgi.py`` with ``AccessTokenAuthMiddleware``."""

from __future__ import annotations

import os
from dataclasses import dataclass

from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.core.asgi import get_asgi_application

from beeflow_websocket.django.authentication import AccessTokenAuthMiddleware
from beeflow_websocket.django.routing import websocket_urlpatterns
from tests.conformance.apps.auth import user_for_token

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.conformance.apps.django_project.settings")

django_asgi_app = get_asgi_application()


@dataclass(frozen=True)
class TokenUser:
    """What the consumer needs of a user: ``is_authenticated`` and ``id``."""

    id: str
    is_authenticated: bool = True


def get_user_for_access_token(token: str) -> TokenUser | None:
    """A sync resolver, as a project's ORM lookup would be (it runs through database_sync_to_async)."""
    user_id = user_for_token(token)
    return None if user_id is None else TokenUser(user_id)


application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AccessTokenAuthMiddleware(
                URLRouter(websocket_urlpatterns),
                user_resolver=get_user_for_access_token,
            )
        ),
    }
)
