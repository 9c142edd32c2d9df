"""Breaking-change checks between two versions of a spec, by message direction.

:func:`diff_specs` compares two spec files, :func:`diff_against_ref` the spec with itself at a git
ref; both return a :class:`DiffReport` whose changes are classified in :mod:`.changes`.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from beeflow_websocket_codegen.errors import Diagnostic, SpecError, display_path
from beeflow_websocket_codegen.project import load_protocol

from .changes import BREAKING, COMPATIBLE, POSSIBLY_BREAKING, Change, compare_protocols
from .gitref import SpecMissingAtRefError, export_at_ref

__all__ = ["Change", "DiffReport", "diff_against_ref", "diff_specs", "read_allow_list"]


@dataclass
class DiffReport:
    """What changed from ``old`` to ``new``."""

    old: str
    new: str
    changes: list[Change] = field(default_factory=list)
    #: set when there was nothing to compare against (the spec is new at the ref)
    skipped: str | None = None
    unused_allowed: list[str] = field(default_factory=list)

    @property
    def failing(self) -> list[Change]:
        """Breaking and possibly breaking changes the allow-list does not name."""
        return [change for change in self.changes if change.severity != COMPATIBLE and not change.allowed]

    def as_json(self) -> dict[str, Any]:
        counts = dict.fromkeys((BREAKING, POSSIBLY_BREAKING, COMPATIBLE), 0)
        for change in self.changes:
            counts[change.severity] += 1
        return {
            "old": self.old,
            "new": self.new,
            "ok": not self.failing,
            "skipped": self.skipped,
            "counts": {**counts, "allowed": sum(change.allowed for change in self.changes)},
            "changes": [change.as_json() for change in self.changes],
            "unused_allowed": self.unused_allowed,
        }


def read_allow_list(path: Path) -> set[str]:
    """Change ids, one a line; blank lines and ``#`` comments are skipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise SpecError(Diagnostic(f"cannot read the allow-list: {error.strerror or error}", path)) from None
    return {line.split("#", 1)[0].strip() for line in text.splitlines()} - {""}


def _allow(report: DiffReport, allowed: set[str]) -> DiffReport:
    report.changes = [
        replace(change, allowed=True) if change.id in allowed and change.severity != COMPATIBLE else change
        for change in report.changes
    ]
    report.unused_allowed = sorted(allowed - {change.id for change in report.changes})
    return report


def diff_specs(old: Path, new: Path, *, allowed: set[str] | None = None, old_label: str | None = None) -> DiffReport:
    """Compare the spec at ``old`` with the one at ``new``."""
    before = load_protocol(old, shared_schemas=False)
    after = load_protocol(new, shared_schemas=False)
    report = DiffReport(old_label or display_path(old), display_path(new), compare_protocols(before, after))
    return _allow(report, allowed or set())


def diff_against_ref(spec: Path, ref: str, *, allowed: set[str] | None = None) -> DiffReport:
    """Compare the spec as it was at git ``ref`` with the spec on disk."""
    with tempfile.TemporaryDirectory(prefix="beeflow-websocket-") as folder:
        try:
            old = export_at_ref(spec, ref, Path(folder))
        except SpecMissingAtRefError as missing:
            return DiffReport(
                f"{ref}:{missing}", display_path(spec), skipped=f"{missing} does not exist at {ref}: nothing to compare"
            )
        try:
            return diff_specs(old, spec, allowed=allowed, old_label=f"{ref}:{display_path(spec)}")
        except SpecError as error:
            raise SpecError([_at_ref(item, Path(folder), ref) for item in error.diagnostics]) from None


def _at_ref(diagnostic: Diagnostic, folder: Path, ref: str) -> Diagnostic:
    """Point a diagnostic about a file of the exported copy at ``REF:path`` (the copy is deleted)."""
    if diagnostic.file is None or not diagnostic.file.resolve().is_relative_to(folder.resolve()):
        return diagnostic
    relative = diagnostic.file.resolve().relative_to(folder.resolve()).as_posix()
    return replace(diagnostic, file=Path(f"{ref}:{relative}"))
