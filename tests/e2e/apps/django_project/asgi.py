"""The ASGI application: HTTP through Django, WebSockets through the token middleware to the consumer."""

from __future__ import annotations

import os
from dataclasses import dataclass

from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.e2e.apps.django_project.settings")
django_asgi_app = get_asgi_application()

from beeflow_websocket.django.authentication import AccessTokenAuthMiddleware  # noqa: E402 - after setup
from beeflow_websocket.django.routing import websocket_urlpatterns  # noqa: E402
from tests.e2e.apps.chat import user_for_token  # noqa: E402 - registers the chat package and e2e.notify


@dataclass(frozen=True)
class TokenUser:
    """What the consumer needs of a user: ``is_authenticated`` and ``id``."""

    id: str
    is_authenticated: bool = True


def get_user_for_access_token(token: str) -> TokenUser | None:
    user_id = user_for_token(token)
    return None if user_id is None else TokenUser(user_id)


application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AccessTokenAuthMiddleware(
                URLRouter(websocket_urlpatterns),  # type: ignore[arg-type]  # django-stubs types path() for views
                user_resolver=get_user_for_access_token,
            )
        ),
    }
)
