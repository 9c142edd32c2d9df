"""Generated files on disk, for both outputs: relative paths, writes only on change, drift diffs."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

from .errors import display_path

__all__ = ["drift", "relative_path", "write_file", "write_if_changed"]


def relative_path(path: Path, start: Path) -> str:
    """``path`` relative to the folder ``start``, POSIX separators (as headers and the manifest say it)."""
    try:
        return Path(os.path.relpath(path.resolve(), start.resolve())).as_posix()
    except ValueError:  # pragma: no cover - another drive on Windows
        return path.name


def write_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file, so a reader never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8", newline="\n")
    os.replace(temporary, path)


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` unless it already holds exactly that; return whether it wrote."""
    try:
        current = path.read_text(encoding="utf-8") if path.is_file() else None
    except (OSError, UnicodeDecodeError):
        current = None
    if current == text:
        return False
    write_file(path, text)
    return True


def drift(path: Path, text: str) -> str | None:
    """How ``path`` differs from ``text`` (what ``generate`` would write): a unified diff, else ``None``."""
    name = display_path(path)
    try:
        current = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return f"missing: {name} (run beeflow-websocket generate)\n"
    except (OSError, UnicodeDecodeError) as error:
        return f"unreadable: {name}: {error}\n"
    if current == text:
        return None
    diff = difflib.unified_diff(
        current.splitlines(keepends=True),
        text.splitlines(keepends=True),
        fromfile=f"{name} (on disk)",
        tofile=f"{name} (generated)",
    )
    return "".join(diff)
