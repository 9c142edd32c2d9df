"""The ``beeflow-websocket`` console script: answers ``--version`` before loading the CLI.

Loading the CLI (typer) costs more than everything else ``--version`` does; other commands load it
as before. Nothing here imports ``typing`` either: without a bytecode cache, compiling it (and the
modules it imports) is most of the time of ``--version``.
"""

from __future__ import annotations

import sys

from . import VERSION_LINE

__all__ = ["main"]


def main(argv: list[str] | None = None) -> object:
    """Console-script entry point."""
    if (sys.argv[1:] if argv is None else argv) == ["--version"]:
        print(VERSION_LINE)
        return 0
    from .cli import main as cli_main

    return cli_main(argv)
