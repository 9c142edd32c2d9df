"""How a Redis client of ours is doing: one outage, one warning when it starts and one line when it ends."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

__all__ = ["HealthTracker", "HubHealth"]

logger = logging.getLogger("beeflow_websocket")


@dataclass(frozen=True, slots=True)
class HubHealth:
    """A snapshot of :meth:`RedisHub.health`.

    ``connected`` is false from the first failed Redis call until every link (publishing and, when
    this process has subscriptions, receiving) works again. ``dropped`` counts deliveries to other
    processes that could not be published, since the hub was created; ``outages`` counts outages.
    """

    connected: bool
    outages: int
    dropped: int
    last_error: str | None
    down_since: float | None
    """``time.time()`` when the current outage began; ``None`` while connected."""


class HealthTracker:
    """Counts outages and what was dropped, and logs each outage once, not once per event.

    ``name`` starts each log line; ``dropping`` says what happens during an outage and ``dropped``
    names what :meth:`drop` counts (for the line that ends the outage).
    """

    def __init__(
        self,
        name: str = "Redis hub",
        *,
        dropping: str = "deliveries to other processes are dropped until it is back",
        dropped: str = "deliveries to other processes were dropped meanwhile",
    ) -> None:
        self._name = name
        self._dropping = dropping
        self._dropped_what = dropped
        self._down: set[str] = set()
        self.outages = 0
        self.dropped = 0
        self.last_error: str | None = None
        self._since: float | None = None
        self._dropped_at_start = 0

    def snapshot(self) -> HubHealth:
        return HubHealth(not self._down, self.outages, self.dropped, self.last_error, self._since)

    @property
    def down(self) -> bool:
        """An outage is going on: some link failed and has not worked since."""
        return bool(self._down)

    def failed(self, link: str, error: BaseException) -> None:
        """``link`` (the hub's "publish" or "subscribe", the history's "write") could not reach Redis."""
        self.last_error = f"{type(error).__name__}: {error}"
        if not self._down:
            self.outages += 1
            self._since = time.time()
            self._dropped_at_start = self.dropped
            logger.warning("%s: Redis is unreachable (%s); %s", self._name, self.last_error, self._dropping)
        self._down.add(link)

    def recovered(self, link: str) -> None:
        if link not in self._down:
            return
        self._down.discard(link)
        if not self._down and self._since is not None:
            logger.warning(
                "%s: Redis is back after %.1f s; %d %s",
                self._name,
                time.time() - self._since,
                self.dropped - self._dropped_at_start,
                self._dropped_what,
            )
            self._since = None

    def forget(self, link: str) -> None:
        """``link`` was closed (its event loop ended): it no longer counts as down."""
        self._down.discard(link)
        if not self._down:
            self._since = None

    def drop(self, count: int = 1) -> None:
        self.dropped += count
