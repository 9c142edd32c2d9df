"""A TCP forwarder on 127.0.0.1 in front of several workers, as a load balancer would be.

The browser reconnects to one URL; the switch sends each new connection to the worker it points
at now (:attr:`Switch.target`). :meth:`Switch.hold` stops passing the worker's bytes on to the
clients (a slow network: what the worker sent is not seen), :meth:`Switch.cut` closes every
connection, as a load balancer does when the worker behind it dies. The switch runs its own event
loop in a thread; every call from the test waits at most ``TIMEOUT`` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine
from types import TracebackType
from typing import Any

TIMEOUT = 10.0
CHUNK = 64 * 1024


class Switch:
    """Forward ``127.0.0.1:<port>`` to ``127.0.0.1:<target>``; ``with Switch(target) as switch``."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.port = 0
        #: Connections opened through the switch so far, and the worker port each went to.
        self.routed: list[int] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="e2e-switch", daemon=True)
        self._server: asyncio.Server | None = None
        self._passing = asyncio.Event()
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    def __enter__(self) -> Switch:
        self._thread.start()
        self._run(self._start())
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        try:
            self._run(self._stop())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(TIMEOUT)
            if not self._thread.is_alive():
                self._loop.close()

    def hold(self) -> None:
        """From now on the workers' bytes wait in the switch (and in the workers' sockets)."""
        self._loop.call_soon_threadsafe(self._passing.clear)

    def cut(self) -> None:
        """Close every connection through the switch; bytes held are dropped. New ones pass again."""
        self._run(self._cut())

    def _run(self, coroutine: Coroutine[Any, Any, None]) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(TIMEOUT)

    async def _start(self) -> None:
        self._passing.set()
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
        await self._cut()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _cut(self) -> None:
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()
        self._passing.set()

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        target = self.target
        self.routed.append(target)
        try:
            worker_reader, worker_writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", target), TIMEOUT)
        except (OSError, TimeoutError):
            client_writer.close()  # the worker is gone: the client sees the connection refused, as without a switch
            return
        self._writers.update((client_writer, worker_writer))
        up = asyncio.create_task(self._pump(client_reader, worker_writer, held=False))
        down = asyncio.create_task(self._pump(worker_reader, client_writer, held=True))
        self._tasks.update((up, down))
        try:
            await asyncio.wait((up, down), return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (up, down):
                task.cancel()
            await asyncio.gather(up, down, return_exceptions=True)
            self._tasks.difference_update((up, down))
            for writer in (client_writer, worker_writer):
                self._writers.discard(writer)
                writer.close()

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, held: bool) -> None:
        with contextlib.suppress(OSError):
            while data := await reader.read(CHUNK):
                if held:
                    await self._passing.wait()
                if writer.is_closing():
                    return
                writer.write(data)
                await writer.drain()
