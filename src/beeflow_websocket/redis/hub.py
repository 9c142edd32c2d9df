"""A hub that spans processes and machines through Redis pub/sub.

Every address a process serves (a websocket id, a user, a group) is a pub/sub channel, and the
process subscribes to the channels of its own connections only, on one subscriber connection, and
unsubscribes when the last of its connections leaves. A delivery is one ``PUBLISH``; Redis sends it
to the processes that subscribed and to no other, so fan-out costs one copy per process serving
the address, never one per connection, and nothing for the processes that do not serve it.

Deliveries reach this process's connections at once (through the core's :class:`LocalHub`, which
also skips the connection that already received its copy) and are published for the others;
this process ignores its own copies when Redis sends them back.

All Redis I/O runs on the event loop that calls the hub. Each loop (and each process, after a
fork) gets connections of its own, so ``Dispatcher.push_sync`` works from a process that serves no
socket, where every call runs on a fresh loop.
"""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.connection import AbstractConnection

from beeflow_websocket.core.hub import Delivery, LocalHub, Member
from beeflow_websocket.core.recipient_registry import Address

from .client import RedisClientSettings
from .health import HealthTracker, HubHealth
from .wire import DEFAULT_PREFIX, channel_name, decode_message, encode_message

__all__ = ["RedisHub"]

logger = logging.getLogger("beeflow_websocket")

#: Channels per SUBSCRIBE command when a process (re)subscribes to everything it serves.
_SUBSCRIBE_CHUNK = 1000
#: PUBLISH commands sent in one pipeline.
_PUBLISH_BATCH = 256


