"""Settings of the Django end-to-end server (``DJANGO_SETTINGS_MODULE`` in tests/e2e/conftest.py)."""

from __future__ import annotations

SECRET_KEY = "e2e-tests-only"
DEBUG = False
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes", "channels", "beeflow_websocket.django"]
ROOT_URLCONF = "tests.e2e.apps.django_project.urls"
ASGI_APPLICATION = "tests.e2e.apps.django_project.asgi.application"
USE_TZ = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
BEEFLOW_WEBSOCKET_PROBLEM_TYPE_BASE_URL = "https://example.com/problems/chat"
BEEFLOW_WEBSOCKET_AUTODISCOVER = False  # the chat package registers itself (asgi.py imports it)
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
