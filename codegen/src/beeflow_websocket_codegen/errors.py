"""What went wrong with a spec, and where.

Every problem the generator finds in the user's files is a :class:`Diagnostic`: a message saying
what was found and what was expected, the file, the JSON pointer inside it and, when the file has
them, the line and column. :class:`SpecError` carries one or more diagnostics; the CLI prints them
and exits 1. Anything else raised inside the generator is a bug of ours, reported as an internal
error.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Diagnostic", "SpecError", "display_path"]


def display_path(path: Path) -> str:
    """``path`` relative to the working directory when it lies below it, else absolute."""
    absolute = Path(os.path.abspath(path))
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem in the user's files."""

    message: str
    file: Path | None = None
    pointer: str | None = None
    line: int | None = None
    column: int | None = None

    def where(self) -> str:
        """``file:line:column`` (as much of it as is known), followed by the JSON pointer."""
        parts = []
        if self.file is not None:
            place = display_path(self.file)
            if self.line is not None:
                place += f":{self.line}"
                if self.column is not None:
                    place += f":{self.column}"
            parts.append(place)
        if self.pointer is not None:
            parts.append(f"#{self.pointer}" if self.pointer else "# (document root)")
        return " ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        return f"{where}: {self.message}" if where else self.message


class SpecError(Exception):
    """The spec cannot be used; ``diagnostics`` says why (at least one)."""

    def __init__(self, diagnostics: Diagnostic | list[Diagnostic]) -> None:
        self.diagnostics = [diagnostics] if isinstance(diagnostics, Diagnostic) else list(diagnostics)
        if not self.diagnostics:
            raise ValueError("a SpecError needs at least one diagnostic")
        super().__init__("\n".join(str(item) for item in self.diagnostics))
