"""The ``beeflow-websocket`` console script: answers ``--version`` before loading the CLI.

Loading the CLI (typer, rich) costs more than everything else ``--version`` does; other commands
load it as before.
"""

from __future__ import annotations

import sys
from typing import Any

from . import VERSION_LINE

__all__ = ["main"]


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point."""
    if (sys.argv[1:] if argv is None else argv) == ["--version"]:
        print(VERSION_LINE)
        return 0
    from .cli import main as cli_main

    return cli_main(argv)
