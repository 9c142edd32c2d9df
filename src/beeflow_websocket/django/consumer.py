"""The Channels consumer: moves frames between a socket and the core; no protocol rules live here."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import json
import logging
from typing import Any, Protocol, cast, runtime_checkable
from uuid import UUID, uuid4

from asgiref.typing import WebSocketReceiveEvent, WebSocketSendEvent
from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer

from beeflow_websocket.core.action_registry import UserId
from beeflow_websocket.core.connection import Connection
from beeflow_websocket.core.dispatcher import CLOSE_TRY_AGAIN_LATER, TRY_AGAIN_LATER_REASON, Dispatcher
from beeflow_websocket.core.handshake import negotiate, origin_allowed
from beeflow_websocket.core.hub import Delivery
from beeflow_websocket.core.recipient_registry import Address

from ._daphne import Writable, await_close_reply, daphne_close
from .conf import get_dispatcher
from .hub import ChannelLayerHub, delivery_from_message

__all__ = [
    "INVALID_MESSAGE_DETAIL",
    "PROBLEM_TYPE_BASE_URL_SETTING",
    "AuthenticatedWebSocketUserProtocol",
    "WebSocketConsumer",
    "create_websocket_message_id",
]

#: The ``detail`` of the problem answering a frame that is not an action frame.
INVALID_MESSAGE_DETAIL = "The frame is not a valid action frame."
#: The setting naming the base of problem ``type`` URIs.
PROBLEM_TYPE_BASE_URL_SETTING = "BEEFLOW_WEBSOCKET_PROBLEM_TYPE_BASE_URL"


@runtime_checkable
class AuthenticatedWebSocketUserProtocol(Protocol):
    """What the consumer needs of ``scope["user"]``: ``is_authenticated`` and ``id``."""

    id: Any
    is_authenticated: bool


def create_websocket_message_id() -> UUID:
    """A fresh server message id."""
    return uuid4()


logger = logging.getLogger("beeflow_websocket")

#: Close code for a consumer whose frame pump failed unexpectedly (RFC 6455: internal error).
_INTERNAL_ERROR = 1011
#: Messages handled without Channels' per-message ``close_old_connections`` (a thread hop each):
#: they never touch the database on the event loop.
_HOT = frozenset({"websocket.receive", "beeflow.deliver"})


class WebSocketConsumer(AsyncWebsocketConsumer):
    """Serves the beeflow protocol to authenticated users, at any path.

    The handshake is refused (HTTP 403) when ``scope["user"]`` is missing or not authenticated, or
    when ``BEEFLOW_WEBSOCKET_ALLOWED_ORIGINS`` is set and the browser's ``Origin`` is not in it.
    Otherwise the consumer selects ``beeflow.v2`` or ``beeflow.v1`` (or ``access-token``, never the token) and hands
    every frame to the core.

    Each frame goes to the core in a task of its own, started eagerly, after the frames before it:
    an action that never waits finishes before the next message is read, at little more than a
    call's cost, and one that waits never holds up the channel-layer deliveries of the connection.
    Once ``max_queued_frames`` frames are unfinished, the consumer stops reading the socket until
    one finishes.

    ``WebSocketConsumer.as_asgi(dispatcher=...)`` serves another dispatcher than the project's.
    """

    max_queued_frames = 16

    def __init__(self, *args: Any, dispatcher: Dispatcher | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dispatcher = dispatcher
        self.connection: Connection | None = None
        self._writable: Writable | None = None
        self._admitted = False
        #: Frames taken from the socket whose action has not finished.
        self._running: set[asyncio.Task[None]] = set()
        self._room: asyncio.Future[None] | None = None
        #: The latest of them: the next frame goes to the core once it has.
        self._last: asyncio.Task[None] | None = None
        #: Set once the connection is open; cleared when handing a frame to the core failed.
        self._frame_context: contextvars.Context | None = None

    def get_user_id(self, user: Any) -> UserId:
        """The id under which ``user`` receives ``user`` events: ``user.id`` (int, str or UUID)."""
        user_id: UserId = user.id if hasattr(user, "id") else user.pk
        return user_id

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        # Channels' AsyncConsumer.__call__, with _serve in place of its await_many_dispatch.
        self.scope = scope
        layer = get_channel_layer(self.channel_layer_alias)
        self.channel_layer = layer  # type: ignore[assignment]  # None without CHANNEL_LAYERS, as in Channels
        if layer is not None:
            self.channel_name = await layer.new_channel()
            self.channel_receive = functools.partial(layer.receive, self.channel_name)  # type: ignore[assignment]
        self.base_send = send
        try:
            await self._serve(receive)
        except StopConsumer:
            pass
        finally:
            await self._teardown()

    async def _serve(self, receive: Any) -> None:
        """Dispatch the socket's and the channel layer's messages one at a time, as Channels does.

        Channels' ``await_many_dispatch`` starts a task for every message and waits for it with
        ``asyncio.wait``. Here this task reads the socket itself, and a second task, only when there
        is a channel layer, reads the layer; a lock keeps their handlers from overlapping.
        """
        dispatch = self.dispatch
        if self.channel_layer is None:
            while True:
                await dispatch(await receive())
        turn = asyncio.Lock()
        failed: list[Exception] = []
        serving = asyncio.current_task()
        assert serving is not None
        reader = asyncio.create_task(self._read_channel(turn, serving, failed))
        try:
            while True:
                message = await receive()
                async with turn:
                    await dispatch(message)
        except asyncio.CancelledError:
            if not failed:
                raise
            serving.uncancel()
            raise failed[0] from None
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)

    async def _read_channel(self, turn: asyncio.Lock, serving: asyncio.Task[Any], failed: list[Exception]) -> None:
        try:
            while True:
                message = await self.channel_receive()
                async with turn:
                    await self.dispatch(message)
        except Exception as error:  # StopConsumer, or a handler that raised: the consumer ends, as under Channels
            failed.append(error)
            serving.cancel()

    async def dispatch(self, message: Any) -> None:
        kind = message["type"]
        if kind == "websocket.receive":
            await self.websocket_receive(message)
            return
        if kind not in _HOT:
            await super().dispatch(message)
            return
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {kind}")
        await handler(message)

    async def connect(self) -> None:
        user = self.scope.get("user")
        dispatcher = self.dispatcher = self.dispatcher or get_dispatcher()
        if (
            user is None
            or not user.is_authenticated
            or not origin_allowed(self._origin(), dispatcher.config.allowed_origins)
        ):
            await self.close()  # before accept: the server answers HTTP 403
            return
        handshake = negotiate(tuple(self.scope.get("subprotocols") or ()))
        if not dispatcher.admit():
            # max_connections reached: a close code the browser can see, rather than an HTTP status it cannot.
            await self.accept(handshake.subprotocol)
            await self._close(CLOSE_TRY_AGAIN_LATER, TRY_AGAIN_LATER_REASON)
            return
        self._admitted = True
        connection = dispatcher.connection(
            # A subclass that overrides send() (to log or count frames, as 0.3.0 code may) sees every frame.
            send=self._send_frame if type(self).send is AsyncWebsocketConsumer.send else self._send_frame_through_send,
            close=self._close,
            user_id=self.get_user_id(user),
            # As in 0.3.0 the websocket id is the consumer's channel name, so code that sends to it
            # through the channel layer (``beeflow.websocket.event``) still reaches this connection.
            websocket_id=self.channel_name if self.channel_layer is not None else None,
            handshake=handshake,
        )
        self.connection = connection
        hub = dispatcher.hub
        if (
            isinstance(hub, ChannelLayerHub)
            and self.channel_layer is not None
            and hub.alias == self.channel_layer_alias
            and not handshake.sessions
        ):
            # Deliveries come through this consumer's channel, handled only after connect() returns,
            # so the connection joins its groups before the accept (as Channels' ``groups`` do) and
            # is reachable as soon as the client sees the handshake complete.
            hub.bind(connection.websocket_id, self.channel_name)
            await dispatcher.open(connection)
            await self.accept(handshake.subprotocol)
        else:
            # Other hubs call the connection directly: nothing may be sent before the accept. A
            # session (beeflow.v2) gets a channel of its own from the hub, read by a task that
            # outlives this consumer: a delivery Channels is handing to a consumer as it stops
            # would be lost.
            await self.accept(handshake.subprotocol)
            await dispatcher.open(connection)
        self._writable = Writable.register(self.base_send)
        self._frame_context = contextvars.copy_context()  # every frame's task runs in this one

    async def websocket_receive(self, message: WebSocketReceiveEvent) -> None:
        connection, context = self.connection, self._frame_context
        if connection is None or context is None or connection.closed:
            return
        text = message.get("text")
        frame = text if text is not None else message.get("bytes") or b""
        # Eager: the frame is handled right here until its action first waits. Behind a frame that
        # is still running it waits for that one, so the core sees frames one after another, in
        # arrival order (as from one reader), its size limit and close codes included.
        previous = self._last
        handing = (
            self._receive(connection, frame)
            if previous is None or previous.done()
            else self._receive_after(previous, connection, frame)
        )
        task = asyncio.Task(handing, loop=asyncio.get_running_loop(), context=context, eager_start=True)
        if task.done():
            return
        self._last = task
        running = self._running
        running.add(task)
        task.add_done_callback(self._finished)
        if len(running) >= self.max_queued_frames and not connection.closed:
            # Stop reading the socket (and the channel layer) until an action finishes.
            room = self._room = asyncio.get_running_loop().create_future()
            await room

    async def beeflow_deliver(self, message: dict[str, Any]) -> None:
        """A delivery from the channel layer (see :mod:`beeflow_websocket.django.hub`)."""
        connection = self.connection
        # Only connections bound to this consumer's channel (not beeflow.v2) get here; a closed one drops
        # the delivery. A beeflow.v2 session reads a channel of its own (ChannelLayerHub.attach), so
        # its deliveries are numbered and kept while it is parked, on whichever process adopted it.
        if connection is None or message.get("exclude") == connection.websocket_id:
            return
        try:
            await connection.deliver(delivery_from_message(message))
        except Exception:
            logger.warning("could not deliver an event to websocket %s", connection.websocket_id, exc_info=True)

    async def beeflow_websocket_event(self, message: dict[str, Any]) -> None:
        """0.3.0's channel-layer message: ``{"type": "beeflow.websocket.event", "payload": <event frame>}``.

        The event goes out with this connection's own ``msg_id`` and ``seq`` (and ``req_id`` null),
        like any delivery from elsewhere.
        """
        connection = self.connection
        if connection is None:
            return
        try:
            await connection.deliver(Delivery(Address.websocket(connection.websocket_id), _tail_of(message["payload"])))
        except Exception:
            logger.warning("could not deliver an event to websocket %s", connection.websocket_id, exc_info=True)

    async def disconnect(self, code: int) -> None:
        await self._teardown()

    async def _receive(self, connection: Connection, frame: str | bytes) -> None:
        try:
            await connection.receive(frame)
        except Exception:
            if self._frame_context is None:
                return
            self._frame_context = None  # websocket_receive drops frames from now on
            logger.exception("websocket %s: handing a frame to the core failed", connection.websocket_id)
            await self._close(_INTERNAL_ERROR, "internal error")

    async def _receive_after(self, previous: asyncio.Task[None], connection: Connection, frame: str | bytes) -> None:
        await asyncio.wait((previous,))
        await self._receive(connection, frame)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        if self._last is task:
            self._last = None
        room = self._room
        if room is not None and len(self._running) < self.max_queued_frames:
            self._room = None
            if not room.done():
                room.set_result(None)

    async def _send_frame(self, text: str) -> None:
        # What AsyncWebsocketConsumer.send sends (no "bytes" key: Channels' test client refuses
        # one set to None), without its two calls per frame.
        await self.base_send(cast(WebSocketSendEvent, {"type": "websocket.send", "text": text}))
        await self._drained()

    async def _send_frame_through_send(self, text: str) -> None:
        await self.send(text_data=text)
        await self._drained()

    async def _drained(self) -> None:
        writable = self._writable
        if writable is not None and not writable.ready.is_set():
            # The server's buffer for this socket is full: the core queues what comes next and
            # closes the connection with 1013 if the peer does not catch up (core.outgoing).
            await writable.ready.wait()

    async def _close(self, code: int, reason: str) -> None:
        dispatcher = self.dispatcher
        if dispatcher is not None:
            await_close_reply(self.base_send, dispatcher.config.outgoing.grace)
        try:
            await self.close(code, reason)
        except Exception:
            if not daphne_close(self.base_send, code, reason):
                raise

    def _origin(self) -> str | None:
        for name, value in self.scope.get("headers") or ():
            if name == b"origin":
                return bytes(value).decode("latin-1")
        return None

    async def _teardown(self) -> None:
        """Cancel the running actions and forget the connection; safe to call more than once."""
        self._frame_context = None
        running = [task for task in self._running if task is not asyncio.current_task()]
        self._running.clear()
        self._last = None
        for task in running:
            task.cancel()
        if running:
            await asyncio.gather(*running, return_exceptions=True)
        room, self._room = self._room, None
        if room is not None and not room.done():
            room.set_result(None)
        connection, self.connection = self.connection, None
        if self._admitted and self.dispatcher is not None:
            self._admitted = False
            self.dispatcher.release()
        if connection is not None:
            try:
                await connection.shutdown()
            except Exception:
                logger.warning("websocket %s: shutdown failed", connection.websocket_id, exc_info=True)


def _tail_of(frame: dict[str, Any]) -> str:
    body = {member: frame[member] for member in ("event", "recipient", "recipient_id", "payload")}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))[1:]
