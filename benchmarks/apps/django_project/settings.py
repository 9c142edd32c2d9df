"""Django settings of the adapter benchmark: no database, no channel layer (in-process delivery)."""

SECRET_KEY = "benchmark-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["channels", "beeflow_websocket.django"]
BEEFLOW_WEBSOCKET_AUTODISCOVER = False
DATABASES: dict[str, object] = {}
USE_TZ = True
ASGI_APPLICATION = "benchmarks.apps.django_project.asgi.application"
LOGGING_CONFIG = None
