"""What every end-to-end server shares: the chat package, the token rule and one extra action.

Importing this module puts ``examples/chat`` on ``sys.path`` and imports ``chat_app.ws`` (the
package generated from ``examples/chat/asyncapi.yaml``), which registers the chat actions and
events. On top of the schema it registers ``e2e.notify``, which pushes a ``chat.message_posted``
event to every connection of a user, so the tests can check pushes addressed to a user.
"""

from __future__ import annotations

import json
import re
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from beeflow_websocket.core.action_registry import ActionContext, ActionRegistryMeta

CHAT = Path(__file__).resolve().parents[3] / "examples" / "chat"
#: The built chat page (``npm run build`` in examples/chat/web): every e2e server serves it at ``/``.
PAGE = CHAT / "web" / "dist"
sys.path.insert(0, str(CHAT))

from chat_app.ws._generated import events, models  # type: ignore[import-not-found]  # noqa: E402

_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")


def user_for_token(token: str) -> str | None:
    """The chat example's demo rule (examples/chat/server.py): the access token is the user's name."""
    return token if _NAME.match(token) else None


async def user_for_token_async(token: str) -> str | None:
    return user_for_token(token)


class NotifyPayload(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    user: str
    text: str


class Notify(metaclass=ActionRegistryMeta, name="e2e.notify"):
    """Send ``text`` to every connection of ``user``, as a message of the room ``direct``."""

    async def execute(self, payload: NotifyPayload, context: ActionContext) -> AsyncIterator[events.ChatMessagePosted]:
        # From JSON, so that the ids and times validate whether the model types them as text or not.
        message = models.ChatMessage.model_validate_json(
            json.dumps(
                {
                    "id": str(uuid.uuid4()),
                    "room": "direct",
                    "author": str(context.user_id),
                    "text": payload.text,
                    "sent_at": datetime.now(UTC).isoformat(),
                }
            )
        )
        yield events.ChatMessagePosted(recipient="user", recipient_id=payload.user, payload=message)
