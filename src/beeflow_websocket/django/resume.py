"""Where resumable sessions (``beeflow.v2``) keep their frames and their records, from settings.

``BEEFLOW_WEBSOCKET_HISTORY`` replaces the in-process history of each session, so a process that
did not record the frames can replay them; ``BEEFLOW_WEBSOCKET_SESSION_STORE`` shares the sessions
themselves, so another process can adopt one when its client reconnects there. Each takes:

- ``None`` (the default): this process only;
- a Redis URL (``redis://``, ``rediss://``, ``unix://``): a
  :class:`~beeflow_websocket.redis.RedisHistory` bounded by ``BEEFLOW_WEBSOCKET_RESUME``
  (``max_frames``, ``max_age`` or the window) and, for the store, a
  :class:`~beeflow_websocket.redis.RedisSessionStore` expiring with the window. The store writes
  its records with the frames, through one history: a store URL puts the history at the same URL
  (``BEEFLOW_WEBSOCKET_HISTORY`` unset, or that URL);
- the dotted path of an instance, or of a callable without arguments returning one;
- an instance.

A value that is none of these fails ``manage.py check`` (``beeflow_websocket.E001``, ``E002``) and
the first connection, with the same message.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, TypeGuard

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from beeflow_websocket.core.config import ResumeConfig
from beeflow_websocket.core.history import History
from beeflow_websocket.core.session_store import SessionStore

if TYPE_CHECKING:
    from beeflow_websocket.redis import RedisHistory, RedisSessionStore

__all__ = ["HISTORY_SETTING", "SESSION_STORE_SETTING", "SettingError", "resume_backends"]

HISTORY_SETTING = "BEEFLOW_WEBSOCKET_HISTORY"
SESSION_STORE_SETTING = "BEEFLOW_WEBSOCKET_SESSION_STORE"

_URL_SCHEMES = ("redis://", "rediss://", "unix://")
_HISTORY_API = ("epoch", "ready", "record", "replay", "forget")
_STORE_API = ("owner", "claim", "save", "advance", "start", "forget", "on_lost")


class SettingError(ImproperlyConfigured):
    """A resume setting names no usable history or store; ``setting`` says which."""

    def __init__(self, setting: str, message: str) -> None:
        super().__init__(f"{setting}: {message}")
        self.setting = setting


def resume_backends(resume: ResumeConfig) -> tuple[History | None, SessionStore | None]:
    """The history and the session store the settings name (``None``: the dispatcher's defaults).

    Raises :class:`~django.core.exceptions.ImproperlyConfigured` naming the setting that is wrong.
    """
    history_value = getattr(settings, HISTORY_SETTING, None)
    store_value = getattr(settings, SESSION_STORE_SETTING, None)
    if _is_url(store_value):
        if history_value is not None and history_value != store_value:
            raise SettingError(
                SESSION_STORE_SETTING,
                f"a Redis URL here keeps the history at the same URL ({store_value!r}), but "
                f"{HISTORY_SETTING} is {history_value!r}: leave it unset, or name the same URL.",
            )
        redis_history = _redis_history(store_value, resume, HISTORY_SETTING)
        return redis_history, _redis_store(redis_history, resume)
    history = _history(history_value, resume)
    return history, _store(store_value, history)


def _is_url(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and value.startswith(_URL_SCHEMES)


def _history(value: Any, resume: ResumeConfig) -> History | None:
    if value is None:
        return None
    if _is_url(value):
        return _redis_history(value, resume, HISTORY_SETTING)
    history: History = _implementation(value, HISTORY_SETTING, "History", _HISTORY_API)
    return history


def _store(value: Any, history: History | None) -> SessionStore | None:
    if value is None:
        return None
    found = _implementation(value, SESSION_STORE_SETTING, "SessionStore", _STORE_API)
    own = getattr(found, "history", None)
    if own is not None and own is not history:
        raise SettingError(
            SESSION_STORE_SETTING,
            f"{found!r} writes through its own history {own!r}, which is not {HISTORY_SETTING} "
            f"({history!r}): name that history in {HISTORY_SETTING}.",
        )
    store: SessionStore = found
    return store


def _resolve(value: Any, setting: str) -> Any:
    """An instance from itself or a dotted path (of an instance, or of a callable making one)."""
    if not isinstance(value, str):
        return value
    try:
        found = import_string(value)
    except ImportError as error:
        raise SettingError(setting, f"cannot import {value!r}: {error}") from error
    if inspect.isclass(found) or inspect.isfunction(found):
        try:
            return found()
        except Exception as error:
            raise SettingError(setting, f"{value!r}() failed: {error!r}") from error
    return found


def _implementation(value: Any, setting: str, interface: str, api: tuple[str, ...]) -> Any:
    """:func:`_resolve`, then check that the instance has every method of ``interface``."""
    found = _resolve(value, setting)
    if not all(hasattr(found, name) for name in api):
        raise SettingError(
            setting,
            f"{found!r} is not a {interface} (it needs {', '.join(api)}); give a Redis URL, "
            f"a Redis{interface} or the dotted path of one.",
        )
    return found


def _redis_history(url: str, resume: ResumeConfig, setting: str) -> RedisHistory:
    try:
        from beeflow_websocket.redis import RedisHistory
    except ImportError as error:
        raise SettingError(setting, f"a Redis URL needs redis-py: {error}") from error
    return RedisHistory(url, max_events=resume.max_frames, max_age=resume.history_age)


def _redis_store(history: RedisHistory, resume: ResumeConfig) -> RedisSessionStore:
    from beeflow_websocket.redis import RedisSessionStore

    if resume.window <= 0:
        raise SettingError(
            SESSION_STORE_SETTING,
            "sessions end with their socket (BEEFLOW_WEBSOCKET_RESUME is False or its window 0): "
            "there is nothing to share; unset this setting or give the sessions a window.",
        )
    return RedisSessionStore(history, window=resume.window)
