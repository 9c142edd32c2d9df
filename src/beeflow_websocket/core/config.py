"""Settings shared by every adapter: where problem types live and the protocol's limits."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from .outgoing import OutgoingLimits

__all__ = ["DEFAULT_MAX_MESSAGE_SIZE", "ProtocolConfig"]

DEFAULT_MAX_MESSAGE_SIZE = 1024 * 1024


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
    ``outgoing``: how far a connection may fall behind before it is closed with 1013 (:mod:`.outgoing`).
    """

    problem_type_base_url: str | None = None
    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE
    max_in_flight: int = 1
    allowed_origins: Collection[str] | None = None
    outgoing: OutgoingLimits = field(default_factory=OutgoingLimits)

    def __post_init__(self) -> None:
        if self.max_message_size < 1:
            raise ValueError("max_message_size must be a positive number of bytes")
        if self.max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
