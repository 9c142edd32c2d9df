"""The app config, settings, the dispatcher they build and its reset, and autodiscovery of installed apps."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from django.apps import apps
from django.conf import settings
from django.test import override_settings

from beeflow_websocket.core.action_registry import ActionRegistryMeta
from beeflow_websocket.core.config import DEFAULT_MAX_MESSAGE_SIZE
from beeflow_websocket.core.event_registry import EventRegistryMeta
from beeflow_websocket.core.hub import LocalHub
from beeflow_websocket.django import get_dispatcher, reset_dispatcher
from beeflow_websocket.django.hub import ChannelLayerHub
from beeflow_websocket.testing import AsyncWebSocketTestClient

SHOP = "tests.django.plugins.shop"


def test_the_app_has_a_label_of_its_own() -> None:
    config = apps.get_app_config("beeflow_websocket")
    assert config.name == "beeflow_websocket.django"


def test_one_dispatcher_built_from_settings() -> None:
    dispatcher = get_dispatcher()
    assert get_dispatcher() is dispatcher
    assert dispatcher.config.problem_type_base_url == "https://example.com/problems/websocket"
    assert dispatcher.config.max_message_size == DEFAULT_MAX_MESSAGE_SIZE
    assert dispatcher.config.max_in_flight == 1
    assert dispatcher.config.allowed_origins is None
    assert isinstance(dispatcher.hub, ChannelLayerHub)


def test_changed_settings_reset_the_dispatcher() -> None:
    before = get_dispatcher()
    with override_settings(
        BEEFLOW_WEBSOCKET_PROBLEM_TYPE_BASE_URL="https://errors.example",
        BEEFLOW_WEBSOCKET_MAX_MESSAGE_SIZE=2048,
        BEEFLOW_WEBSOCKET_MAX_IN_FLIGHT=4,
        BEEFLOW_WEBSOCKET_ALLOWED_ORIGINS=["https://app.example"],
    ):
        config = get_dispatcher().config
        assert (config.problem_type_base_url, config.max_message_size, config.max_in_flight) == (
            "https://errors.example",
            2048,
            4,
        )
        assert config.allowed_origins == ("https://app.example",)
    after = get_dispatcher()
    assert after is not before
    assert after.config == before.config
    with override_settings(CHANNEL_LAYERS={}):
        assert isinstance(get_dispatcher().hub, LocalHub)
    current = get_dispatcher()
    with override_settings(SOMETHING_ELSE=1):
        assert get_dispatcher() is current


async def test_without_a_problem_base_url_problems_are_about_blank() -> None:
    with override_settings():
        del settings.BEEFLOW_WEBSOCKET_PROBLEM_TYPE_BASE_URL
        reset_dispatcher()
        async with AsyncWebSocketTestClient(get_dispatcher()) as client:
            reply = await client.request("no.such.action")
        assert reply.problem is not None
        assert reply.problem["type"] == "about:blank"
    reset_dispatcher()


@pytest.fixture
def forget_shop() -> Iterator[None]:
    def forget() -> None:
        for name in [name for name in sys.modules if name.startswith(f"{SHOP}.")]:
            del sys.modules[name]

    forget()
    yield
    forget()


@pytest.mark.usefixtures("forget_shop")
def test_ready_imports_the_plugin_modules_of_every_installed_app() -> None:
    with override_settings(INSTALLED_APPS=[*settings.INSTALLED_APPS, SHOP]):
        assert "shop.checkout" in ActionRegistryMeta.registry  # shop/actions.py
        assert "shop.checked_out" in EventRegistryMeta.registry  # shop/ws/events.py


@pytest.mark.usefixtures("forget_shop")
def test_autodiscovery_can_be_switched_off() -> None:
    # Two steps: override_settings installs apps before it changes the other settings.
    with (
        override_settings(BEEFLOW_WEBSOCKET_AUTODISCOVER=False),
        override_settings(INSTALLED_APPS=[*settings.INSTALLED_APPS, SHOP]),
    ):
        assert "shop.checkout" not in ActionRegistryMeta.registry
        assert f"{SHOP}.actions" not in sys.modules


REDIS = "channels_redis.core.RedisChannelLayer"


@pytest.mark.parametrize(
    ("config", "warned"),
    [
        ({"hosts": [("127.0.0.1", 6379)]}, True),  # the 0.3.0 README's form
        ({}, True),
        ({"hosts": [{"address": "redis://127.0.0.1:6379", "socket_timeout": None}]}, False),
        ({"hosts": [{"host": "127.0.0.1", "port": 6379, "socket_timeout": 30}]}, False),
    ],
)
def test_a_check_warns_about_redis_py_8_read_timeouts(config: dict[str, object], warned: bool) -> None:
    from django.core.checks import run_checks

    with override_settings(CHANNEL_LAYERS={"default": {"BACKEND": REDIS, "CONFIG": config}}):
        ids = [message.id for message in run_checks()]
    assert ("beeflow_websocket.W001" in ids) is warned


def test_the_check_ignores_other_layers() -> None:
    from django.core.checks import run_checks

    assert "beeflow_websocket.W001" not in [message.id for message in run_checks()]


def test_the_outgoing_setting_sets_the_slow_consumer_policy() -> None:
    with override_settings(BEEFLOW_WEBSOCKET_OUTGOING={"max_frames": 64, "grace": 1.5, "close_code": 1008}):
        outgoing = get_dispatcher().config.outgoing
        assert (outgoing.max_frames, outgoing.grace, outgoing.close_code) == (64, 1.5, 1008)
    assert get_dispatcher().config.outgoing.close_code == 1013


RESUME_IDS = ("beeflow_websocket.E001", "beeflow_websocket.E002", "beeflow_websocket.E003")
BACKENDS = "tests.django.resume_backends"


def resume_errors() -> list[tuple[str, str]]:
    from django.core.checks import run_checks

    return [(message.id, message.msg) for message in run_checks() if message.id in RESUME_IDS]  # type: ignore[misc]


def test_without_resume_settings_sessions_stay_in_the_process() -> None:
    from beeflow_websocket.core.history import MemoryHistory

    sessions = get_dispatcher().sessions
    assert isinstance(sessions.history, MemoryHistory)
    assert sessions.store is None
    assert resume_errors() == []


def test_a_redis_url_for_the_store_puts_history_and_sessions_in_that_redis() -> None:
    from beeflow_websocket.redis import RedisHistory, RedisSessionStore

    url = "redis://127.0.0.1:1/3"
    with override_settings(
        BEEFLOW_WEBSOCKET_SESSION_STORE=url, BEEFLOW_WEBSOCKET_RESUME={"window": 30, "max_frames": 50}
    ):
        sessions = get_dispatcher().sessions
        assert resume_errors() == []
    assert isinstance(sessions.history, RedisHistory)
    assert isinstance(sessions.store, RedisSessionStore)
    assert sessions.store.history is sessions.history
    assert (sessions.history.url, sessions.history.max_events, sessions.history.max_age) == (url, 50, 30)
    assert sessions.store.window == 30


def test_a_redis_url_for_the_history_alone_shares_no_sessions() -> None:
    from beeflow_websocket.redis import RedisHistory

    with override_settings(BEEFLOW_WEBSOCKET_HISTORY="redis://127.0.0.1:1/0"):
        sessions = get_dispatcher().sessions
    assert isinstance(sessions.history, RedisHistory)
    assert sessions.store is None


@pytest.mark.parametrize(
    ("history", "store", "max_events", "owner"),
    [
        (f"{BACKENDS}.history", f"{BACKENDS}.store", 7, "this-process"),
        (f"{BACKENDS}.make_history", f"{BACKENDS}.make_store", 9, "made"),
    ],
    ids=["instances", "factories"],
)
def test_dotted_paths_name_an_instance_or_a_callable_making_one(
    history: str, store: str, max_events: int, owner: str
) -> None:
    with override_settings(BEEFLOW_WEBSOCKET_HISTORY=history, BEEFLOW_WEBSOCKET_SESSION_STORE=store):
        sessions = get_dispatcher().sessions
        assert resume_errors() == []
    assert sessions.history.max_events == max_events  # type: ignore[attr-defined]
    assert sessions.store is not None
    assert sessions.store.owner == owner


def test_instances_are_taken_as_they_are() -> None:
    from tests.django import resume_backends

    with override_settings(
        BEEFLOW_WEBSOCKET_HISTORY=resume_backends.redis_history,
        BEEFLOW_WEBSOCKET_SESSION_STORE=resume_backends.redis_store,
    ):
        sessions = get_dispatcher().sessions
        assert resume_errors() == []
    assert sessions.history is resume_backends.redis_history
    assert sessions.store is resume_backends.redis_store


@pytest.mark.parametrize(
    ("overrides", "error", "says"),
    [
        ({"BEEFLOW_WEBSOCKET_HISTORY": "tests.django.nowhere.history"}, "E001", "cannot import"),
        ({"BEEFLOW_WEBSOCKET_HISTORY": f"{BACKENDS}.not_a_history"}, "E001", "is not a History"),
        ({"BEEFLOW_WEBSOCKET_HISTORY": 42}, "E001", "is not a History"),
        ({"BEEFLOW_WEBSOCKET_SESSION_STORE": f"{BACKENDS}.history"}, "E002", "is not a SessionStore"),
        (
            {"BEEFLOW_WEBSOCKET_SESSION_STORE": "redis://127.0.0.1:1/0", "BEEFLOW_WEBSOCKET_HISTORY": "redis://h:1/0"},
            "E002",
            "leave it unset, or name the same URL",
        ),
        (
            {"BEEFLOW_WEBSOCKET_SESSION_STORE": "redis://127.0.0.1:1/0", "BEEFLOW_WEBSOCKET_RESUME": False},
            "E002",
            "sessions end with their socket",
        ),
        ({"BEEFLOW_WEBSOCKET_SESSION_STORE": f"{BACKENDS}.redis_store"}, "E002", "writes through its own history"),
        ({"BEEFLOW_WEBSOCKET_RESUME": {"window": -1}}, "E003", "resume window"),
    ],
    ids=[
        "history not importable",
        "history not a history",
        "history a number",
        "store not a store",
        "store url with another history",
        "store url without resume",
        "redis store over another history",
        "resume invalid",
    ],
)
def test_a_check_names_a_wrong_resume_setting(overrides: dict[str, object], error: str, says: str) -> None:
    from django.core.exceptions import ImproperlyConfigured

    with override_settings(**overrides):
        [(found, message)] = resume_errors()
        assert found == f"beeflow_websocket.{error}"
        assert says in message
        if error != "E003":
            with pytest.raises(ImproperlyConfigured, match=says):
                get_dispatcher()
