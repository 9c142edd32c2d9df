"""Every code block of the 0.3.0 README's "Django Channels Setup" section still works as written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client, override_settings

from beeflow_websocket.core.handshake import negotiate

from .conftest import token_app, user_for_token
from .test_consumer import Socket

README = Path(__file__).with_name("readme_0_3_0_django.md")
ROOT = Path(__file__).resolve().parents[2]
BLOCKS: list[tuple[str, str]] = re.findall(r"^```(\w+)\n(.*?)^```$", README.read_text(), re.MULTILINE | re.DOTALL)
PYTHON_BLOCKS = [code for language, code in BLOCKS if language == "python"]
SETTINGS, REDIS_LAYER, ASGI_SESSION, CUSTOM_PATH, ASGI_TOKEN = PYTHON_BLOCKS
[JAVASCRIPT] = [code for language, code in BLOCKS if language == "javascript"]


def run_block(code: str, name: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": name}
    exec(compile(code, f"<0.3.0 README: {name}>", "exec"), namespace)
    return namespace


def test_the_section_holds_the_blocks_these_tests_run() -> None:
    assert [language for language, _ in BLOCKS] == [
        "bash", "python", "python", "python", "python", "javascript", "python",
    ]  # fmt: skip
    assert BLOCKS[0][1].strip() == 'uv add "beeflow-websocket[django]"'
    assert "INSTALLED_APPS" in SETTINGS
    assert "RedisChannelLayer" in REDIS_LAYER
    assert "AuthMiddlewareStack" in ASGI_SESSION
    assert 'path("api/ws/"' in CUSTOM_PATH
    assert "AccessTokenAuthMiddleware" in ASGI_TOKEN


def test_settings_asgi_and_routing_files_load_as_written_in_a_new_project(tmp_path: Path) -> None:
    """A fresh process with the README's files as ``config/``: settings, both asgi.py and the routing."""
    package = tmp_path / "config"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "settings.py").write_text(SETTINGS)
    (package / "asgi.py").write_text(ASGI_SESSION)
    (package / "asgi_token.py").write_text(ASGI_TOKEN)
    (package / "routing.py").write_text(CUSTOM_PATH)
    script = (
        "import config.asgi, config.asgi_token, config.routing\n"
        "from django.apps import apps\n"
        "from django.conf import settings\n"
        "from beeflow_websocket.django import get_dispatcher\n"
        "dispatcher = get_dispatcher()\n"
        "print(settings.ASGI_APPLICATION, apps.get_app_config('beeflow_websocket').name)\n"
        "print(type(dispatcher.hub).__name__, dispatcher.config.problem_type_base_url)\n"
        "print([str(route.pattern) for route in config.routing.websocket_urlpatterns])\n"
    )
    environment = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    environment["PYTHONPATH"] = os.pathsep.join([str(tmp_path), str(ROOT)])
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "config.asgi.application beeflow_websocket.django",
        "ChannelLayerHub https://example.com/problems/websocket",
        "['api/ws/']",
    ]


def test_the_redis_channel_layer_settings() -> None:
    layers = run_block(REDIS_LAYER, "settings")["CHANNEL_LAYERS"]
    with override_settings(CHANNEL_LAYERS=layers):
        from channels.layers import get_channel_layer
        from channels_redis.core import RedisChannelLayer

        from beeflow_websocket.django import get_dispatcher

        assert isinstance(get_channel_layer(), RedisChannelLayer)  # built without connecting
        assert type(get_dispatcher().hub).__name__ == "ChannelLayerHub"


@pytest.fixture(scope="module")
def session_login() -> tuple[str, str]:
    """The session cookie of a user logged in with Django's session auth, and the user's integer id."""
    call_command("migrate", verbosity=0)
    user, _ = get_user_model().objects.get_or_create(username="ada")
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}", str(user.pk)


@pytest.mark.usefixtures("actions")
async def test_asgi_with_auth_middleware_stack(session_login: tuple[str, str]) -> None:
    application = run_block(ASGI_SESSION, "config.asgi")["application"]
    cookie, user_id = session_login
    browser = [(b"origin", b"http://testserver"), (b"cookie", cookie.encode())]

    communicator = WebsocketCommunicator(application, "/ws/", headers=browser, subprotocols=["beeflow.v1"])
    assert await communicator.connect() == (True, "beeflow.v1")
    [who, done] = await Socket(communicator, "beeflow.v1").request("whoami")
    assert who["payload"]["user_id"] == user_id
    assert done["completed"] == "whoami"
    await communicator.disconnect()

    for headers in ([(b"origin", b"http://testserver")], [(b"origin", b"http://evil.example"), browser[1]]):
        refused = WebsocketCommunicator(application, "/ws/", headers=headers)
        assert (await refused.connect())[0] is False  # anonymous, or an origin outside ALLOWED_HOSTS
        await refused.disconnect()


async def test_asgi_with_access_token_middleware_refuses_what_its_stub_resolver_refuses() -> None:
    application = run_block(ASGI_TOKEN, "config.asgi")["application"]
    for subprotocols in ([], ["access-token", "any-token"]):
        communicator = WebsocketCommunicator(
            application, "/ws/", headers=[(b"origin", b"http://testserver")], subprotocols=subprotocols
        )
        assert (await communicator.connect())[0] is False  # `...` returns None: nobody is let in
        await communicator.disconnect()


@pytest.mark.usefixtures("actions")
async def test_a_custom_path() -> None:
    urlpatterns = run_block(CUSTOM_PATH, "config.routing")["websocket_urlpatterns"]
    app = token_app(user_for_token, urlpatterns)
    communicator = WebsocketCommunicator(app, "/api/ws/", subprotocols=["beeflow.v1", "access-token", "token-ann"])
    assert await communicator.connect() == (True, "beeflow.v1")
    [who, _] = await Socket(communicator, "beeflow.v1").request("whoami")
    assert who["payload"]["user_id"] == "ann"
    await communicator.disconnect()


async def test_the_browser_subprotocol_convention() -> None:
    match = re.fullmatch(r'const socket = new WebSocket\("wss://example\.com(/ws/)", \[(.*)\]\);\n', JAVASCRIPT)
    assert match is not None
    path, offered = match[1], [item.strip() for item in match[2].split(",")]
    assert offered == ['"access-token"', "accessToken"]
    subprotocols = ["access-token", "token-secret-value"]
    assert negotiate(subprotocols).token == "token-secret-value"
    communicator = WebsocketCommunicator(token_app(), path, subprotocols=subprotocols)
    assert await communicator.connect() == (True, "access-token")  # the marker, never the token
    await communicator.disconnect()
