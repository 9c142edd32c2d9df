"""Every public name of 0.3.0's ``core`` and adapter packages, from its 0.3.0 path, used as 0.3.0 code used it.

The inventory, read from the 0.3.0 sources (``beeflow/beeflow-websocket`` at the 0.3.0 release), is
:data:`EXPECTED`: module -> names. Beyond the names, the contracts exercised below: the registry
metaclasses (``REGISTRY``, ``name=``, ``__plugin_name__``, ``__register__``), ``emit()`` events and
``resolve()`` recipients, the payload models' ``with_dispatch_metadata``/``with_message_id``/
``to_dict``, the problem helpers, autodiscovery (its functions, the adapters' ``autodiscover*``
keywords and the Django ``BEEFLOW_WEBSOCKET_AUTODISCOVER*`` settings, packages imported with every
module under them), the emitters, endpoints and configuration modules of each adapter, and the
Django app config and authentication helpers.

docs/en/migrating-from-0.3.md lists the same names with their status and the few deliberate
differences (ids are text, not ``UUID`` objects; names are unique; ``HealthEvent`` takes keywords).
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import json
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any
from uuid import UUID

import pytest
from fastapi import FastAPI, WebSocket
from pydantic import ValidationError

EXPECTED: dict[str, list[str]] = {
    "beeflow_websocket.core": ["Health", "HealthEvent", "WebSocketRecipient"],
    "beeflow_websocket.core.action_registry": ["ActionContext", "ActionPluginProtocol", "ActionRegistryMeta"],
    "beeflow_websocket.core.actions.health": ["Health"],
    "beeflow_websocket.core.autodiscover": [
        "DEFAULT_AUTODISCOVER_MODULES",
        "autodiscover_available_websocket_plugins",
        "autodiscover_websocket_plugins",
        "build_autodiscover_package_names",
        "get_calling_module_name",
        "get_module_base_packages",
        "normalize_autodiscover_packages",
    ],
    "beeflow_websocket.core.event_registry": ["EventPluginProtocol", "EventRegistryMeta"],
    "beeflow_websocket.core.events.health": ["HealthEvent"],
    "beeflow_websocket.core.payloads": [
        "ErrorPayload",
        "WebSocketActionPayload",
        "WebSocketEventPayload",
        "WebSocketRequestIdentifier",
    ],
    "beeflow_websocket.core.problems": [
        "DEFAULT_PROBLEM_TYPE",
        "INVALID_MESSAGE_PROBLEM",
        "UNKNOWN_ACTION_PROBLEM",
        "build_problem_type",
    ],
    "beeflow_websocket.core.recipient_registry": [
        "RecipientMapDoesNotExist",
        "RecipientPluginProtocol",
        "RecipientRegistryMeta",
    ],
    "beeflow_websocket.core.recipients.websocket": ["WEBSOCKET_RECIPIENT", "WebSocketRecipient"],
    "beeflow_websocket.django.apps": ["BeeflowWebsocketDjangoConfig"],
    "beeflow_websocket.django.authentication": [
        "ASGIApplication",
        "ASGIReceive",
        "ASGIScope",
        "ASGISend",
        "AUTHENTICATION_SUBPROTOCOL",
        "AccessTokenAuthMiddleware",
        "TokenUserResolver",
        "access_token_from_subprotocols",
        "selected_authentication_subprotocol",
    ],
    "beeflow_websocket.django.autodiscover": [
        "AUTODISCOVER_MODULES_SETTING",
        "AUTODISCOVER_PACKAGES_SETTING",
        "AUTODISCOVER_SETTING",
        "autodiscover_websocket_plugins",
        "get_autodiscover_enabled",
        "get_autodiscover_modules",
        "get_autodiscover_packages",
        "iter_installed_app_plugin_packages",
    ],
    "beeflow_websocket.django.consumer": [
        "INVALID_MESSAGE_DETAIL",
        "PROBLEM_TYPE_BASE_URL_SETTING",
        "AuthenticatedWebSocketUserProtocol",
        "WebSocketConsumer",
        "create_websocket_message_id",
    ],
    "beeflow_websocket.django.emitters": [
        "MessageIdFactory",
        "SequenceProvider",
        "WebSocketChannelLayerProtocol",
        "WebSocketEventEmitter",
    ],
    "beeflow_websocket.django.routing": ["websocket_urlpatterns"],
    "beeflow_websocket.fastapi": [
        "BeeflowWebSocketEndpoint",
        "FastAPIWebSocketEventEmitter",
        "configure_beeflow_websocket",
        "handle_beeflow_websocket",
    ],
    "beeflow_websocket.fastapi.config": [
        "AUTODISCOVER_MODULES_STATE_KEY",
        "AUTODISCOVER_PACKAGES_STATE_KEY",
        "AUTODISCOVER_STATE_KEY",
        "PROBLEM_TYPE_BASE_URL_STATE_KEY",
        "configure_beeflow_websocket",
        "get_problem_type_base_url",
    ],
    "beeflow_websocket.fastapi.emitters": ["FastAPIWebSocketEventEmitter", "MessageIdFactory", "SequenceProvider"],
    "beeflow_websocket.fastapi.endpoint": [
        "INVALID_MESSAGE_DETAIL",
        "BeeflowWebSocketEndpoint",
        "create_websocket_message_id",
        "handle_beeflow_websocket",
    ],
    "beeflow_websocket.flask": [
        "BeeflowWebSocketEndpoint",
        "FlaskWebSocketEventEmitter",
        "configure_beeflow_websocket",
        "handle_beeflow_websocket",
    ],
    "beeflow_websocket.flask.config": [
        "AUTODISCOVER_CONFIG_KEY",
        "AUTODISCOVER_MODULES_CONFIG_KEY",
        "AUTODISCOVER_PACKAGES_CONFIG_KEY",
        "PROBLEM_TYPE_BASE_URL_CONFIG_KEY",
        "configure_beeflow_websocket",
        "get_problem_type_base_url",
    ],
    "beeflow_websocket.flask.emitters": [
        "FlaskWebSocketEventEmitter",
        "FlaskWebSocketProtocol",
        "MessageIdFactory",
        "SequenceProvider",
    ],
    "beeflow_websocket.flask.endpoint": [
        "INVALID_MESSAGE_DETAIL",
        "BeeflowWebSocketEndpoint",
        "FlaskWebSocketReceiveProtocol",
        "create_websocket_message_id",
        "handle_beeflow_websocket",
    ],
}

CLIENT_MSG_ID = "11111111-1111-4111-8111-111111111111"
REQ_ID = "22222222-2222-4222-8222-222222222222"
SERVER_MSG_ID = UUID("33333333-3333-4333-8333-333333333333")


@pytest.mark.parametrize(("module", "names"), sorted(EXPECTED.items()))
def test_every_030_name_imports_from_its_030_path(module: str, names: list[str]) -> None:
    imported = importlib.import_module(module)
    missing = [name for name in names if not hasattr(imported, name)]
    assert missing == [], f"{module} lacks {missing}"


# core: registries, events, recipients, payloads, problems -------------------------------------


def test_action_context_and_plugin_protocols() -> None:
    from beeflow_websocket.core.action_registry import ActionContext, ActionPluginProtocol
    from beeflow_websocket.core.event_registry import EventPluginProtocol
    from beeflow_websocket.core.recipient_registry import RecipientPluginProtocol

    context = ActionContext(websocket_id="ws-1", user_id=7)
    assert (context.websocket_id, context.user_id) == ("ws-1", 7)
    for protocol, method in (
        (ActionPluginProtocol, "execute"),
        (EventPluginProtocol, "emit"),
        (RecipientPluginProtocol, "resolve"),
    ):
        assert method in dir(protocol)
    assert inspect.iscoroutinefunction(EventPluginProtocol.emit)
    assert inspect.iscoroutinefunction(RecipientPluginProtocol.resolve)


async def test_bundled_health_action_event_and_recipient() -> None:
    from beeflow_websocket.core import Health, HealthEvent, WebSocketRecipient
    from beeflow_websocket.core.action_registry import ActionContext, ActionRegistryMeta
    from beeflow_websocket.core.payloads import WebSocketActionPayload, WebSocketEventPayload
    from beeflow_websocket.core.recipients.websocket import WEBSOCKET_RECIPIENT

    assert ActionRegistryMeta.REGISTRY["health"] is Health
    message = WebSocketActionPayload(msg_id=CLIENT_MSG_ID, req_id=REQ_ID, action="health", payload={})
    [event] = [event async for event in Health().execute(message, ActionContext(websocket_id="ws-1", user_id=1))]
    assert isinstance(event, HealthEvent)
    envelope = await event.emit()
    assert isinstance(envelope, WebSocketEventPayload)
    assert envelope.to_dict() == {
        "req_id": REQ_ID,
        "event": "health",
        "recipient": "websocket",
        "recipient_id": "ws-1",
        "payload": {"status": "ok"},
    }
    assert WEBSOCKET_RECIPIENT == "websocket"
    assert await WebSocketRecipient().resolve("ws-1") == ("ws-1",)


def test_event_payload_envelope_as_030_built_it() -> None:
    from beeflow_websocket.core.payloads import WebSocketEventPayload

    envelope = WebSocketEventPayload(
        req_id=UUID(REQ_ID), event=" news ", recipient="websocket", recipient_id="ws-1", payload={"n": 1}
    )
    assert envelope.event == "news"
    delivered = envelope.with_dispatch_metadata(msg_id=SERVER_MSG_ID, seq=3)
    assert delivered.to_dict() == {
        "msg_id": str(SERVER_MSG_ID),
        "req_id": REQ_ID,
        "seq": 3,
        "event": "news",
        "recipient": "websocket",
        "recipient_id": "ws-1",
        "payload": {"n": 1},
    }
    assert "req_id" not in WebSocketEventPayload(event="e", recipient="r", recipient_id="i", payload={}).to_dict()
    for bad in ({"event": "  "}, {"seq": 0}, {"recipient_id": ""}):
        with pytest.raises(ValidationError):
            WebSocketEventPayload(**{"event": "e", "recipient": "r", "recipient_id": "i", "payload": {}, **bad})


def test_error_payload_and_request_identifier() -> None:
    from beeflow_websocket.core.payloads import ErrorPayload, WebSocketActionPayload, WebSocketRequestIdentifier

    problem = ErrorPayload(
        req_id=UUID(REQ_ID), type="about:blank", title="Conflict", status=409, detail="Taken.", code="taken"
    )
    assert ErrorPayload.media_type == "application/problem+json"
    assert problem.with_message_id(SERVER_MSG_ID).to_dict() == {
        "msg_id": str(SERVER_MSG_ID),
        "req_id": REQ_ID,
        "type": "about:blank",
        "title": "Conflict",
        "status": 409,
        "detail": "Taken.",
        "code": "taken",
    }
    with pytest.raises(ValidationError):
        ErrorPayload(type="about:blank", title="x", status=200, detail="x", code="x")
    assert WebSocketRequestIdentifier.model_validate({"req_id": REQ_ID}).req_id == UUID(REQ_ID)
    with pytest.raises(ValidationError):
        WebSocketActionPayload.model_validate({"msg_id": CLIENT_MSG_ID, "req_id": REQ_ID, "action": "x"})


def test_problem_helpers() -> None:
    from beeflow_websocket.core.problems import (
        DEFAULT_PROBLEM_TYPE,
        INVALID_MESSAGE_PROBLEM,
        UNKNOWN_ACTION_PROBLEM,
        build_problem_type,
    )

    assert (INVALID_MESSAGE_PROBLEM, UNKNOWN_ACTION_PROBLEM, DEFAULT_PROBLEM_TYPE) == (
        "invalid-message",
        "unknown-action",
        "about:blank",
    )
    assert build_problem_type(None, INVALID_MESSAGE_PROBLEM) == "about:blank"
    assert build_problem_type("   ", INVALID_MESSAGE_PROBLEM) == "about:blank"
    assert build_problem_type(" https://x.example/p/ ", "/unknown-action") == "https://x.example/p/unknown-action"


async def test_recipient_map_does_not_exist() -> None:
    from beeflow_websocket.core.payloads import WebSocketEventPayload
    from beeflow_websocket.core.recipient_registry import RecipientMapDoesNotExist
    from beeflow_websocket.fastapi.emitters import FastAPIWebSocketEventEmitter

    class Lost:
        async def emit(self) -> WebSocketEventPayload:
            return WebSocketEventPayload(event="lost", recipient="nowhere", recipient_id="x", payload={})

    emitter = FastAPIWebSocketEventEmitter(object(), "ws-1", uuid.uuid4, lambda: 1)
    with pytest.raises(RecipientMapDoesNotExist):
        await emitter.emit(Lost())


# core.autodiscover ----------------------------------------------------------------------------


@pytest.fixture
def plugin_tree(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A package ``treeapp`` whose ``actions`` is a package with a module of its own."""
    root = tmp_path / "treeapp"
    (root / "actions").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "actions" / "__init__.py").write_text("")
    (root / "actions" / "deep.py").write_text(
        "from beeflow_websocket.core.action_registry import ActionRegistryMeta\n"
        "class Deep(metaclass=ActionRegistryMeta, name='tree.deep'):\n"
        "    async def execute(self, message, context):\n"
        "        return []\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "treeapp"
    for name in [name for name in sys.modules if name.startswith("treeapp")]:
        del sys.modules[name]


def test_autodiscover_functions(plugin_tree: str) -> None:
    from beeflow_websocket.core.action_registry import ActionRegistryMeta
    from beeflow_websocket.core.autodiscover import (
        DEFAULT_AUTODISCOVER_MODULES,
        autodiscover_available_websocket_plugins,
        autodiscover_websocket_plugins,
        build_autodiscover_package_names,
        get_calling_module_name,
        get_module_base_packages,
        normalize_autodiscover_packages,
    )

    assert DEFAULT_AUTODISCOVER_MODULES == (
        "actions",
        "events",
        "recipients",
        "ws.actions",
        "ws.events",
        "ws.recipients",
    )
    assert normalize_autodiscover_packages(None, setting_name="S") == ()
    assert normalize_autodiscover_packages([" a.b "], setting_name="S") == ("a.b",)
    with pytest.raises(TypeError):
        normalize_autodiscover_packages("a.b", setting_name="S")
    with pytest.raises(TypeError):
        normalize_autodiscover_packages([1], setting_name="S")  # type: ignore[list-item]
    with pytest.raises(ValueError, match="blank"):
        normalize_autodiscover_packages([" "], setting_name="S")
    assert build_autodiscover_package_names(["app"], ["actions", "ws.events"]) == ("app.actions", "app.ws.events")
    assert get_module_base_packages("a.b.c") == ("a.b.c", "a.b", "a")
    assert get_module_base_packages("__main__") == ()
    assert get_module_base_packages(None) == ()
    assert get_calling_module_name(stack_depth=1) == __name__

    assert autodiscover_available_websocket_plugins([f"{plugin_tree}.missing", f"{plugin_tree}.actions"]) == (
        "treeapp.actions",
        "treeapp.actions.deep",
    )
    assert "tree.deep" in ActionRegistryMeta.REGISTRY
    with pytest.raises(ModuleNotFoundError):
        autodiscover_websocket_plugins(["treeapp.missing"])


def test_a_plugin_package_is_imported_with_every_module_under_it(plugin_tree: str) -> None:
    from beeflow_websocket.core.action_registry import ActionRegistryMeta
    from beeflow_websocket.fastapi import configure_beeflow_websocket

    configure_beeflow_websocket(FastAPI(), autodiscover_packages=[f"{plugin_tree}.actions"])
    assert "tree.deep" in ActionRegistryMeta.REGISTRY


# FastAPI --------------------------------------------------------------------------------------


class Recording:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def send_json(self, data: dict[str, Any]) -> None:
        self.sent.append(data)

    def send(self, data: str) -> None:
        self.sent.append(json.loads(data))


@pytest.mark.parametrize("framework", ["fastapi", "flask"])
async def test_emitters_send_to_their_websocket_only_when_it_is_a_recipient(framework: str) -> None:
    from beeflow_websocket.core.events.health import HealthEvent

    emitter_class = getattr(
        importlib.import_module(f"beeflow_websocket.{framework}.emitters"),
        "FastAPIWebSocketEventEmitter" if framework == "fastapi" else "FlaskWebSocketEventEmitter",
    )
    seqs = iter(range(1, 10))
    websocket = Recording()
    emitter = emitter_class(websocket, "ws-1", lambda: SERVER_MSG_ID, lambda: next(seqs))
    await emitter.emit(HealthEvent(recipient="websocket", recipient_id="ws-1", req_id=REQ_ID))
    await emitter.emit(HealthEvent(recipient="websocket", recipient_id="ws-2", req_id=REQ_ID))
    assert websocket.sent == [
        {
            "msg_id": str(SERVER_MSG_ID),
            "req_id": REQ_ID,
            "seq": 1,
            "event": "health",
            "recipient": "websocket",
            "recipient_id": "ws-1",
            "payload": {"status": "ok"},
        }
    ]


def test_fastapi_configuration_endpoint_and_state() -> None:
    from fastapi.testclient import TestClient

    from beeflow_websocket.fastapi import BeeflowWebSocketEndpoint, configure_beeflow_websocket
    from beeflow_websocket.fastapi.config import (
        AUTODISCOVER_MODULES_STATE_KEY,
        AUTODISCOVER_STATE_KEY,
        PROBLEM_TYPE_BASE_URL_STATE_KEY,
        get_problem_type_base_url,
    )

    app = FastAPI()
    configure_beeflow_websocket(
        app, problem_type_base_url="https://example.com/problems", autodiscover=False, autodiscover_modules=["ws"]
    )
    assert getattr(app.state, PROBLEM_TYPE_BASE_URL_STATE_KEY) == "https://example.com/problems"
    assert getattr(app.state, AUTODISCOVER_STATE_KEY) is False
    assert getattr(app.state, AUTODISCOVER_MODULES_STATE_KEY) == ("ws",)
    with pytest.raises(TypeError):
        configure_beeflow_websocket(FastAPI(), autodiscover="yes")  # type: ignore[arg-type]
    seen: list[str | None] = []

    @app.websocket("/ws/")
    async def endpoint(websocket: WebSocket) -> None:
        seen.append(get_problem_type_base_url(websocket))
        await BeeflowWebSocketEndpoint(websocket, user_id=1, websocket_id="fastapi.websocket").run()

    with TestClient(app) as client, client.websocket_connect("/ws/") as websocket:
        websocket.send_json({"msg_id": CLIENT_MSG_ID, "req_id": REQ_ID, "action": "nope", "payload": {}})
        problem = websocket.receive_json()
        websocket.send_json({"msg_id": CLIENT_MSG_ID, "req_id": REQ_ID, "action": "health", "payload": {}})
        health = websocket.receive_json()
    assert seen == ["https://example.com/problems"]
    assert (problem["type"], problem["code"]) == (
        "https://example.com/problems/unknown-action",
        "unknown_websocket_action",
    )
    assert (health["recipient_id"], health["req_id"], health["seq"]) == ("fastapi.websocket", REQ_ID, 1)


# Flask ----------------------------------------------------------------------------------------


def test_flask_configuration_and_config_keys() -> None:
    from flask import Flask

    from beeflow_websocket.flask import configure_beeflow_websocket
    from beeflow_websocket.flask.config import (
        AUTODISCOVER_CONFIG_KEY,
        AUTODISCOVER_PACKAGES_CONFIG_KEY,
        PROBLEM_TYPE_BASE_URL_CONFIG_KEY,
        get_problem_type_base_url,
    )

    app = Flask(__name__)
    configure_beeflow_websocket(app, problem_type_base_url="https://example.com/problems", autodiscover=False)
    assert app.config[PROBLEM_TYPE_BASE_URL_CONFIG_KEY] == "https://example.com/problems"
    assert app.config[AUTODISCOVER_CONFIG_KEY] is False
    assert app.config[AUTODISCOVER_PACKAGES_CONFIG_KEY] == ()
    with app.app_context():
        assert get_problem_type_base_url() == "https://example.com/problems"


# Django ---------------------------------------------------------------------------------------


@pytest.fixture
def django_settings() -> Any:
    """Django configured as the in-process Django tests configure it (tests/django/settings.py)."""
    import os

    import django
    from django.conf import settings

    if not settings.configured:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.django.settings")
        django.setup()
    return settings


def test_django_settings_and_autodiscover(django_settings: Any, plugin_tree: str) -> None:
    from django.test import override_settings

    from beeflow_websocket.core.action_registry import ActionRegistryMeta
    from beeflow_websocket.django import autodiscover as discovery

    assert discovery.get_autodiscover_enabled() is True
    assert discovery.get_autodiscover_modules() == (
        "actions",
        "events",
        "recipients",
        "ws.actions",
        "ws.events",
        "ws.recipients",
    )
    assert "beeflow_websocket.django.actions" in tuple(discovery.iter_installed_app_plugin_packages())
    with override_settings(BEEFLOW_WEBSOCKET_AUTODISCOVER="yes"), pytest.raises(TypeError):
        discovery.get_autodiscover_enabled()
    with override_settings(BEEFLOW_WEBSOCKET_AUTODISCOVER_PACKAGES=[f"{plugin_tree}.actions"]):
        assert discovery.get_autodiscover_packages() == ("treeapp.actions",)
        assert "treeapp.actions.deep" in discovery.autodiscover_websocket_plugins()
    assert "tree.deep" in ActionRegistryMeta.REGISTRY
    with override_settings(BEEFLOW_WEBSOCKET_AUTODISCOVER=False):
        assert discovery.autodiscover_websocket_plugins() == ()


def test_django_app_config_and_authentication_helpers(django_settings: Any) -> None:
    from django.apps import AppConfig

    from beeflow_websocket.django.apps import BeeflowWebsocketDjangoConfig
    from beeflow_websocket.django.authentication import (
        AUTHENTICATION_SUBPROTOCOL,
        AccessTokenAuthMiddleware,
        access_token_from_subprotocols,
        selected_authentication_subprotocol,
    )
    from beeflow_websocket.django.consumer import AuthenticatedWebSocketUserProtocol, create_websocket_message_id
    from beeflow_websocket.django.routing import websocket_urlpatterns

    config = AppConfig.create("beeflow_websocket.django.apps.BeeflowWebsocketDjangoConfig")
    assert isinstance(config, BeeflowWebsocketDjangoConfig)
    assert (config.name, config.label) == ("beeflow_websocket.django", "beeflow_websocket")
    scope = {"subprotocols": ["access-token", "secret"]}
    assert AUTHENTICATION_SUBPROTOCOL == "access-token"
    assert access_token_from_subprotocols(scope) == "secret"
    assert access_token_from_subprotocols({"subprotocols": "access-token"}) == ""
    assert selected_authentication_subprotocol(scope) == "access-token"
    assert selected_authentication_subprotocol({}) is None
    assert isinstance(create_websocket_message_id(), UUID)

    class User:
        id = 5
        is_authenticated = True

    assert isinstance(User(), AuthenticatedWebSocketUserProtocol)
    assert str(websocket_urlpatterns[0].pattern) == "ws/"

    seen: list[Any] = []

    async def inner(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append(scope["user"])

    async def resolver(token: str) -> object:
        return User() if token == "secret" else None

    middleware = AccessTokenAuthMiddleware(inner, resolver)  # positional, as 0.3.0 allowed
    asyncio.run(middleware({"type": "websocket", **scope}, None, None))
    assert seen[0].id == 5


async def test_django_emitter_reaches_connections_through_the_channel_layer(django_settings: Any) -> None:
    from channels.layers import get_channel_layer

    from beeflow_websocket.core.dispatcher import Dispatcher
    from beeflow_websocket.core.events.health import HealthEvent
    from beeflow_websocket.django.emitters import WebSocketEventEmitter
    from beeflow_websocket.django.hub import ChannelLayerHub
    from beeflow_websocket.testing import AsyncWebSocketTestClient

    layer = get_channel_layer()
    async with AsyncWebSocketTestClient(Dispatcher(hub=ChannelLayerHub())) as client:
        emitter = WebSocketEventEmitter(channel_layer=layer, message_id_factory=uuid.uuid4, sequence_provider=lambda: 1)
        await emitter.emit(HealthEvent(recipient="websocket", recipient_id=client.websocket_id, req_id=REQ_ID))
        for _ in range(100):
            if client.received:
                break
            await asyncio.sleep(0.01)
    [frame] = client.received
    assert (frame["event"], frame["recipient_id"], frame["seq"]) == ("health", client.websocket_id, 1)


# A 0.3.0 action written the 0.3.0 way, through the test client -------------------------------


async def test_030_action_with_its_own_event_and_the_bundled_recipient() -> None:
    from beeflow_websocket.core.action_registry import ActionContext, ActionRegistryMeta
    from beeflow_websocket.core.event_registry import EventRegistryMeta
    from beeflow_websocket.core.payloads import WebSocketActionPayload, WebSocketEventPayload
    from beeflow_websocket.testing import AsyncWebSocketTestClient

    class Echoed(metaclass=EventRegistryMeta, name="echoed"):
        def __init__(self, recipient: str, recipient_id: str, req_id: UUID, text: str) -> None:
            self.recipient, self.recipient_id, self.req_id, self.text = recipient, recipient_id, req_id, text

        async def emit(self) -> WebSocketEventPayload:
            return WebSocketEventPayload(
                req_id=self.req_id,
                event="echoed",
                recipient=self.recipient,
                recipient_id=self.recipient_id,
                payload={"text": self.text},
            )

    class Echo(metaclass=ActionRegistryMeta, name="echo"):
        async def execute(self, message: WebSocketActionPayload, context: ActionContext) -> AsyncIterator[Echoed]:
            for _ in range(2):
                yield Echoed("websocket", context.websocket_id, message.req_id, str(message.payload["text"]))  # type: ignore[arg-type]

    async with AsyncWebSocketTestClient(completion=False) as client:
        reply = await client.request("echo", {"text": "hi"})
    assert [(frame["seq"], frame["req_id"], frame["payload"]) for frame in reply.frames] == [
        (1, reply.req_id, {"text": "hi"}),
        (2, reply.req_id, {"text": "hi"}),
    ]