class RedisHub(RedisClientSettings):
    """A :class:`~beeflow_websocket.core.hub.Hub` shared by every process connected to one Redis.

    ::

        hub = RedisHub("redis://127.0.0.1:6379/0")
        configure_beeflow_websocket(app, hub=hub)

    Give every application sharing a Redis database its own ``channel_prefix``.

    When Redis is unreachable nothing is raised into handlers: connections of this process still
    get their events, deliveries to other processes are dropped and counted (:meth:`health`), and
    the hub reconnects on its own, first after ``min_backoff`` seconds, then doubling up to
    ``max_backoff``. Once Redis is back, delivery works again within ``max_backoff`` seconds plus
    one round trip. A Redis that stops answering without closing the connection is noticed within
    two ``ping_interval`` periods. ``timeout`` bounds connecting and each publish.
    """

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        *,
        channel_prefix: str = DEFAULT_PREFIX,
        min_backoff: float = 0.1,
        max_backoff: float = 2.0,
        ping_interval: float = 5.0,
        timeout: float = 2.0,
        subscribe_timeout: float = 5.0,
        redis_options: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(
            "RedisHub",
            url,
            timeout=timeout,
            min_backoff=min_backoff,
            max_backoff=max_backoff,
            redis_options=redis_options,
        )
        if min(ping_interval, timeout, subscribe_timeout) <= 0:
            raise ValueError("RedisHub needs ping_interval, timeout and subscribe_timeout above 0")
        self.channel_prefix = channel_prefix
        self.ping_interval = ping_interval
        self.subscribe_timeout = subscribe_timeout
        self._local = LocalHub()
        #: Channels this process serves (those of its connections), whatever Redis's state.
        self._channels: dict[bytes, Address] = {}
        self._joined: dict[str, set[str]] = {}
        self._health = HealthTracker()
        #: This process's Redis connections, one set per event loop (a script's ``push_sync`` runs a
        #: fresh loop per call); the serving loop's set also receives.
        self._links: dict[asyncio.AbstractEventLoop, _Link] = {}
        self._pid = os.getpid()
        #: Names this process's messages: it delivered them locally, so it ignores them coming back.
        self._origin = uuid.uuid4().hex

    def __repr__(self) -> str:
        return f"<RedisHub {self.url!r} prefix={self.channel_prefix!r}: {len(self._channels)} channels>"

    def health(self) -> HubHealth:
        """Whether Redis is reachable, how many outages and dropped deliveries so far, the last error."""
        return self._health.snapshot()

    # The Hub interface.

    async def attach(self, member: Member) -> None:
        await self._local.attach(member)
        self._joined[member.websocket_id] = set()
        addresses = [Address("websocket", member.websocket_id)]
        if member.user_key is not None:
            addresses.append(Address("user", member.user_key))
        await self._subscribe(addresses)

    async def detach(self, member: Member) -> None:
        groups = self._joined.pop(member.websocket_id, set())
        await self._local.detach(member)
        addresses = [Address("websocket", member.websocket_id), *(Address("group", group) for group in groups)]
        if member.user_key is not None:
            addresses.append(Address("user", member.user_key))
        await self._unsubscribe_unused(addresses)

    async def join(self, member: Member, group: str) -> None:
        await self._local.join(member, group)
        self._joined.setdefault(member.websocket_id, set()).add(group)
        await self._subscribe([Address("group", group)])

    async def leave(self, member: Member, group: str) -> None:
        await self._local.leave(member, group)
        self._joined.get(member.websocket_id, set()).discard(group)
        await self._unsubscribe_unused([Address("group", group)])

    async def deliver(self, delivery: Delivery) -> None:
        """Deliver to this process's connections now, then publish for the other processes.

        Returns once the delivery was handed to Redis (or dropped because Redis is unreachable), so
        a script that pushes and exits loses nothing.
        """
        await self._local.deliver(delivery)
        address = delivery.address
        if address.kind == "websocket" and address.key in self._joined:
            return  # websocket ids are unique: a local connection has no twin elsewhere
        link = self._current_link()
        await link.publish(channel_name(self.channel_prefix, address), encode_message(self._origin, delivery))

    async def aclose(self) -> None:
        """Close this loop's Redis connections (for example in an application's shutdown hook)."""
        link = self._links.pop(asyncio.get_running_loop(), None)
        if link is not None:
            await link.aclose()

    # Subscriptions.

    async def _subscribe(self, addresses: Iterable[Address]) -> None:
        new, known = [], []
        for address in addresses:
            channel = channel_name(self.channel_prefix, address)
            if channel not in self._channels:
                self._channels[channel] = address
                new.append(channel)
            else:
                known.append(channel)
        link = self._current_link()
        if known:
            await link.settled(known)  # another connection's SUBSCRIBE may still be on its way
        if new:
            await link.subscribe(new)

    async def _unsubscribe_unused(self, addresses: Iterable[Address]) -> None:
        unused = []
        for address in addresses:
            channel = channel_name(self.channel_prefix, address)
            if channel in self._channels and not self._local.members(address):
                del self._channels[channel]
                unused.append(channel)
        if unused:
            await self._current_link().unsubscribe(unused)

    def _current_link(self) -> _Link:
        if self._pid != os.getpid():
            # A forked child: the parent's connections and name are not its own.
            self._pid = os.getpid()
            self._origin = uuid.uuid4().hex
            self._links = {}
        loop = asyncio.get_running_loop()
        link = self._links.get(loop)
        if link is None:
            for closed in [other for other in self._links if other.is_closed()]:
                del self._links[closed]
            link = self._links[loop] = _Link(self, loop)
        return link

    async def _receive(self, channel: bytes, data: bytes) -> None:
        address = self._channels.get(channel)
        if address is None:
            return  # unsubscribed a moment ago
        try:
            message = decode_message(data)
        except ValueError:
            logger.warning("Redis hub: ignored a message on %r that is not a beeflow-websocket delivery", channel)
            return
        if message.origin == self._origin:
            return  # delivered locally when it was published
        await self._local.deliver(Delivery(address, message.tail, message.exclude))


@dataclass(slots=True)
class _Outgoing:
    channel: bytes
    data: bytes
    sent: asyncio.Future[None]


