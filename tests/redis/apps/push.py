"""A process that serves no socket and pushes numbered events, as a job or a command would.

``python -m tests.redis.apps.push VIA RECIPIENT TO COUNT PREFIX``: VIA is ``fastapi`` or ``flask``
(the app's dispatcher and ``push_sync``: a fresh event loop per call for FastAPI, the adapter's
loop thread for Flask) or ``bare`` (a dispatcher of its own, ``await push`` on one loop).
"""

from __future__ import annotations

import asyncio
import os
import sys

from beeflow_websocket.core.dispatcher import Dispatcher
from beeflow_websocket.redis import RedisHub
from tests.conformance.apps.events import Said, SaidPayload


def events(recipient: str, to: str, count: int, prefix: str) -> list[Said]:
    return [
        Said(recipient=recipient, recipient_id=to, payload=SaidPayload(sender="job", text=f"{prefix} {n}"))
        for n in range(1, count + 1)
    ]


def main() -> None:
    via, recipient, to, count, prefix = sys.argv[1:6]
    batch = events(recipient, to, int(count), prefix)
    if via == "bare":
        dispatcher = Dispatcher(hub=RedisHub(os.environ["BEEFLOW_TEST_REDIS_URL"]))

        async def push_all() -> None:
            for event in batch:
                await dispatcher.push(event)

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
