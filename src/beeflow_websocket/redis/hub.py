"""A hub that spans processes and machines through Redis pub/sub.

Every address a process serves (a websocket id, a user, a group) is a pub/sub channel, and the
process subscribes to the channels of its own connections only, on one subscriber connection, and
unsubscribes when the last of its connections leaves. A delivery is one ``PUBLISH``; Redis sends it
to the processes that subscribed and to no other, so fan-out costs one copy per process serving
the address, never one per connection, and nothing for the processes that do not serve it.

Deliveries reach this process's connections at once (through the core's :class:`LocalHub`, which
also skips the connection that already received its copy) and are published for the others;
this process ignores its own copies when Redis sends them back.

The journal closes the last loss window of resumable sessions shared by a ``RedisSessionStore``.
While such a session listens on an address, the address has a stream ``<prefix>:a:<w|u|g>:<key>``,
and every delivery to it is appended there by the same Lua call that publishes it, numbered by one
counter (``<prefix>:a``) shared by all addresses: its *mark*, published with it. A session gets its
deliveries from Redis (this process's own included, so it numbers them in mark order) and records
the last mark it numbered with each frame it writes; a process that adopts the session numbers the
journaled deliveries after that mark (what the dead owner received but never wrote, and what was
published while nobody held the session) before the live ones, and drops live ones it already
numbered. A journal trimmed past that mark, or gone, makes the resume a ``history-gap``.
After its subscriber reconnects, a process gives its own sessions what their journals got meanwhile.

All Redis I/O runs on the event loop that calls the hub. Each loop (and each process, after a
fork) gets connections of its own, so ``Dispatcher.push_sync`` works from a process that serves no
socket, where every call runs on a fresh loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.connection import AbstractConnection
from redis.exceptions import NoScriptError, RedisError

from beeflow_websocket.core.hub import Delivery, LocalHub, Member
from beeflow_websocket.core.recipient_registry import Address

from .client import RedisClientSettings
from .health import HealthTracker, HubHealth
from .wire import DEFAULT_PREFIX, channel_name, counter_name, decode_message, encode_message, journal_name

__all__ = ["RedisHub"]

logger = logging.getLogger("beeflow_websocket")

#: Channels per SUBSCRIBE command when a process (re)subscribes to everything it serves.
_SUBSCRIBE_CHUNK = 1000
#: PUBLISH commands sent in one pipeline.
_PUBLISH_BATCH = 256
#: Journals (re)watched per Lua call.
_WATCH_CHUNK = 500

# KEYS: journal, counter. ARGV: channel, message, maxlen. A delivery: journaled (and published with
# its mark) only while a session listens on its address; one script, so publish order is mark order.
_DELIVER = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  local mark = redis.call('INCR', KEYS[2])
  local added = redis.pcall('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], mark .. '-0', 'd', ARGV[2])
  if type(added) ~= 'table' then
    redis.call('PUBLISH', ARGV[1], mark .. '\\n' .. ARGV[2])
    return mark
  end
end
redis.call('PUBLISH', ARGV[1], ARGV[2])
return 0
"""

# KEYS: counter, journals. ARGV: ttl ms. Journals a session listens on: created with a first entry
# (``w``) if missing, their expiry pushed back; answers the counter (every later delivery is above).
_WATCH = """
for i = 2, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 0 then
    redis.call('XADD', KEYS[i], redis.call('INCR', KEYS[1]) .. '-0', 'w', '1')
  end
  redis.call('PEXPIRE', KEYS[i], ARGV[1])
end
return tonumber(redis.call('GET', KEYS[1]) or '0')
"""

