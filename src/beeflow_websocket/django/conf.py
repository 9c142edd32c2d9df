"""Settings and the project's one dispatcher.

=========================================== ============ ==========================================
Setting                                     Default      Meaning
=========================================== ============ ==========================================
``BEEFLOW_WEBSOCKET_PROBLEM_TYPE_BASE_URL`` ``None``     problem ``type`` is ``<base>/<slug>``, else ``about:blank``
``BEEFLOW_WEBSOCKET_AUTODISCOVER``          ``True``     import the plugin modules of every installed app
``BEEFLOW_WEBSOCKET_MAX_MESSAGE_SIZE``      1 MiB        larger frames get a 413 problem, then close 1009
``BEEFLOW_WEBSOCKET_MAX_IN_FLIGHT``         ``1``        actions of one connection running at once
``BEEFLOW_WEBSOCKET_ALLOWED_ORIGINS``       ``None``     browser origins that may connect (on top of
                                                         ``AllowedHostsOriginValidator``)
``BEEFLOW_WEBSOCKET_RATE_LIMIT``            ``None``     token bucket per connection, e.g. ``(20, 40)``:
                                                         20 frames/s, bursts of 40; over it, a 429 problem
``BEEFLOW_WEBSOCKET_ACTION_RATE_LIMITS``    ``{}``       action name -> token bucket per connection
``BEEFLOW_WEBSOCKET_MAX_CONNECTIONS``       ``None``     open connections per process; the next one is
                                                         accepted and closed with 1013 "try again later"
``BEEFLOW_WEBSOCKET_IDLE_TIMEOUT``          ``None``     seconds without a frame before a close with 1001
``BEEFLOW_WEBSOCKET_OUTGOING``              defaults     ``OutgoingLimits`` or a mapping of its fields: the
                                                         queue per connection, the grace and the close
                                                         code (1013 or 1008) of a slow connection
``BEEFLOW_WEBSOCKET_RESUME``                ``None``     sessions of ``beeflow.v2`` clients: a mapping of
                                                         ``ResumeConfig`` fields (``window``, ``max_frames``,
                                                         ``max_bytes``, ``max_age``), or ``False``
``BEEFLOW_WEBSOCKET_HISTORY``               ``None``     where sessions keep their frames: a Redis URL,
                                                         a ``History`` or its dotted path
                                                         (:mod:`~beeflow_websocket.django.resume`)
``BEEFLOW_WEBSOCKET_SESSION_STORE``         ``None``     shares sessions so another process adopts
                                                         them: a Redis URL (the history goes there
                                                         too), a ``SessionStore`` or its dotted path
=========================================== ============ ==========================================

Deliveries go through the ``default`` channel layer when ``CHANNEL_LAYERS`` has one, else they
stay in the process (:class:`~beeflow_websocket.core.hub.LocalHub`).
"""

from __future__ import annotations

import threading
from typing import Any

from channels import DEFAULT_CHANNEL_LAYER
from django.conf import settings
from django.core.signals import setting_changed

from beeflow_websocket.core.config import DEFAULT_MAX_MESSAGE_SIZE, ProtocolConfig, resume_config
from beeflow_websocket.core.dispatcher import Dispatcher
from beeflow_websocket.core.hub import Hub, LocalHub
from beeflow_websocket.core.outgoing import outgoing_limits

from .hub import ChannelLayerHub
from .resume import resume_backends

__all__ = ["PREFIX", "get_dispatcher", "protocol_config", "reset_dispatcher"]

PREFIX = "BEEFLOW_WEBSOCKET_"

_dispatcher: Dispatcher | None = None
_lock = threading.Lock()


def protocol_config() -> ProtocolConfig:
    """The :class:`ProtocolConfig` the ``BEEFLOW_WEBSOCKET_*`` settings describe."""
    origins = getattr(settings, f"{PREFIX}ALLOWED_ORIGINS", None)
    return ProtocolConfig(
        problem_type_base_url=getattr(settings, f"{PREFIX}PROBLEM_TYPE_BASE_URL", None),
        max_message_size=getattr(settings, f"{PREFIX}MAX_MESSAGE_SIZE", DEFAULT_MAX_MESSAGE_SIZE),
        max_in_flight=getattr(settings, f"{PREFIX}MAX_IN_FLIGHT", 1),
        allowed_origins=None if origins is None else tuple(origins),
        rate_limit=getattr(settings, f"{PREFIX}RATE_LIMIT", None),
        action_rate_limits=getattr(settings, f"{PREFIX}ACTION_RATE_LIMITS", None) or {},
        max_connections=getattr(settings, f"{PREFIX}MAX_CONNECTIONS", None),
        idle_timeout=getattr(settings, f"{PREFIX}IDLE_TIMEOUT", None),
        outgoing=outgoing_limits(getattr(settings, f"{PREFIX}OUTGOING", None)),
        resume=resume_config(getattr(settings, f"{PREFIX}RESUME", None)),
    )


def _hub() -> Hub:
    if DEFAULT_CHANNEL_LAYER in (getattr(settings, "CHANNEL_LAYERS", None) or {}):
        return ChannelLayerHub(DEFAULT_CHANNEL_LAYER)
    return LocalHub()


def get_dispatcher() -> Dispatcher:
    """The project's dispatcher, built from settings on first use.

    Push events from anywhere in the project: ``await get_dispatcher().push(event)`` in async
    code, ``get_dispatcher().push_sync(event)`` in sync views, tasks and management commands.
    """
    dispatcher = _dispatcher
    if dispatcher is None:
        with _lock:
            dispatcher = _dispatcher or _build()
    return dispatcher


def _build() -> Dispatcher:
    global _dispatcher
    config = protocol_config()
    history, store = resume_backends(config.resume)
    _dispatcher = Dispatcher(config, hub=_hub(), history=history, store=store)
    return _dispatcher


def reset_dispatcher() -> None:
    """Forget the dispatcher; the next :func:`get_dispatcher` builds one from the current settings.

    Happens on its own when a ``BEEFLOW_WEBSOCKET_*`` or ``CHANNEL_LAYERS`` setting changes
    (``override_settings`` in tests). Open connections keep the dispatcher they started with.
    """
    global _dispatcher
    with _lock:
        _dispatcher = None


def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith(PREFIX) or setting == "CHANNEL_LAYERS":
        reset_dispatcher()


setting_changed.connect(_on_setting_changed, dispatch_uid="beeflow_websocket.reset_dispatcher")
