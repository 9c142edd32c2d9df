"""The record of the last TypeScript run, so that a ``generate`` or ``check`` with nothing changed renders nothing.

The Python package keeps such a record in its own folder (``_generated/manifest.json``); the
TypeScript folder holds generated files only, compiled as they are, so its record is kept in the
user's cache folder instead: ``$XDG_CACHE_HOME/beeflow-websocket`` (else
``~/.cache/beeflow-websocket``), one file per output path. It holds the hashes of the spec's files
and of every file the run left, the options, the spec's warnings (a run answered from the record
prints them again) and a fingerprint of the generator: its version and the size and modification
time of each of its files, so an edited generator (a checkout of this repository) renders again.

While all of them match, the files on disk are what a run would write. Any difference, a missing
record, or one that cannot be read, renders as before; a record that cannot be written is skipped.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from beeflow_websocket_codegen import __version__
from beeflow_websocket_codegen.config import Settings
from beeflow_websocket_codegen.errors import Diagnostic

from .layout import CHECKOUT_RUNTIME

__all__ = ["LastRun", "cache_folder", "fingerprint", "generator_fingerprint", "remember", "unchanged"]


def cache_folder() -> Path:
    """Where the records are kept."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "beeflow-websocket"


@dataclass(frozen=True)
class LastRun:
    """What the last run left, as its record says and the disk confirms."""

    files: tuple[Path, ...]
    warnings: tuple[Diagnostic, ...]


@functools.cache
def generator_fingerprint() -> str:
    """The generator's version and the size and modification time of each of its files."""
    folders = [Path(__file__).resolve().parents[1], CHECKOUT_RUNTIME]
    # The generator plans with the runtime's JSON Schema keyword table.
    runtime = find_spec("beeflow_websocket")
    if runtime is not None and runtime.submodule_search_locations:
        folders.append(Path(next(iter(runtime.submodule_search_locations))) / "jsonschema")
    return fingerprint(f"beeflow-websocket-codegen {__version__}", folders)


def fingerprint(version: str, folders: Iterable[Path]) -> str:
    """``version`` and the path, size and modification time of every file under ``folders``."""
    digest = hashlib.sha256(f"{version}\n".encode())
    for folder in folders:
        for root, directories, names in os.walk(folder):
            directories[:] = sorted(name for name in directories if name != "__pycache__")
            for name in sorted(names):
                path = os.path.join(root, name)
                status = os.stat(path)
                digest.update(f"{path}\0{status.st_size}\0{status.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _record_path(out: Path) -> Path:
    key = hashlib.sha256(os.path.abspath(out).encode()).hexdigest()[:32]
    return cache_folder() / f"typescript-{key}.json"


def _hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _identity(settings: Settings) -> dict[str, Any]:
    """Everything besides the files that decides what the run writes."""
    assert settings.ts_out is not None
    return {
        "generator": generator_fingerprint(),
        "spec": os.path.abspath(settings.spec),
        "out": os.path.abspath(settings.ts_out),
        "options": {"line-length": settings.line_length, "ts-runtime": settings.ts_runtime},
    }


def unchanged(settings: Settings) -> LastRun | None:
    """The last run, when its record matches the settings, the generator, the spec's files and every file it left."""
    assert settings.ts_out is not None
    try:
        record = json.loads(_record_path(settings.ts_out).read_text(encoding="utf-8"))
        if {key: record.get(key) for key in ("generator", "spec", "out", "options")} != _identity(settings):
            return None
        for group in ("inputs", "files"):
            for path, digest in record[group].items():
                if _hash(Path(path)) != digest:
                    return None
        warnings = tuple(
            Diagnostic(message, Path(file) if file is not None else None, pointer, line, column)
            for message, file, pointer, line, column in record["warnings"]
        )
        return LastRun(tuple(Path(path) for path in record["files"]), warnings)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _warning(item: Diagnostic) -> list[Any]:
    file = os.path.abspath(item.file) if item.file is not None else None
    return [item.message, file, item.pointer, item.line, item.column]


def remember(settings: Settings, files: Iterable[Path], inputs: Iterable[Path], warnings: Iterable[Diagnostic]) -> None:
    """Record a run whose files on disk are now what it rendered."""
    assert settings.ts_out is not None
    record = _record_path(settings.ts_out)
    temporary = record.with_name(f".{record.name}.{os.getpid()}.tmp")
    try:
        data = {
            **_identity(settings),
            "inputs": {os.path.abspath(path): _hash(path) for path in inputs},
            "files": {os.path.abspath(path): _hash(path) for path in files},
            "warnings": [_warning(item) for item in warnings],
        }
        record.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        os.replace(temporary, record)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()