class _Link:
    """The Redis connections of one event loop: a pipelined publisher and one subscriber."""

    def __init__(self, hub: RedisHub, loop: asyncio.AbstractEventLoop) -> None:
        self.hub = hub
        self.loop = loop
        self.client: Redis = hub.new_client()
        self._queue: asyncio.Queue[_Outgoing] = asyncio.Queue()
        self._publisher: asyncio.Task[None] | None = None
        self._publish_delay = hub.min_backoff
        self._publish_again_at = 0.0
        self._reader: asyncio.Task[None] | None = None
        self._connection: AbstractConnection | None = None
        self._reader_failed = False
        self._commands = asyncio.Lock()
        self._confirmations: dict[bytes, list[asyncio.Future[None]]] = {}

    # Publishing.

    async def publish(self, channel: bytes, data: bytes) -> None:
        health = self.hub._health
        if self.loop.time() < self._publish_again_at:
            health.drop()
            return
        if self._publisher is None:
            self._publisher = self.loop.create_task(self._publish_forever(), name="beeflow-websocket-redis-publisher")
        outgoing = _Outgoing(channel, data, self.loop.create_future())
        self._queue.put_nowait(outgoing)
        await asyncio.shield(outgoing.sent)

    def _publisher_may_retry(self) -> None:
        # The subscriber reached Redis: publish again now instead of after the backoff window.
        self._publish_again_at = 0.0
        self._publish_delay = self.hub.min_backoff
        self.hub._health.recovered("publish")

    async def _publish_forever(self) -> None:
        queue = self._queue
        try:
            while True:
                batch = [await queue.get()]
                while len(batch) < _PUBLISH_BATCH and not queue.empty():
                    batch.append(queue.get_nowait())
                try:
                    await self._publish_batch(batch)
                finally:
                    for outgoing in batch:
                        if not outgoing.sent.done():
                            outgoing.sent.set_result(None)
        finally:
            # Cancelled by aclose(), or because the loop ends (asyncio.run() in a script that pushes).
            await self.client.aclose()

    async def _publish_batch(self, batch: list[_Outgoing]) -> None:
        health = self.hub._health
        if self.loop.time() < self._publish_again_at:
            health.drop(len(batch))
            return
        try:
            async with self.client.pipeline(transaction=False) as pipe:
                for outgoing in batch:
                    pipe.execute_command("PUBLISH", outgoing.channel, outgoing.data)
                await pipe.execute()
        except asyncio.CancelledError:
            raise
        except Exception as error:
            health.failed("publish", error)
            health.drop(len(batch))
            self._publish_again_at = self.loop.time() + self._publish_delay
            self._publish_delay = min(self._publish_delay * 2, self.hub.max_backoff)
            return
        self._publish_delay = self.hub.min_backoff
        health.recovered("publish")

    # Subscribing.

    async def subscribe(self, channels: list[bytes]) -> None:
        """Subscribe and wait until Redis confirms; during an outage, return at once.

        The channels are already in the hub's set, so a reader that (re)connects subscribes to them.
        """
        self._start_reader()
        waiting = []
        for channel in channels:
            confirmed = self.loop.create_future()
            self._confirmations.setdefault(channel, []).append(confirmed)
            waiting.append(confirmed)
        async with self._commands:
            connection = self._connection
            if connection is None and self._reader_failed:
                return  # Redis is down: the reader subscribes to everything once it is back
            if connection is not None and not await self._send(connection, "SUBSCRIBE", *channels):
                return
        await self._confirmed(waiting)

    async def settled(self, channels: list[bytes]) -> None:
        """Wait for the confirmations still pending for ``channels``, if any."""
        waiting = []
        for channel in channels:
            pending = self._confirmations.get(channel)
            if pending:
                confirmed = self.loop.create_future()
                pending.append(confirmed)
                waiting.append(confirmed)
        if waiting:
            await self._confirmed(waiting)

    async def _confirmed(self, waiting: list[asyncio.Future[None]]) -> None:
        try:
            async with asyncio.timeout(self.hub.subscribe_timeout):
                await asyncio.gather(*waiting)
        except TimeoutError:
            logger.warning("Redis hub: no confirmation of a SUBSCRIBE within %s s", self.hub.subscribe_timeout)

    async def unsubscribe(self, channels: list[bytes]) -> None:
        async with self._commands:
            connection = self._connection
            if connection is not None:
                await self._send(connection, "UNSUBSCRIBE", *channels)

    async def _send(self, connection: AbstractConnection, *command: str | bytes) -> bool:
        try:
            await connection.send_command(*command)
        except Exception as error:
            # The reader notices the same broken connection and reconnects.
            logger.debug("Redis hub: %s failed: %r", command[0], error)
            return False
        return True

    def _start_reader(self) -> None:
        if self._reader is None:
            self._reader = self.loop.create_task(self._read_forever(), name="beeflow-websocket-redis-subscriber")

    async def _read_forever(self) -> None:
        hub = self.hub
        delay = hub.min_backoff
        while True:
            connection = _new_connection(self.client)
            try:
                await _connect(connection)
                async with self._commands:
                    channels = list(hub._channels)
                    for start in range(0, len(channels), _SUBSCRIBE_CHUNK):
                        await connection.send_command("SUBSCRIBE", *channels[start : start + _SUBSCRIBE_CHUNK])
                    self._connection = connection
                self._reader_failed = False
                hub._health.recovered("subscribe")
                self._publisher_may_retry()
                delay = hub.min_backoff
                await self._read(connection)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                self._reader_failed = True
                hub._health.failed("subscribe", error)
            finally:
                self._connection = None
                self._release_confirmations()
                await _disconnect(connection)
            await asyncio.sleep(delay)
            delay = min(delay * 2, hub.max_backoff)

    async def _read(self, connection: AbstractConnection) -> None:
        """Handle what Redis sends until the connection fails (this never returns normally)."""
        pinged = False
        while True:
            reply = await connection.read_response(timeout=self.hub.ping_interval)
            if reply is None:
                if pinged:
                    raise ConnectionError(f"Redis did not answer a PING within {self.hub.ping_interval} s")
                async with self._commands:
                    await connection.send_command("PING")
                pinged = True
                continue
            pinged = False
            if not isinstance(reply, list) or len(reply) < 2:
                continue
            kind = reply[0]
            if kind == b"message" and len(reply) == 3:
                await self.hub._receive(reply[1], reply[2])
            elif kind == b"subscribe":
                for confirmed in self._confirmations.pop(reply[1], ()):
                    if not confirmed.done():
                        confirmed.set_result(None)

    def _release_confirmations(self) -> None:
        # Nobody waits for a connection that is gone; the next one subscribes to everything again.
        for waiting in self._confirmations.values():
            for confirmed in waiting:
                if not confirmed.done():
                    confirmed.set_result(None)
        self._confirmations.clear()

    # Lifecycle.

    async def aclose(self) -> None:
        for task in (self._publisher, self._reader):
            if task is not None:
                task.cancel()
        for task in (self._publisher, self._reader):
            if task is not None:
                await asyncio.gather(task, return_exceptions=True)
        await self.client.aclose()
        self.hub._health.forget("subscribe")
        self.hub._health.forget("publish")


def _new_connection(client: Redis) -> AbstractConnection:
    connection: AbstractConnection = client.connection_pool.make_connection()  # type: ignore[no-untyped-call]
    return connection


async def _connect(connection: AbstractConnection) -> None:
    await connection.connect()  # type: ignore[no-untyped-call]


async def _disconnect(connection: AbstractConnection) -> None:
    try:
        await connection.disconnect(nowait=True)
    except Exception:
        logger.debug("Redis hub: closing a subscriber connection failed", exc_info=True)
