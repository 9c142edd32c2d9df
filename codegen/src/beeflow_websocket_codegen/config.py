"""Settings: command-line options over ``[tool.beeflow-websocket]`` in ``pyproject.toml``.

Paths in the table are relative to the file that holds it; paths on the command line are relative
to the working directory.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import Diagnostic, SpecError

__all__ = ["TABLE", "Overrides", "Settings", "find_config", "load_settings"]

TABLE = "beeflow-websocket"
DEFAULT_LINE_LENGTH = 88
_KEYS = {
    "spec": "path of the AsyncAPI document",
    "python-out": "folder of the generated Python package",
    "ts-out": "folder of the generated TypeScript client (a path ending in .ts: only the payload types, in that file)",
    "ts-runtime": "module the TypeScript client imports the runtime from (default: a copy in ts-out/runtime/)",
    "line-length": "line length of the generated code (ruff format), default 88",
    "format-assertion": "check 'format' (uuid, date-time, ...) instead of treating it as an annotation, default false",
}


@dataclass(frozen=True)
class Settings:
    """What ``generate`` and ``check`` work on."""

    spec: Path
    python_out: Path | None
    line_length: int = DEFAULT_LINE_LENGTH
    ts_out: Path | None = None
    config: Path | None = None
    #: module specifier of the runtime (``@beeflow/websocket-client``); ``None``: copy it into ``ts_out``
    ts_runtime: str | None = None
    #: ``format`` is checked (pydantic types such as ``UUID``) instead of being an annotation
    format_assertion: bool = False


@dataclass(frozen=True)
class Overrides:
    """What the command line says about the outputs; ``None`` leaves it to the configuration."""

    spec: Path | None = None
    python_out: Path | None = None
    line_length: int | None = None
    format_assertion: bool | None = None
    ts_out: Path | None = None
    ts_runtime: str | None = None


def find_config(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` at or above ``start`` that has a ``[tool.beeflow-websocket]`` table."""
    for directory in (start.resolve(), *start.resolve().parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            try:
                data = tomllib.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                continue
            if isinstance(data.get("tool"), dict) and TABLE in data["tool"]:
                return candidate
    return None


def _read_table(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpecError(Diagnostic("configuration file not found", path)) from None
    except (OSError, UnicodeDecodeError) as error:
        raise SpecError(Diagnostic(f"cannot read the configuration: {error}", path)) from None
    except tomllib.TOMLDecodeError as error:
        raise SpecError(Diagnostic(f"invalid TOML: {error}", path)) from None
    table = data.get("tool", {}).get(TABLE) if isinstance(data.get("tool"), dict) else None
    if table is None:
        raise SpecError(Diagnostic(f"no [tool.{TABLE}] table in this file", path))
    if not isinstance(table, dict):
        raise SpecError(Diagnostic(f"[tool.{TABLE}] must be a table", path))
    for key in sorted(table):
        if key not in _KEYS:
            close = difflib.get_close_matches(key, list(_KEYS), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise SpecError(
                Diagnostic(f"unknown key {key!r} in [tool.{TABLE}]{hint} (expected: {', '.join(sorted(_KEYS))})", path)
            )
    for key in ("spec", "python-out", "ts-out", "ts-runtime"):
        if key in table and not isinstance(table[key], str):
            raise SpecError(Diagnostic(f"[tool.{TABLE}] {key} must be a string (a path)", path))
    if "line-length" in table and (
        not isinstance(table["line-length"], int) or isinstance(table["line-length"], bool) or table["line-length"] < 40
    ):
        raise SpecError(Diagnostic(f"[tool.{TABLE}] line-length must be an integer of at least 40", path))
    if "format-assertion" in table and not isinstance(table["format-assertion"], bool):
        raise SpecError(Diagnostic(f"[tool.{TABLE}] format-assertion must be true or false", path))
    return table


def load_settings(given: Overrides, *, config: Path | None, need_output: bool = True) -> Settings:
    """Combine the command line with the configuration table (the command line wins)."""
    table: dict[str, Any] = {}
    spec, ts_out = given.spec, given.ts_out
    if config is None and (spec is None or (given.python_out is None and ts_out is None and need_output)):
        config = find_config(Path.cwd())
    if config is not None:
        table = _read_table(config)
    base = config.parent if config is not None else Path.cwd()
    spec_path = spec if spec is not None else (base / table["spec"] if "spec" in table else None)
    if spec_path is None:
        raise SpecError(
            Diagnostic(
                f"no spec given: pass the AsyncAPI file (beeflow-websocket generate SPEC --python-out DIR) or set "
                f"'spec' in [tool.{TABLE}] of pyproject.toml (beeflow-websocket init writes one)"
            )
        )
    out = given.python_out
    if out is None and "python-out" in table:
        out = base / table["python-out"]
    if ts_out is None and "ts-out" in table:
        ts_out = base / table["ts-out"]
    if out is None and ts_out is None and need_output:
        raise SpecError(
            Diagnostic(
                f"no output folder: pass --python-out DIR (or --ts-out DIR) or set 'python-out' (or 'ts-out') in "
                f"[tool.{TABLE}] of pyproject.toml"
            )
        )
    ts_runtime = given.ts_runtime if given.ts_runtime is not None else table.get("ts-runtime")
    length = given.line_length if given.line_length is not None else int(table.get("line-length", DEFAULT_LINE_LENGTH))
    if length < 40:
        raise SpecError(Diagnostic("--line-length must be at least 40"))
    asserted = given.format_assertion
    if asserted is None:
        asserted = bool(table.get("format-assertion", False))
    return Settings(spec_path, out, length, ts_out, config, ts_runtime or None, asserted)
