"""Rate limits: a token bucket per connection, and optionally one per action of a connection.

A connection's bucket holds ``burst`` tokens and gains ``per_second`` of them every second; every
frame the client sends takes one from the connection's bucket, and every valid action frame of an
action with its own limit takes one from that action's bucket too. A frame that finds a bucket
empty is answered with a 429 problem whose ``retry_after`` member says, in seconds, when a token
will be there again; its handler does not run and the connection stays open.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from time import monotonic
from typing import Any

from .problems import RATE_LIMITED, WebSocketProblem

#: The buckets' clock (a module attribute, so tests can move it without touching asyncio's).
clock = monotonic

__all__ = ["ActionRateLimits", "Limiter", "RateLimit", "TokenBucket", "rate_limit", "rate_limited"]


@dataclass(frozen=True, slots=True)
class RateLimit:
    """``burst`` frames at once, refilled at ``per_second`` frames a second (default burst: one second's worth)."""

    per_second: float
    burst: int | None = None

    def __post_init__(self) -> None:
        if not (isinstance(self.per_second, int | float) and math.isfinite(self.per_second) and self.per_second > 0):
            raise ValueError(f"a rate limit's per_second must be a positive number, got {self.per_second!r}")
        if self.burst is None:
            object.__setattr__(self, "burst", max(1, math.ceil(self.per_second)))
        elif isinstance(self.burst, bool) or not isinstance(self.burst, int) or self.burst < 1:
            raise ValueError(f"a rate limit's burst must be a whole number of at least 1, got {self.burst!r}")

    @property
    def capacity(self) -> int:
        return self.burst or 1


ActionRateLimits = Mapping[str, RateLimit]


def rate_limit(value: Any, *, setting: str = "rate_limit") -> RateLimit | None:
    """Read a rate limit from configuration: ``None``, a :class:`RateLimit`, ``(per_second, burst)``,
    a number (per second) or ``{"per_second": ..., "burst": ...}``."""
    if value is None or isinstance(value, RateLimit):
        return value
    try:
        if isinstance(value, Mapping):
            return RateLimit(**value)
        if isinstance(value, tuple | list):
            return RateLimit(*value)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return RateLimit(value)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{setting}: {error}") from None
    raise ValueError(f"{setting} must be a RateLimit, (per_second, burst), a number or None, not {value!r}")


class TokenBucket:
    """One bucket; :meth:`take` spends a token or says how long until one is there."""

    __slots__ = ("_capacity", "_per_second", "_stamp", "_tokens")

    def __init__(self, limit: RateLimit) -> None:
        self._per_second = float(limit.per_second)
        self._capacity = float(limit.capacity)
        self._tokens = self._capacity
        self._stamp = clock()

    def take(self) -> float:
        """0.0 when a token was spent, else the seconds until one will be available."""
        now = clock()
        tokens = min(self._capacity, self._tokens + (now - self._stamp) * self._per_second)
        self._stamp = now
        if tokens >= 1.0:
            self._tokens = tokens - 1.0
            return 0.0
        self._tokens = tokens
        return (1.0 - tokens) / self._per_second


class Limiter:
    """The buckets of one connection, made on first use."""

    __slots__ = ("_actions", "_buckets", "_connection")

    def __init__(self, connection: RateLimit | None, actions: ActionRateLimits) -> None:
        self._connection = None if connection is None else TokenBucket(connection)
        self._actions = actions
        self._buckets: dict[str, TokenBucket] = {}

    def frame(self) -> float:
        """Spend the connection's token for a frame; 0.0, or the seconds to wait."""
        return 0.0 if self._connection is None else self._connection.take()

    def action(self, name: str) -> float:
        """Spend the action's token (when it has a limit); 0.0, or the seconds to wait."""
        bucket = self._buckets.get(name)
        if bucket is None:
            limit = self._actions.get(name)
            if limit is None:
                return 0.0
            bucket = self._buckets[name] = TokenBucket(limit)
        return bucket.take()


def rate_limited(wait: float, action: str | None = None) -> WebSocketProblem:
    """The 429 problem for a frame refused by a bucket; ``retry_after`` is rounded up to milliseconds."""
    retry_after = math.ceil(wait * 1000) / 1000
    scope = f"action '{action}'" if action is not None else "this connection"
    return RATE_LIMITED.problem(
        f"Too many messages for {scope}; retry after {retry_after} s.", extensions={"retry_after": retry_after}
    )
