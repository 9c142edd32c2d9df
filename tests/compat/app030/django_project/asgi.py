"""The 0.3.0 README's ``asgi.py`` with ``AccessTokenAuthMiddleware``."""

import os
from dataclasses import dataclass

from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.core.asgi import get_asgi_application

from beeflow_websocket.django.authentication import AccessTokenAuthMiddleware
from beeflow_websocket.django.routing import websocket_urlpatterns
from tests.compat.app030.auth import user_id_for_token

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.compat.app030.django_project.settings")

django_asgi_app = get_asgi_application()


@dataclass(frozen=True)
class User:
    id: int
    is_authenticated: bool = True


async def get_user_for_access_token(token: str) -> object:
    """Validate the project access token and return a user."""
    user_id = user_id_for_token(token)
    return None if user_id is None else User(user_id)


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
