"""A connection's outgoing frames: one ordered path to the adapter's ``send``, bounded in memory.

Every frame of a connection leaves through its :class:`Outgoing`, in the order it was made, and
only one call of the adapter's ``send`` runs at a time. There are two ways in:

- :meth:`Outgoing.write`, for the connection's own answers (events of its own actions, completion
  and problem frames). It waits while the queue is full, so an action that floods its own client
  goes at that client's pace (backpressure), as before.
- :meth:`Outgoing.offer`, for deliveries made by other connections' actions or by the application.
  It never waits: when the socket is slow, the frame waits in the queue and a drain task of this
  connection sends it, so a member that stops reading holds up neither the action that produced
  the event nor the other members.

The queue is bounded by frames and by bytes (:class:`OutgoingLimits`). When a delivery does not
fit, or an answer has waited ``grace`` seconds for room, the connection is slow: it takes no more
frames, gets ``grace`` seconds to take what is already queued, then is closed with
``OutgoingLimits.close_code``: 1013 (try again later, the default) or 1008 (policy violation). The
close goes through the adapter's ``close``, which ends the connection even when the peer never
reads again. Either way the connection loses the events it did not take; 1013 is the close a
reconnecting client treats as "come back", which is where a resumed session repairs the gap.

When nothing is queued and no ``send`` is running, a frame goes straight to ``send`` in the
caller's task: the common case costs no task switch.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "CLOSE_POLICY_VIOLATION",
    "CLOSE_TRY_AGAIN_LATER",
    "SLOW_CLOSE_REASONS",
    "Outgoing",
    "OutgoingLimits",
    "TransportGone",
    "outgoing_limits",
]

logger = logging.getLogger("beeflow_websocket")

#: Close code for a connection that fell too far behind (RFC 6455 7.4.1: try again later).
CLOSE_TRY_AGAIN_LATER = 1013
#: The other close code an application may choose for a slow connection (RFC 6455 7.4.1: policy violation).
CLOSE_POLICY_VIOLATION = 1008
#: The close codes a slow connection may get, with the reason sent beside each.
SLOW_CLOSE_REASONS = {CLOSE_TRY_AGAIN_LATER: "try again later", CLOSE_POLICY_VIOLATION: "too slow"}


@dataclass(frozen=True, slots=True, kw_only=True)
class OutgoingLimits:
    """How far one connection may fall behind, and how it is closed when it does.

    ``max_frames`` and ``max_bytes`` (counted in characters of the text frames) bound the frames
    waiting for the socket; ``grace`` is how many seconds a slow connection gets to take what is queued (and an
    answer to wait for room) before the close. ``close_code`` is that close's code: 1013 "try again
    later" (the default; clients reconnect, and a resumable session repairs the gap) or 1008 "too
    slow" (a policy violation: clients should not reconnect at once).
    """

    max_frames: int = 1024
    max_bytes: int = 8 * 1024 * 1024
    grace: float = 5.0
    close_code: int = CLOSE_TRY_AGAIN_LATER

    def __post_init__(self) -> None:
        if self.max_frames < 1 or self.max_bytes < 1:
            raise ValueError("max_frames and max_bytes must be at least 1")
        if self.grace < 0:
            raise ValueError("grace must not be negative")
        if type(self.close_code) is not int or self.close_code not in SLOW_CLOSE_REASONS:
            raise ValueError(
                f"close_code must be {CLOSE_TRY_AGAIN_LATER} or {CLOSE_POLICY_VIOLATION}, not {self.close_code!r}"
            )

    @property
    def close_reason(self) -> str:
        """The reason sent with ``close_code``."""
        return SLOW_CLOSE_REASONS[self.close_code]


def outgoing_limits(value: Any) -> OutgoingLimits:
    """Read outgoing limits from configuration: ``None`` (the defaults), an :class:`OutgoingLimits`
    or a mapping of its fields (``{"max_frames": 256, "close_code": 1008}``)."""
    if value is None:
        return OutgoingLimits()
    if isinstance(value, OutgoingLimits):
        return value
    if isinstance(value, Mapping):
        try:
            return OutgoingLimits(**value)
        except (TypeError, ValueError) as error:
            raise ValueError(f"outgoing: {error}") from None
    raise ValueError(f"outgoing must be an OutgoingLimits, a mapping of its fields or None, not {value!r}")


class TransportGone(Exception):  # noqa: N818 - a state, not a program error
    """The adapter's ``send`` failed or the connection was closed for being slow."""


Send = Callable[[str], Awaitable[None]]
Close = Callable[[int, str], Awaitable[None]]


