"""The diff report for people (a rich table) and for machines (JSON, e.g. a pull-request comment)."""

from __future__ import annotations

import json

from rich.console import Console
from rich.markup import escape

from . import DiffReport
from .changes import BREAKING, COMPATIBLE, POSSIBLY_BREAKING

__all__ = ["print_human", "to_json"]

_STYLE = {BREAKING: "bold red", POSSIBLY_BREAKING: "yellow", COMPATIBLE: "green"}


def to_json(report: DiffReport) -> str:
    return json.dumps(report.as_json(), indent=2, ensure_ascii=False) + "\n"


def print_human(report: DiffReport, console: Console) -> None:
    if report.skipped:
        console.print(f"{report.new}: {report.skipped}", markup=False)
        return
    if not report.changes:
        console.print(f"{report.old} -> {report.new}: no changes to the protocol", markup=False)
        return
    console.print(f"{report.old} -> {report.new}", markup=False)
    for change in report.changes:
        label = change.severity + (" (allowed)" if change.allowed else "")
        where = f"{change.kind} {change.name}" + (f" {change.pointer}" if change.pointer else "")
        console.print(f"[{_STYLE[change.severity]}]{label}[/]: {escape(where)}: {escape(change.message)}")
        if change.note:
            console.print(f"  note: {change.note}", markup=False)
        if change.severity != COMPATIBLE:
            console.print(f"  id: {change.id}", markup=False)
    failing = report.failing
    for change_id in report.unused_allowed:
        console.print(f"warning: the allow-list names {change_id!r}, which is not among the changes", markup=False)
    if failing:
        console.print(
            f"{len(failing)} change(s) may break deployed clients; list their ids in an allow-list (--allow FILE) "
            "if they are intended",
            markup=False,
        )
    else:
        console.print("no change breaks deployed clients", markup=False)
