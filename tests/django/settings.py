"""Settings of the in-process Django tests (Channels' WebsocketCommunicator, no server)."""

from __future__ import annotations

SECRET_KEY = "django-tests-only"
DEBUG = False
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "channels",
    "beeflow_websocket.django",
]
# One in-memory database shared by every thread (database_sync_to_async runs in a worker thread).
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": "file:beeflow_django_tests?mode=memory&cache=shared",
    }
}
ROOT_URLCONF = "tests.django.urls"
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ALLOWED_HOSTS = ["testserver", "allowed.example"]
USE_TZ = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
BEEFLOW_WEBSOCKET_PROBLEM_TYPE_BASE_URL = "https://example.com/problems/websocket"
