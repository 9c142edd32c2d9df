"""Settings shared by every adapter: where problem types live and the protocol's limits."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from .limits import RateLimit, rate_limit
from .outgoing import OutgoingLimits, outgoing_limits

__all__ = ["DEFAULT_MAX_MESSAGE_SIZE", "ProtocolConfig", "ResumeConfig", "resume_config"]

DEFAULT_MAX_MESSAGE_SIZE = 1024 * 1024


def _seconds(value: Any, *, zero: bool = False) -> bool:
    """Whether ``value`` is a finite number of seconds, above 0 (or at least 0 with ``zero``)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return (value >= 0 if zero else value > 0) and value < float("inf")


@dataclass(frozen=True, slots=True, kw_only=True)
class ResumeConfig:
    """How long a ``beeflow.v2`` session outlives its socket, and how much of it is kept.

    ``window``: seconds a session waits for its client to come back after the socket is gone
    (deliveries to it are numbered and kept meanwhile; its running actions keep running and are
    cancelled when the window ends). ``max_frames``, ``max_bytes`` (characters of the text frames)
    and ``max_age`` (seconds; ``None``: the window) bound the history of each session; a client
    whose gap goes past them gets a ``history-gap`` resync, never a partial replay.
    """

    window: float = 120.0
    max_frames: int = 1000
    max_bytes: int = 1024 * 1024
    max_age: float | None = None

    def __post_init__(self) -> None:
        if not _seconds(self.window, zero=True):
            raise ValueError(f"resume window must be a finite number of seconds >= 0, not {self.window!r}")
        if self.max_frames < 1 or self.max_bytes < 1:
            raise ValueError("resume max_frames and max_bytes must be at least 1")
        if self.max_age is not None and not _seconds(self.max_age):
            raise ValueError(f"resume max_age must be a positive number of seconds or None, not {self.max_age!r}")

    @property
    def history_age(self) -> float:
        """The age limit of history entries: ``max_age``, else the window (at least 1 s)."""
        return self.max_age if self.max_age is not None else max(self.window, 1.0)


def resume_config(value: Any) -> ResumeConfig:
    """A :class:`ResumeConfig` from itself, a mapping of its fields, ``None`` (the defaults) or
    ``False`` (sessions end with their socket: a resume always gets ``unknown-session``)."""
    if value is None or value is True:
        return ResumeConfig()
    if value is False:
        return ResumeConfig(window=0)
    if isinstance(value, ResumeConfig):
        return value
    if isinstance(value, Mapping):
        return ResumeConfig(**dict(value))
    raise ValueError(f"resume must be a ResumeConfig, a mapping of its fields, None or False, not {value!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class ProtocolConfig:
    """How a dispatcher answers and what it accepts.

    ``problem_type_base_url``: problems get ``type`` ``<base URL>/<slug>``; ``about:blank`` when unset.
    ``max_message_size``: largest accepted frame in bytes (UTF-8 for text); a larger one gets a
    problem and the connection is closed with 1009.
    ``max_in_flight``: actions of one connection that may run at once; 1 runs them one at a time in
    arrival order.
    ``allowed_origins``: browser origins that may connect (``None``: any); adapters refuse the
    others with 403 before the handshake completes.
    ``outgoing``: how far a connection may fall behind, and the close it then gets (1013 by default,
    or 1008): an :class:`~.outgoing.OutgoingLimits` or a mapping of its fields (:mod:`.outgoing`).
    ``rate_limit``: a token bucket per connection that every frame draws from (``None``: no limit);
    ``action_rate_limits``: action name -> a bucket per connection for that action. A frame over a
    limit gets a 429 problem with ``retry_after`` (seconds); the connection stays open. Both accept
    a :class:`~.limits.RateLimit`, ``(per_second, burst)``, a number per second or a mapping.
    ``max_connections``: open connections per dispatcher (one per process and app) beyond which
    adapters refuse new ones (``None``: no cap); see :meth:`Dispatcher.admit`.
    ``idle_timeout``: seconds a connection may send no frame (with no action of its own running)
    before the server closes it with 1001 "idle timeout"; it goes after between one and two
    timeouts of silence (``None``: never). Pings and pongs do not count: they are the server's.
    ``resume``: sessions of ``beeflow.v2`` connections (:class:`ResumeConfig`; also a mapping of its
    fields, or ``False`` to end every session with its socket).
    """

    problem_type_base_url: str | None = None
    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE
    max_in_flight: int = 1
    allowed_origins: Collection[str] | None = None
    outgoing: OutgoingLimits = field(default_factory=OutgoingLimits)
    rate_limit: RateLimit | None = None
    action_rate_limits: Mapping[str, RateLimit] = field(default_factory=lambda: MappingProxyType({}))
    max_connections: int | None = None
    idle_timeout: float | None = None
    resume: ResumeConfig = field(default_factory=ResumeConfig)

    def __post_init__(self) -> None:
        object.__setattr__(self, "resume", resume_config(self.resume))
        limits: Any = self.action_rate_limits
        if not isinstance(limits, Mapping):
            raise ValueError(f"action_rate_limits must map action names to rate limits, not {limits!r}")
        object.__setattr__(self, "outgoing", outgoing_limits(self.outgoing))
        object.__setattr__(self, "rate_limit", rate_limit(self.rate_limit))
        parsed = {
            str(name): rate_limit(value, setting=f"action_rate_limits[{name!r}]") for name, value in limits.items()
        }
        object.__setattr__(
            self, "action_rate_limits", MappingProxyType({k: v for k, v in parsed.items() if v is not None})
        )
        if self.max_connections is not None and (
            isinstance(self.max_connections, bool)
            or not isinstance(self.max_connections, int)
            or self.max_connections < 1
        ):
            raise ValueError(
                f"max_connections must be a whole number of at least 1 or None, not {self.max_connections!r}"
            )
        if self.idle_timeout is not None and not _seconds(self.idle_timeout):
            raise ValueError(f"idle_timeout must be a positive number of seconds or None, not {self.idle_timeout!r}")
        if self.max_message_size < 1:
            raise ValueError("max_message_size must be a positive number of bytes")
        if self.max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