# KEYS: journals. ARGV: the mark after which to read each. False if a journal is gone, or trimmed
# past its mark (a journal starts with an entry at or below the mark of any session listening on it).
_SINCE = """
local found = {}
for i = 1, #KEYS do
  local after = tonumber(ARGV[i])
  local oldest = redis.call('XRANGE', KEYS[i], '-', '+', 'COUNT', 1)[1]
  if oldest == nil or tonumber(string.match(oldest[1], '^%d+')) > after + 1 then return false end
  found[i] = redis.call('XRANGE', KEYS[i], (after + 1) .. '-0', '+')
end
return found
"""
_DELIVER_SHA = hashlib.sha1(_DELIVER.encode()).hexdigest()
_WATCH_SHA = hashlib.sha1(_WATCH.encode()).hexdigest()
_SINCE_SHA = hashlib.sha1(_SINCE.encode()).hexdigest()


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

    ``journal`` (on by default) journals the deliveries to the addresses of resumable sessions that
    other processes may adopt: each such journal keeps about ``journal_events`` deliveries (give it
    ``ResumeConfig.max_frames``) and expires ``journal_age`` seconds after the last process serving
    one of its sessions stopped refreshing it (at least 1.5 times ``ResumeConfig.window``). Every
    process of the application, producers included, needs the same ``journal`` and ``journal_events``.
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
        journal: bool = True,
        journal_events: int = 1000,
        journal_age: float = 240.0,
    ) -> None:
        super().__init__(
            "RedisHub",
            url,
            timeout=timeout,
            min_backoff=min_backoff,
            max_backoff=max_backoff,
            redis_options=redis_options,
        )
        if min(ping_interval, timeout, subscribe_timeout, journal_age) <= 0 or journal_events < 1:
            raise ValueError(
                "RedisHub needs ping_interval, timeout, subscribe_timeout, journal_age and journal_events above 0"
            )
        self.channel_prefix = channel_prefix
        self.ping_interval = ping_interval
        self.subscribe_timeout = subscribe_timeout
        self.journal = journal
        self.journal_events = journal_events
        self.journal_age = journal_age
        self._local = LocalHub()
        #: Websocket ids of this process's members that take journaled deliveries (resumable sessions).
        self._journaled: set[str] = set()
        #: Journals those members listen on, with how many of them listen on each.
        self._watched: dict[bytes, int] = {}
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
        if self.journal and getattr(member, "journaled", False):
            self._journaled.add(member.websocket_id)
            await self._watch(member, addresses)
        await self._subscribe(addresses)

    async def detach(self, member: Member) -> None:
        groups = self._joined.pop(member.websocket_id, set())
        await self._local.detach(member)
        addresses = [Address("websocket", member.websocket_id), *(Address("group", group) for group in groups)]
        if member.user_key is not None:
            addresses.append(Address("user", member.user_key))
        if member.websocket_id in self._journaled:
            self._journaled.discard(member.websocket_id)
            self._unwatch(addresses)
        await self._unsubscribe_unused(addresses)

    async def join(self, member: Member, group: str) -> None:
        await self._local.join(member, group)
        self._joined.setdefault(member.websocket_id, set()).add(group)
        if member.websocket_id in self._journaled:
            await self._watch(member, [Address("group", group)])
        await self._subscribe([Address("group", group)])

    async def leave(self, member: Member, group: str) -> None:
        await self._local.leave(member, group)
        self._joined.get(member.websocket_id, set()).discard(group)
        if member.websocket_id in self._journaled:
            self._unwatch([Address("group", group)])
        await self._unsubscribe_unused([Address("group", group)])

    async def deliver(self, delivery: Delivery) -> None:
        """Deliver to this process's connections now, then publish for the other processes.

        This process's resumable sessions get the delivery when Redis sends it back, journaled and
        numbered (see the module's notes), or now if it could not be published. Returns once the
        delivery was handed to Redis (or dropped because Redis is unreachable), so a script that
        pushes and exits loses nothing.
        """
        address = delivery.address
        held = self._held(delivery) if self._journaled else []
        if held:
            for member in self._local.members(address):
                if member.websocket_id != delivery.exclude and member.websocket_id not in self._journaled:
                    await _hand(member, delivery)
        else:
            await self._local.deliver(delivery)
            if address.kind == "websocket" and address.key in self._joined:
                return  # websocket ids are unique: a local connection has no twin elsewhere
        link = self._current_link()
        journal = journal_name(self.channel_prefix, address) if self.journal else None
        channel = channel_name(self.channel_prefix, address)
        if not await link.publish(channel, encode_message(self._origin, delivery), journal) and held:
            for member in held:  # no copy is coming back from Redis
                await _hand(member, delivery)

    async def since(self, after: Mapping[Address, int]) -> list[Delivery] | None:
        """The journaled deliveries to each address after its mark, in mark order; ``None`` when a
        journal is gone or was trimmed past its mark (or Redis is unreachable). Without ``journal``:
        none (what the previous owner of a session never wrote is lost, as before journals)."""
        if not after or not self.journal:
            return []
        addresses = list(after)
        keys = [journal_name(self.channel_prefix, address) for address in addresses]
        try:
            found = await self._current_link().script(_SINCE, _SINCE_SHA, keys, [after[a] for a in addresses])
        except (RedisError, OSError) as error:
            logger.warning("Redis hub: could not read the journal of a session: %r", error)
            return None
        if not found:
            return None
        deliveries = []
        for address, entries in zip(addresses, found, strict=True):
            for entry_id, fields in entries:
                values = dict(zip(fields[::2], fields[1::2], strict=True))
                data = values.get(b"d")
                if data is None:
                    continue  # the journal's first entry
                try:
                    message = decode_message(data)
                except ValueError:
                    continue
                mark = int(entry_id.split(b"-")[0])
                deliveries.append(Delivery(address, message.tail, message.exclude, mark))
        deliveries.sort(key=lambda delivery: delivery.mark)
        return deliveries

    async def aclose(self) -> None:
        """Close this loop's Redis connections (for example in an application's shutdown hook)."""
        link = self._links.pop(asyncio.get_running_loop(), None)
        if link is not None:
            await link.aclose()

    # Journals.

    def _held(self, delivery: Delivery) -> list[Member]:
        """This process's resumable sessions at the delivery's address (they wait for Redis's copy)."""
        return [
            member
            for member in self._local.members(delivery.address)
            if member.websocket_id in self._journaled and member.websocket_id != delivery.exclude
        ]

    async def _watch(self, member: Member, addresses: list[Address]) -> None:
        keys = [journal_name(self.channel_prefix, address) for address in addresses]
        for key in keys:
            self._watched[key] = self._watched.get(key, 0) + 1
        link = self._current_link()
        link.start_refresher()
        try:
            mark = await link.script(_WATCH, _WATCH_SHA, [counter_name(self.channel_prefix), *keys], [self._age_ms()])
        except (RedisError, OSError) as error:
            logger.debug("Redis hub: could not watch a journal: %r", error)
            return  # the session knows no mark for these addresses: adopting it gives history-gap
        watching = getattr(member, "watching", None)
        if watching is not None:
            for address in addresses:
                watching(address, int(mark))

    def _unwatch(self, addresses: Iterable[Address]) -> None:
        for address in addresses:
            key = journal_name(self.channel_prefix, address)
            count = self._watched.get(key, 0) - 1
            if count > 0:
                self._watched[key] = count
            else:
                self._watched.pop(key, None)  # it expires once no process refreshes it

    async def _catch_up(self) -> None:
        for websocket_id in list(self._journaled):
            for member in self._local.members(Address("websocket", websocket_id)):
                since: dict[Address, int] = getattr(member, "since", {})
                mark: int = getattr(member, "mark", 0)
                missed = await self.since({address: max(mark, start) for address, start in since.items()})
                if missed is None:
                    logger.warning(
                        "Redis hub: session %s may have missed deliveries while Redis was away", websocket_id
                    )
                    continue
                for delivery in missed:
                    if delivery.exclude != websocket_id:
                        await _hand(member, delivery)

    def _age_ms(self) -> int:
        return max(1, round(self.journal_age * 1000))

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
        own = message.origin == self._origin
        delivery = Delivery(address, message.tail, message.exclude, message.mark)
        if not self._journaled:
            if not own:  # else delivered locally when it was published
                await self._local.deliver(delivery)
            return
        for member in self._local.members(address):
            if member.websocket_id == delivery.exclude:
                continue
            if own and member.websocket_id not in self._journaled:
                continue
            await _hand(member, delivery)


