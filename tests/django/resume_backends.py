"""Histories and session stores named by dotted path in the resume settings tests."""

from __future__ import annotations

from beeflow_websocket.core.history import MemoryHistory
from beeflow_websocket.core.session_store import MemorySessionStore, SharedMemoryStore
from beeflow_websocket.redis import RedisHistory, RedisSessionStore

history = MemoryHistory(max_events=7)
store = SharedMemoryStore().view("this-process")
redis_history = RedisHistory("redis://127.0.0.1:1/0")
redis_store = RedisSessionStore(redis_history, window=30.0)
not_a_history = object()


def make_history() -> MemoryHistory:
    return MemoryHistory(max_events=9)


def make_store() -> MemorySessionStore:
    return SharedMemoryStore().view("made")
