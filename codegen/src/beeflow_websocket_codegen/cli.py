"""Command-line interface (placeholder until the generator lands)."""

from __future__ import annotations

import sys

from . import __version__


def main() -> None:
    print(f"beeflow-websocket-codegen {__version__}")
    sys.exit(0)
