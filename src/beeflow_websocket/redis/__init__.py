"""Cross-process delivery for FastAPI and Flask through Redis pub/sub (``pip install beeflow-websocket[redis]``).

::

    from beeflow_websocket.redis import RedisHub

    configure_beeflow_websocket(app, hub=RedisHub("redis://127.0.0.1:6379/0"))

Deliveries to a websocket id, a user or a group then reach the matching connections of every
process, on every machine, that uses the same Redis; ``push()`` and ``push_sync()`` work from
processes that serve no socket. ``history=RedisHistory(url)`` keeps the history of resumable
(``beeflow.v2``) sessions in the same Redis, so it outlives the process that recorded it.
Django uses its channel layer (channels-redis) instead.
"""

try:
    import redis as _redis  # noqa: F401
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError("beeflow_websocket.redis needs redis-py 5 or newer: install beeflow-websocket[redis]") from error

from .health import HubHealth
from .history import HistoryHealth, RedisHistory
from .hub import RedisHub
from .sessions import RedisSessionStore

__all__ = ["HistoryHealth", "HubHealth", "RedisHistory", "RedisHub", "RedisSessionStore"]
