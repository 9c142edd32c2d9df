"""The one event loop per process that drives the core for Flask's threads.

Flask serves each WebSocket on a thread of its own, while the core is async. Rather than start a
loop per message (``asyncio.run``) or per connection, every connection of the process runs on one
long-lived loop in a daemon thread. Request threads hand it work through a :class:`Handoff` (or
:func:`call`, which waits at once), one coroutine at a time per thread, so a connection's frames
are handled in arrival order and a busy connection stops reading.

Coroutines run in a copy of the calling thread's context variables, so handlers can use
``flask.current_app`` and ``flask.g`` of the handshake request.

After ``os.fork`` (gunicorn ``--preload``) the child has no loop thread; the next call to
:func:`process_loop` starts a fresh one, and the dispatchers registered with :func:`track`
forget the parent's loop.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import threading
import weakref
from collections import deque
from collections.abc import Callable, Coroutine
from queue import SimpleQueue
from typing import Any

from beeflow_websocket.core.dispatcher import Dispatcher

__all__ = ["Handoff", "call", "process_loop", "submit", "track"]

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_pid = 0
_dispatchers: weakref.WeakSet[Dispatcher] = weakref.WeakSet()


def process_loop() -> asyncio.AbstractEventLoop:
    """The running loop of this process; the first call starts its thread. Safe from any thread."""
    global _loop, _pid
    loop = _loop
    if loop is not None and _pid == os.getpid() and loop.is_running():
        return loop
    with _lock:
        if _loop is None or _pid != os.getpid() or not _loop.is_running():
            _loop = _start()
            _pid = os.getpid()
        return _loop


def track(dispatcher: Dispatcher) -> asyncio.AbstractEventLoop:
    """Record the process loop as ``dispatcher.loop`` (for ``push_sync``), also after a fork."""
    loop = process_loop()
    dispatcher.loop = loop
    _dispatchers.add(dispatcher)
    return loop


def call[T](coroutine: Coroutine[Any, Any, T], loop: asyncio.AbstractEventLoop | None = None) -> T:
    """Run ``coroutine`` on the process loop from a synchronous thread and return its result.

    Never call this from the loop's own thread (it would wait for itself).
    """
    return asyncio.run_coroutine_threadsafe(coroutine, loop or process_loop()).result()


def submit(loop: asyncio.AbstractEventLoop, callback: Callable[[Any], None], argument: Any) -> None:
    """Run ``callback(argument)`` on ``loop`` soon, after what was handed over before (from any thread)."""
    inbox = _inboxes.get(loop) or _inboxes.setdefault(loop, _Inbox(loop))
    inbox.submit(callback, argument)


class Handoff:
    """Runs one thread's coroutines on the loop one at a time, without waiting for each right away.

    :meth:`start` hands a coroutine over and returns at once; :meth:`wait` returns its result (or
    raises its exception) and must come before the next :meth:`start`. A request thread starts a
    frame, goes back to reading, and waits only once the next frame has arrived: by then the
    previous one has usually finished, so the wait costs no thread switch, while frames still reach
    the core one at a time and in arrival order. Use it from one thread only.

    The coroutine starts eagerly (it runs at once, in the loop's callback, until it first
    suspends) and sees the calling thread's context variables.
    """

    __slots__ = ("_done", "_inbox", "_loop", "_pending")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._inbox = _inboxes.get(loop) or _inboxes.setdefault(loop, _Inbox(loop))
        self._done: SimpleQueue[asyncio.Future[Any]] = SimpleQueue()
        self._pending = False

    def start(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        if self._pending:
            coroutine.close()
            raise RuntimeError("Handoff.start() called before wait() collected the previous coroutine")
        self._pending = True
        self._inbox.submit(self._begin, coroutine)

    def wait(self) -> Any:
        """The result of the coroutine last started; ``None`` when nothing is pending."""
        if not self._pending:
            return None
        task = self._done.get()
        self._pending = False
        return task.result()

    def call[T](self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Start ``coroutine`` and wait for it."""
        self.start(coroutine)
        result: T = self.wait()
        return result

    def _begin(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        # On the loop. Most actions never suspend, so an eager task is done before this returns.
        try:
            task = asyncio.eager_task_factory(self._loop, coroutine)
        except Exception as error:
            failed = self._loop.create_future()
            failed.set_exception(error)
            self._done.put(failed)
            return
        if task.done():
            self._done.put(task)
        else:
            task.add_done_callback(self._done.put)


class _Inbox:
    """Calls for the loop from other threads: one wake-up of the loop per batch, not one per call.

    Under load the loop is busy when frames arrive; they queue here and run together, in order,
    in a single callback, instead of each writing to the loop's self-pipe.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._calls: deque[tuple[contextvars.Context, Callable[[Any], None], Any]] = deque()
        self._lock = threading.Lock()
        self._scheduled = False

    def submit(self, callback: Callable[[Any], None], argument: Any) -> None:
        """Run ``callback(argument)`` on the loop, in the caller's context (safe from any thread)."""
        context = contextvars.copy_context()
        with self._lock:
            self._calls.append((context, callback, argument))
            if self._scheduled:
                return
            self._scheduled = True
        self._loop.call_soon_threadsafe(self._run)

    def _run(self) -> None:
        with self._lock:
            calls, self._calls = self._calls, deque()
            self._scheduled = False
        for context, callback, argument in calls:
            try:
                context.run(callback, argument)
            except Exception as error:
                self._loop.call_exception_handler({"message": "beeflow-websocket handoff failed", "exception": error})


_inboxes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Inbox] = weakref.WeakKeyDictionary()


def _start() -> asyncio.AbstractEventLoop:
    loop = asyncio.new_event_loop()
    _inboxes[loop] = _Inbox(loop)
    started = threading.Event()
    thread = threading.Thread(target=_run, args=(loop, started), name="beeflow-websocket-loop", daemon=True)
    thread.start()
    started.wait()
    return loop


def _run(loop: asyncio.AbstractEventLoop, started: threading.Event) -> None:
    asyncio.set_event_loop(loop)
    loop.call_soon(started.set)
    loop.run_forever()


def _after_fork_in_child() -> None:
    # The loop thread did not survive the fork, but the copied loop still reports it is running:
    # drop it so nothing waits on it, and let the next process_loop() start a new one.
    global _lock, _loop
    _lock = threading.Lock()
    _loop = None
    for dispatcher in list(_dispatchers):
        dispatcher.loop = None


os.register_at_fork(after_in_child=_after_fork_in_child)