async def _hand(member: Member, delivery: Delivery) -> None:
    try:
        await member.deliver(delivery)
    except Exception:
        # One broken socket must not stop delivery to the others; its own read loop ends it.
        logger.warning("could not deliver an event to websocket %s", member.websocket_id, exc_info=True)


@dataclass(slots=True)
class _Outgoing:
    channel: bytes
    data: bytes
    #: The address's journal (``None``: the hub journals nothing).
    journal: bytes | None
    #: True once Redis has it, false when it was dropped.
    sent: asyncio.Future[bool]


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
        self._refresher: asyncio.Task[None] | None = None

    # Publishing.

    async def publish(self, channel: bytes, data: bytes, journal: bytes | None) -> bool:
        """Publish (and journal, see :data:`_DELIVER`); false if the delivery was dropped."""
        health = self.hub._health
        if self.loop.time() < self._publish_again_at:
            health.drop()
            return False
        if self._publisher is None:
            self._publisher = self.loop.create_task(self._publish_forever(), name="beeflow-websocket-redis-publisher")
        outgoing = _Outgoing(channel, data, journal, self.loop.create_future())
        self._queue.put_nowait(outgoing)
        return await asyncio.shield(outgoing.sent)

    async def script(self, text: str, sha: str, keys: list[bytes], args: list[Any]) -> Any:
        try:
            return await self.client.evalsha(sha, len(keys), *keys, *args)
        except NoScriptError:
            return await self.client.eval(text, len(keys), *keys, *args)

    def start_refresher(self) -> None:
        if self._refresher is None:
            self._refresher = self.loop.create_task(self._refresh_forever(), name="beeflow-websocket-redis-journals")

    async def _refresh_forever(self) -> None:
        # A journal outlives the process serving its sessions by at least two thirds of journal_age.
        hub = self.hub
        counter = counter_name(hub.channel_prefix)
        while True:
            await asyncio.sleep(hub.journal_age / 3)
            keys = list(hub._watched)
            for start in range(0, len(keys), _WATCH_CHUNK):
                try:
                    await self.script(
                        _WATCH, _WATCH_SHA, [counter, *keys[start : start + _WATCH_CHUNK]], [hub._age_ms()]
                    )
                except (RedisError, OSError) as error:
                    logger.debug("Redis hub: could not refresh the journals: %r", error)
                    break

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
                published = False
                try:
                    published = await self._publish_batch(batch)
                finally:
                    for outgoing in batch:
                        if not outgoing.sent.done():
                            outgoing.sent.set_result(published)
        finally:
            # Cancelled by aclose(), or because the loop ends (asyncio.run() in a script that pushes).
            await self.client.aclose()

    async def _publish_batch(self, batch: list[_Outgoing]) -> bool:
        health = self.hub._health
        if self.loop.time() < self._publish_again_at:
            health.drop(len(batch))
            return False
        try:
            try:
                await self._send_batch(batch)
            except NoScriptError:  # a Redis that restarted forgot the script: load it, send once more
                await self.client.script_load(_DELIVER)
                await self._send_batch(batch)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            health.failed("publish", error)
            health.drop(len(batch))
            self._publish_again_at = self.loop.time() + self._publish_delay
            self._publish_delay = min(self._publish_delay * 2, self.hub.max_backoff)
            return False
        self._publish_delay = self.hub.min_backoff
        health.recovered("publish")
        return True

    async def _send_batch(self, batch: list[_Outgoing]) -> None:
        counter = counter_name(self.hub.channel_prefix)
        maxlen = self.hub.journal_events
        async with self.client.pipeline(transaction=False) as pipe:
            for outgoing in batch:
                if outgoing.journal is None:
                    pipe.execute_command("PUBLISH", outgoing.channel, outgoing.data)
                else:
                    pipe.evalsha(_DELIVER_SHA, 2, outgoing.journal, counter, outgoing.channel, outgoing.data, maxlen)
            await pipe.execute()

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
        subscribed_before = False
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
                if subscribed_before and hub._journaled:
                    await self._catch_up(connection, len(channels))
                subscribed_before = True
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
            await self._handle(reply)

    async def _handle(self, reply: Any) -> None:
        if not isinstance(reply, list) or len(reply) < 2:
            return
        kind = reply[0]
        if kind == b"message" and len(reply) == 3:
            await self.hub._receive(reply[1], reply[2])
        elif kind == b"subscribe":
            for confirmed in self._confirmations.pop(reply[1], ()):
                if not confirmed.done():
                    confirmed.set_result(None)

    async def _catch_up(self, connection: AbstractConnection, channels: int) -> None:
        """After a reconnect: give this process's resumable sessions what the journals got meanwhile.

        The journals are read once Redis has confirmed every SUBSCRIBE (so every later delivery comes
        here live); messages that came with the confirmations follow them, and the sessions drop
        those they numbered from the journal already (their marks tell).
        """
        early = []
        confirmed = 0
        while confirmed < channels:
            reply = await connection.read_response(timeout=self.hub.subscribe_timeout)
            if reply is None:
                break
            if isinstance(reply, list) and reply and reply[0] == b"subscribe":
                confirmed += 1
            early.append(reply)
        await self.hub._catch_up()
        for reply in early:
            await self._handle(reply)

    def _release_confirmations(self) -> None:
        # Nobody waits for a connection that is gone; the next one subscribes to everything again.
        for waiting in self._confirmations.values():
            for confirmed in waiting:
                if not confirmed.done():
                    confirmed.set_result(None)
        self._confirmations.clear()

    # Lifecycle.

    async def aclose(self) -> None:
        for task in (self._publisher, self._reader, self._refresher):
            if task is not None:
                task.cancel()
        for task in (self._publisher, self._reader, self._refresher):
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
