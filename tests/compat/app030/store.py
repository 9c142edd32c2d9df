"""The application's own store of room memberships: SQLite, shared by every server process."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path

_DEFAULT = Path(tempfile.gettempdir()) / f"app030-{os.getpid()}.sqlite3"


def _connect() -> sqlite3.Connection:
    connection = sqlite3.connect(os.environ.get("APP030_DB", str(_DEFAULT)), timeout=10)
    connection.execute(
        "CREATE TABLE IF NOT EXISTS member (room TEXT, websocket_id TEXT, PRIMARY KEY (room, websocket_id))"
    )
    return connection


def join(room: str, websocket_id: str) -> None:
    with _connect() as connection:
        connection.execute("INSERT OR IGNORE INTO member VALUES (?, ?)", (room, websocket_id))


def members(room: str) -> tuple[str, ...]:
    with _connect() as connection:
        rows = connection.execute("SELECT websocket_id FROM member WHERE room = ? ORDER BY websocket_id", (room,))
        return tuple(row[0] for row in rows)
