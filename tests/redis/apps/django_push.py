"""Push numbered events through the Django channel layer from a process that serves no socket.

``python -m tests.redis.apps.django_push COUNT PREFIX KIND=ID [KIND=ID ...]``: event ``n`` (from 1)
says ``"<PREFIX> <n>"`` and goes to the targets in turn (``user=alice group=lobby``: odd numbers to
the user, even ones to the group), one after the other on one event loop.
"""

from __future__ import annotations

import asyncio
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.conformance.apps.django_project.settings")
    import django

    django.setup()
    from beeflow_websocket.django import get_dispatcher
    from tests.conformance.apps.events import Said, SaidPayload

    count, prefix, *targets = sys.argv[1:]
    pairs = [target.split("=", 1) for target in targets]
    dispatcher = get_dispatcher()

    async def push_all() -> None:
        for n in range(1, int(count) + 1):
            kind, to = pairs[(n - 1) % len(pairs)]
            payload = SaidPayload(sender="job", text=f"{prefix} {n}")
            await dispatcher.push(Said(recipient=kind, recipient_id=to, payload=payload))

    asyncio.run(push_all())


if __name__ == "__main__":
    main()
