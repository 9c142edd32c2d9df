"""Settings of the Django conformance server (``DJANGO_SETTINGS_MODULE`` in tests/conformance/conftest.py)."""

from __future__ import annotations

import os

from tests.conformance.apps.auth import ALLOWED_ORIGINS, IDLE_TIMEOUT, MAX_CONNECTIONS, MAX_MESSAGE_SIZE, RATE_LIMIT

SECRET_KEY = "conformance-tests-only"
DEBUG = False
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "channels",
    "beeflow_websocket.django",
    "tests.conformance.apps",  # autodiscovery finds apps/actions.py and apps/events.py
    "tests.conformance.apps.django_project",  # the beeflow_push management command
]
ROOT_URLCONF = "tests.conformance.apps.django_project.urls"
ASGI_APPLICATION = "tests.conformance.apps.django_project.asgi.application"
USE_TZ = True

# AllowedHostsOriginValidator refuses every handshake without an Origin header (every non-browser
# client, including the conformance client) unless ALLOWED_HOSTS holds "*". The browser origins
# are checked by BEEFLOW_WEBSOCKET_ALLOWED_ORIGINS instead, which lets Origin-less clients in, as
# the FastAPI and Flask adapters do.
ALLOWED_HOSTS = ["*"]

BEEFLOW_WEBSOCKET_PROBLEM_TYPE_BASE_URL = "https://example.com/problems/websocket"
BEEFLOW_WEBSOCKET_MAX_MESSAGE_SIZE = MAX_MESSAGE_SIZE
BEEFLOW_WEBSOCKET_ALLOWED_ORIGINS = ALLOWED_ORIGINS
BEEFLOW_WEBSOCKET_RATE_LIMIT = RATE_LIMIT
BEEFLOW_WEBSOCKET_MAX_CONNECTIONS = MAX_CONNECTIONS
BEEFLOW_WEBSOCKET_IDLE_TIMEOUT = IDLE_TIMEOUT

if redis_url := os.environ.get("BEEFLOW_TEST_REDIS_URL"):
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py 8 reads with a 5 s timeout by default, while channels-redis 4.3 blocks for 5 s
            # waiting for messages: without this, idle consumers fail (see docs/en/django.md).
            "CONFIG": {"hosts": [{"address": redis_url, "socket_timeout": None}]},
        }
    }
    # Resumable sessions across processes: the frames in Redis, and with the store the sessions too.
    if os.environ.get("BEEFLOW_TEST_REDIS_SESSIONS"):
        BEEFLOW_WEBSOCKET_SESSION_STORE = redis_url
    elif os.environ.get("BEEFLOW_TEST_REDIS_HISTORY"):
        BEEFLOW_WEBSOCKET_HISTORY = redis_url
else:
    # The soak (tests/conformance/soak.py) raises the capacity: at the default 100 a consumer's full
    # channel silently drops group messages (docs/en/production.md).
    _capacity = (
        {"capacity": int(os.environ["BEEFLOW_TEST_LAYER_CAPACITY"])}
        if "BEEFLOW_TEST_LAYER_CAPACITY" in os.environ
        else {}
    )
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": _capacity}}
