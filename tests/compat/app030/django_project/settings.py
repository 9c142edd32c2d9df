"""The 0.3.0 README's Django settings; a Redis channel layer when ``APP030_REDIS_URL`` is set."""

import os

SECRET_KEY = "app030-tests-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = [
    "channels",
    "beeflow_websocket.django",
    "tests.compat.app030",  # autodiscovery imports its actions, events and recipients
]
ASGI_APPLICATION = "tests.compat.app030.django_project.asgi.application"
USE_TZ = True

BEEFLOW_WEBSOCKET_PROBLEM_TYPE_BASE_URL = "https://example.com/problems/websocket"

if redis_url := os.environ.get("APP030_REDIS_URL"):
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": redis_url, "socket_timeout": None}]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
