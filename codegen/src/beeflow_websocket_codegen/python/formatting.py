"""Formatting generated Python with ruff: imports sorted (isort rules), then ``ruff format``.

All files of one run are formatted by two ruff processes over a temporary directory, with ruff's
own defaults (``--isolated``): the output does not depend on the configuration of the project it
is written into, so it is byte-identical wherever ``generate`` runs.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from beeflow_websocket_codegen.errors import Diagnostic, SpecError

__all__ = ["format_python", "ruff_command"]


def ruff_command() -> list[str]:
    """How to run ruff: the binary installed with the ``ruff`` package, else ``python -m ruff``."""
    try:
        from ruff.__main__ import find_ruff_bin  # type: ignore[import-untyped]

        return [str(find_ruff_bin())]
    except (ImportError, FileNotFoundError):  # pragma: no cover - ruff is a dependency
        found = shutil.which("ruff")
        return [found] if found else [sys.executable, "-m", "ruff"]


def format_python(files: dict[str, str], *, line_length: int) -> dict[str, str]:
    """``files`` (relative path -> source) sorted and formatted; raise :class:`SpecError` on failure."""
    if not files:
        return {}
    ruff = ruff_command()
    common = ["--isolated", "--target-version", "py312", "--line-length", str(line_length)]
    with tempfile.TemporaryDirectory(prefix="beeflow-codegen-") as directory:
        root = Path(directory)
        for relative, source in files.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(source, encoding="utf-8")
        steps = [
            [*ruff, "check", *common, "--select", "I", "--fix", "--exit-zero", "--quiet", "--no-cache", "."],
            [*ruff, "format", *common, "--quiet", "--no-cache", "."],
        ]
        for step in steps:
            result = subprocess.run(step, cwd=root, capture_output=True, text=True, check=False)
            if result.returncode != 0:
                raise SpecError(
                    Diagnostic(
                        "internal error: ruff could not format the generated code: "
                        + (result.stderr.strip() or result.stdout.strip())
                    )
                )
        return {relative: (root / relative).read_text(encoding="utf-8") for relative in files}
