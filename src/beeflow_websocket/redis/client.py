"""Where a Redis client of ours connects and how it backs off: what RedisHub and RedisHistory share."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

__all__ = ["RedisClientSettings"]


class RedisClientSettings:
    """``url`` and ``redis_options`` (handed to redis-py) say where Redis is; ``timeout`` bounds
    connecting and each call. After a failure the owner waits ``min_backoff`` seconds before trying
    again, doubling up to ``max_backoff``.
    """

    def __init__(
        self,
        owner: str,
        url: str,
        *,
        timeout: float,
        min_backoff: float,
        max_backoff: float,
        redis_options: dict[str, Any] | None,
    ) -> None:
        if not 0 < min_backoff <= max_backoff:
            raise ValueError(f"{owner} needs 0 < min_backoff <= max_backoff")
        self.url = url
        self.timeout = timeout
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff
        self.redis_options = dict(redis_options or {})

    def new_client(self) -> Redis:
        """A client that reports each failure at once (its owner backs off) and reads RESP2 bytes."""
        options: dict[str, Any] = {
            "socket_connect_timeout": self.timeout,
            "socket_timeout": self.timeout,
            "retry": Retry(NoBackoff(), 0),
            "health_check_interval": 0,
            **self.redis_options,
            "protocol": 2,
            "decode_responses": False,
        }
        return Redis.from_url(self.url, **options)
