"""The Channels side of ``benchmarks/redis_fanout.py``: beeflow's Django consumer on channels-redis.

Deliveries go through Channels' ``group_send`` over channels-redis (the Django adapter's hub), with
a channel capacity large enough that the burst is not dropped. Every connection is user 1 (the
benchmark measures fan-out, not authentication). Serve ``benchmarks.redis_django:application``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from benchmarks.redis_events import REDIS_URL  # also registers bench.join and bench.note

if not settings.configured:
    settings.configure(
        SECRET_KEY="benchmark-only",
        DEBUG=False,
        ALLOWED_HOSTS=["*"],
        INSTALLED_APPS=["channels", "beeflow_websocket.django"],
        BEEFLOW_WEBSOCKET_AUTODISCOVER=False,
        DATABASES={},
        USE_TZ=True,
        LOGGING_CONFIG=None,
        CHANNEL_LAYERS={
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": None}], "capacity": 100_000},
            }
        },
    )

import django

django.setup()

from channels.routing import URLRouter  # noqa: E402

from beeflow_websocket.django.routing import websocket_urlpatterns  # noqa: E402


class _User:
    is_authenticated = True
    id = 1


class _AsUser:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        await self.inner({**scope, "user": _User()}, receive, send)


application = _AsUser(URLRouter(websocket_urlpatterns))  # type: ignore[arg-type]
