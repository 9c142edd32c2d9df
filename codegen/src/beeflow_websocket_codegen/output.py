"""The lines a command prints, on stdout or stderr, as rich prints them, without loading rich for plain ones.

Rich takes longer to import than ``validate`` takes to check the chat example. Most lines are
plain text that rich would print unchanged, and those are written directly; a line with markup
(a coloured ``error:``), or with text rich would change (an emoji code such as ``:b:``, a tab, a
control character), and the tables of ``diff``, go through a rich console, loaded then.
"""

from __future__ import annotations

import re
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["Output", "escape"]

#: What rich may read as an emoji code (``:smile:``); such text is left to rich.
_EMOJI_CODE = re.compile(r":\S*?:")


def escape(text: str) -> str:
    """``text`` with what rich would read as markup escaped (rich's own ``escape``)."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


class Output:
    """One output stream of a command: rich's ``Console(highlight=False, soft_wrap=True)``, loaded when needed."""

    def __init__(self, *, stderr: bool = False) -> None:
        self._stderr = stderr
        self._console: Console | None = None

    @property
    def console(self) -> Console:
        """The rich console of this stream (loads rich)."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=self._stderr, highlight=False, soft_wrap=True)
        return self._console

    def print(self, text: str, *, markup: bool = True) -> None:
        """Print one line; ``markup``: ``text`` holds rich markup (``[yellow]warning[/]``)."""
        if markup or self._console is not None or not text.isprintable() or _EMOJI_CODE.search(text):
            self.console.print(text, markup=markup)
            return
        stream = sys.stderr if self._stderr else sys.stdout
        stream.write(text + "\n")
        stream.flush()
