"""A process that serves no socket and pushes numbered events, as a job or a command would.

``python -m tests.redis.apps.push VIA RECIPIENT TO COUNT PREFIX [PAUSE]``: VIA is ``fastapi`` or
``flask`` (the app's dispatcher and ``push_sync``: a fresh event loop per call for FastAPI, the
adapter's loop thread for Flask) or ``bare`` (a dispatcher of its own, ``await push`` on one loop).
RECIPIENT and TO may list several, comma-separated (``user,group alice,room``): the events go to
each in turn, numbered across all of them. PAUSE: seconds between events (``bare`` only).
``BEEFLOW_TEST_JOURNAL_EVENTS`` sets the bare hub's ``journal_events``.
"""

from __future__ import annotations

import asyncio
import os
import sys

from beeflow_websocket.core.dispatcher import Dispatcher
from beeflow_websocket.redis import RedisHub
from tests.conformance.apps.events import Said, SaidPayload


def events(recipient: str, to: str, count: int, prefix: str) -> list[Said]:
    targets = list(zip(recipient.split(","), to.split(","), strict=True))
    return [
        Said(
            recipient=targets[(n - 1) % len(targets)][0],  # type: ignore[arg-type]
            recipient_id=targets[(n - 1) % len(targets)][1],
            payload=SaidPayload(sender="job", text=f"{prefix} {n}"),
        )
        for n in range(1, count + 1)
    ]


def main() -> None:
    via, recipient, to, count, prefix = sys.argv[1:6]
    pause = float(sys.argv[6]) if len(sys.argv) > 6 else 0.0
    batch = events(recipient, to, int(count), prefix)
    if via == "bare":
        journal_events = int(os.environ.get("BEEFLOW_TEST_JOURNAL_EVENTS", "1000"))
        dispatcher = Dispatcher(hub=RedisHub(os.environ["BEEFLOW_TEST_REDIS_URL"], journal_events=journal_events))

        async def push_all() -> None:
            for event in batch:
                await dispatcher.push(event)
                if pause:
                    await asyncio.sleep(pause)

        asyncio.run(push_all())
        return
    if via == "fastapi":
        from beeflow_websocket.fastapi import get_dispatcher as get_fastapi_dispatcher

        from .fastapi_app import app as fastapi_app

        dispatcher = get_fastapi_dispatcher(fastapi_app)
    else:
        from beeflow_websocket.flask import get_dispatcher as get_flask_dispatcher

        from .flask_app import app as flask_app

        dispatcher = get_flask_dispatcher(flask_app)
    for event in batch:
        dispatcher.push_sync(event)


if __name__ == "__main__":
    main()