class Outgoing:
    """The ordered, bounded outgoing path of one connection (see the module docstring)."""

    __slots__ = (
        "_busy",
        "_bytes",
        "_close",
        "_closing",
        "_drainer",
        "_gone",
        "_idle",
        "_limits",
        "_loop",
        "_on_gone",
        "_queue",
        "_room",
        "_send",
    )

    def __init__(self, send: Send, close: Close, limits: OutgoingLimits, on_gone: Callable[[], None]) -> None:
        """``on_gone`` is called once no frame can be sent any more (send failed, or the peer is slow)."""
        self._send = send
        self._close = close
        self._limits = limits
        self._on_gone = on_gone
        self._queue: deque[str] = deque()
        self._bytes = 0
        self._busy = False  # a send (inline or in the drain task) is running
        self._gone = False  # send failed, or the connection is closing: no frame is taken any more
        self._closing: asyncio.Task[None] | None = None
        self._drainer: asyncio.Task[None] | None = None
        self._room: list[asyncio.Future[None]] = []
        self._idle: list[asyncio.Future[None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def queued(self) -> int:
        """Frames waiting for the socket."""
        return len(self._queue)

    @property
    def slow(self) -> bool:
        """The connection fell behind and is being closed with ``close_code``."""
        return self._closing is not None

    async def write(self, frame: str) -> None:
        """Send one of the connection's own frames, after those before it; wait while the queue is full."""
        if self._gone:
            raise TransportGone
        if not self._busy:
            self._busy = True
            try:
                await self._send(frame)
                while self._queue:
                    await self._send(self._pop())
            except asyncio.CancelledError:
                raise
            except Exception as error:
                self._fail(error)
                raise TransportGone from error
            finally:
                self._busy = False
                if self._idle:
                    self._wake(self._idle)
            return
        self._push(frame)
        if self._full():
            await self._wait_for_room()

    def offer(self, frame: str) -> None:
        """Queue a delivery without waiting; a connection that cannot take it is closed as slow."""
        if self._gone:
            return
        if not self._busy:
            self._start_drain(frame)
            return
        if len(self._queue) >= self._limits.max_frames or self._bytes + _size(frame) > self._limits.max_bytes:
            self._slow("a delivery did not fit in its queue")
            return
        self._push(frame)

    def start(self, frames: list[str]) -> None:
        """Send ``frames`` ahead of any later frame, without waiting and whatever the limits.

        A session's greeting (its session frame and the replay of what its client missed) goes
        this way, so a live delivery made while the replay is being sent waits behind it.
        """
        if self._gone or not frames:
            return
        if self._busy:
            for frame in frames:
                self._push(frame)
            return
        for frame in frames[1:]:
            self._push(frame)
        self._start_drain(frames[0])

    async def room(self) -> None:
        """Wait while the queue is over its limits, as :meth:`write` does (after :meth:`start`)."""
        if self._gone:
            raise TransportGone
        if self._full():
            await self._wait_for_room()

    async def close(self, code: int, reason: str) -> None:
        """Close after the queued frames (waiting at most ``grace`` seconds for them)."""
        if self._closing is not None:
            return
        self._gone = True
        await self._flush()
        await self._close(code, reason)

    async def drained(self) -> None:
        """Wait until no frame is queued or being sent."""
        while self._busy:
            idle = self._running_loop().create_future()
            self._idle.append(idle)
            await idle

    def stop(self) -> None:
        """The socket is gone: drop what is queued and stop the drain task."""
        self._gone = True
        self._queue.clear()
        self._bytes = 0
        for task in (self._drainer, self._closing):
            if task is not None and task is not asyncio.current_task():
                task.cancel()
        self._wake(self._room)
        self._wake(self._idle)

    def _start_drain(self, frame: str) -> None:
        # Eager: when the socket takes everything at once the task is done before this returns.
        self._busy = True  # frames made before the task runs queue behind this one
        self._drainer = asyncio.Task(self._drain(frame), loop=self._running_loop(), eager_start=True)
        if self._drainer.done():
            self._drainer = None

    async def _drain(self, frame: str) -> None:
        """The drain task: :meth:`write`'s path for a frame nobody waits on."""
        self._busy = False  # write() takes the path over at once: nothing runs in between
        try:
            await self.write(frame)
        except TransportGone:
            pass  # write() has already dropped the queue and reported the connection gone
        finally:
            self._drainer = None

    def _push(self, frame: str) -> None:
        self._queue.append(frame)
        self._bytes += _size(frame)

    def _pop(self) -> str:
        frame = self._queue.popleft()
        self._bytes -= _size(frame)
        if self._room and not self._full():
            self._wake(self._room)
        return frame

    def _full(self) -> bool:
        return len(self._queue) > self._limits.max_frames or self._bytes > self._limits.max_bytes

    async def _wait_for_room(self) -> None:
        room = self._running_loop().create_future()
        self._room.append(room)
        try:
            await asyncio.wait_for(asyncio.shield(room), self._limits.grace)
        except TimeoutError:
            self._slow("an answer waited too long for room in its queue")
        if self._gone:
            raise TransportGone

    async def _flush(self) -> None:
        """Wait until the queued frames are sent, at most ``grace`` seconds."""
        if not self._busy:
            return
        idle = self._running_loop().create_future()
        self._idle.append(idle)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(idle), self._limits.grace)

    def _slow(self, why: str) -> None:
        if self._closing is not None:
            return
        logger.warning(
            "closing a slow websocket (%d): %s; %d frames queued", self._limits.close_code, why, len(self._queue)
        )
        self._gone = True
        self._on_gone()
        self._wake(self._room)
        self._closing = self._running_loop().create_task(self._close_slow())

    async def _close_slow(self) -> None:
        await self._flush()
        drainer = self._drainer
        if drainer is not None:  # the peer took nothing for the whole grace period: stop feeding it
            drainer.cancel()
            await asyncio.gather(drainer, return_exceptions=True)
        self._queue.clear()
        self._bytes = 0
        try:
            await self._close(self._limits.close_code, self._limits.close_reason)
        except Exception:
            logger.debug("closing a slow websocket failed", exc_info=True)

    def _fail(self, error: BaseException) -> None:
        if not self._gone:
            logger.debug("websocket send failed: %r; dropping %d queued frames", error, len(self._queue))
            self._on_gone()
        self._gone = True
        self._queue.clear()
        self._bytes = 0
        self._wake(self._room)

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        loop = self._loop
        if loop is None:
            loop = self._loop = asyncio.get_running_loop()
        return loop

    @staticmethod
    def _wake(waiters: list[asyncio.Future[None]]) -> None:
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)
        waiters.clear()


def _size(frame: str) -> int:
    # Characters, not UTF-8 bytes: exact for ASCII, within 4x otherwise, and free to compute.
    return len(frame)
