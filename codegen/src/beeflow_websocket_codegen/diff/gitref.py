"""The spec as it was at a git ref: its file and every local file its ``$ref``\\s reach, in a folder.

``git show REF:path`` reads each file; the folder keeps the paths relative to the repository root,
so relative ``$ref``\\s resolve as they did at that ref.
"""

from __future__ import annotations

import os
import posixpath
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag

import yaml

from beeflow_websocket_codegen.errors import Diagnostic, SpecError

__all__ = ["SpecMissingAtRefError", "export_at_ref"]


class SpecMissingAtRefError(Exception):
    """The spec file did not exist at the ref (a new spec: nothing to compare)."""


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)


def _refs(data: Any) -> list[str]:
    found: list[str] = []
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str):
                found.append(ref)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def export_at_ref(spec: Path, ref: str, into: Path) -> Path:
    """Write the spec at ``ref`` and the files it references below ``into``; return the spec's path there.

    Raises :class:`SpecError` when the folder is no git repository or ``ref`` is unknown (a shallow
    clone misses older commits), :class:`SpecMissingAtRefError` when the spec file did not exist at ``ref``.
    """
    directory = spec.resolve().parent
    top = _git(directory, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise SpecError(Diagnostic(f"--against {ref}: not inside a git repository", spec))
    root = Path(top.stdout.decode().strip())
    if _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode != 0:
        shallow = _git(root, "rev-parse", "--is-shallow-repository").stdout.decode().strip() == "true"
        hint = (
            " (this is a shallow clone: fetch more history, e.g. `git fetch --deepen=1`, or clone with fetch-depth: 0)"
            if shallow
            else ""
        )
        raise SpecError(Diagnostic(f"--against {ref}: no such commit in this repository{hint}"))
    start = Path(os.path.relpath(spec.resolve(), root)).as_posix()
    pending = [start]
    seen: set[str] = set()
    while pending:
        relative = posixpath.normpath(pending.pop())
        if relative in seen:
            continue
        seen.add(relative)
        if relative.startswith("../"):
            raise SpecError(Diagnostic(f"--against {ref}: a $ref leads outside the repository ({relative})", spec))
        shown = _git(root, "show", f"{ref}:{relative}")
        if shown.returncode != 0:
            if relative == start:
                raise SpecMissingAtRefError(relative)
            continue  # a dangling $ref at that ref: loading the old spec reports it
        target = into / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(shown.stdout)
        try:
            data = yaml.safe_load(shown.stdout)
        except yaml.YAMLError:
            continue  # loading the old spec reports it with a position
        for item in _refs(data):
            document = unquote(urldefrag(item).url)
            if not document or "://" in document or document.startswith(("/", "urn:")):
                continue
            pending.append(posixpath.join(posixpath.dirname(relative), document))
    return into / start
