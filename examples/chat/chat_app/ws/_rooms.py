"""Helpers shared by the chat handlers (a module of ours: the generator ignores it)."""

from __future__ import annotations

from beeflow_websocket.runtime import ActionContext

from ._generated import problems

#: How many rooms one connection may be in at a time.
MAX_ROOMS = 10


def group(room: str) -> str:
    """The delivery group of a room."""
    return f"room:{room}"


def user_name(context: ActionContext) -> str:
    """How the other members see the sender."""
    return str(context.user_id) if context.user_id is not None else "anonymous"


def require_member(context: ActionContext, room: str) -> None:
    """Raise the schema's ``not_in_room`` problem (403) unless this connection joined ``room``."""
    if group(room) not in context.groups:
        raise problems.NotInRoom(f"Join the room {room!r} first.")
