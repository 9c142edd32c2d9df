"""The ``beeflow-websocket`` command: init, validate, generate, check.

Exit status: 0 success, 1 a problem with the user's input (bad spec, drift, unimplemented
handlers), 2 a bug of the generator itself. No command prints a Python traceback: spec errors are
printed as ``file:line:column #/pointer: message``, and anything unexpected as one "internal error"
line (set ``BEEFLOW_WEBSOCKET_DEBUG=1`` to see the traceback).
"""

from __future__ import annotations

import functools
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console

from . import __version__
from .config import load_settings
from .errors import SpecError, display_path

__all__ = ["app", "main"]

app = typer.Typer(
    name="beeflow-websocket",
    help="Generate typed WebSocket code for beeflow-websocket from an AsyncAPI 3 schema.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _console(*, stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def _fail(message: str, code: int = 1) -> NoReturn:
    _console(stderr=True).print(message, markup=False)
    raise typer.Exit(code)


def _guard[**P, R](command: Callable[P, R]) -> Callable[P, R]:
    """Turn spec errors into diagnostics and anything else into one line, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except SpecError as error:
            console = _console(stderr=True)
            count = len(error.diagnostics)
            for item in error.diagnostics:
                console.print(f"[bold red]error[/]: {_escape(str(item))}")
            if count > 1:
                console.print(f"{count} errors", markup=False)
            raise typer.Exit(1) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except RecursionError:
            _fail("error: the schema is nested too deeply (or refers to itself without end)", 1)
        except Exception as error:
            if os.environ.get("BEEFLOW_WEBSOCKET_DEBUG"):
                raise
            _fail(
                f"internal error: {type(error).__name__}: {error}. This is a bug in beeflow-websocket-codegen "
                f"{__version__}; please report it (set BEEFLOW_WEBSOCKET_DEBUG=1 for the traceback).",
                2,
            )

    return wrapper


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _version(value: bool) -> None:
    if value:
        _console().print(f"beeflow-websocket-codegen {__version__}", markup=False)
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Generate typed WebSocket code for beeflow-websocket from an AsyncAPI 3 schema."""


ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="pyproject.toml holding [tool.beeflow-websocket] (default: the nearest one above the working directory).",
        dir_okay=False,
    ),
]
SpecArgument = Annotated[
    Path | None, typer.Argument(help="The AsyncAPI 3.0/3.1 document (YAML or JSON). Default: from the configuration.")
]
OutOption = Annotated[
    Path | None,
    typer.Option("--python-out", help="Folder of the generated Python package. Default: from the configuration."),
]
LineLengthOption = Annotated[
    int | None, typer.Option("--line-length", help="Line length of the generated code (default 88).")
]


@app.command()
@_guard
def init(
    directory: Annotated[Path, typer.Argument(help="Project folder (default: the working directory).")] = Path("."),
) -> None:
    """Scaffold schema/asyncapi.yaml (an action, its reply event, a problem) and [tool.beeflow-websocket]."""
    from .scaffold import init_project

    report = init_project(directory)
    console = _console()
    for path in report.created:
        console.print(f"created {display_path(path)}", markup=False)
    for path in report.updated:
        console.print(f"added [tool.beeflow-websocket] to {display_path(path)}", markup=False)
    for path in report.kept:
        console.print(f"kept {display_path(path)} (already there)", markup=False)
    console.print("next: beeflow-websocket generate", markup=False)


@app.command()
@_guard
def validate(spec: Annotated[Path, typer.Argument(help="The AsyncAPI 3.0/3.1 document (YAML or JSON).")]) -> None:
    """Check an AsyncAPI document: exit 0 when it can be generated from, else 1 with the errors."""
    from .project import load_protocol

    protocol = load_protocol(spec)
    _console().print(
        f"{display_path(spec)}: valid AsyncAPI {protocol.asyncapi} document: "
        f"{len(protocol.actions)} action(s), {len(protocol.events)} event(s), {len(protocol.problems)} problem(s), "
        f"{len(protocol.schemas)} model(s)",
        markup=False,
    )


@app.command()
@_guard
def generate(
    spec: SpecArgument = None,
    python_out: OutOption = None,
    config: ConfigOption = None,
    line_length: LineLengthOption = None,
    force: Annotated[bool, typer.Option("--force", help="Regenerate even when nothing changed.")] = False,
) -> None:
    """Write the Python package: generated modules are rewritten, your handler modules only created."""
    from .project import generate as run

    started = time.perf_counter()
    settings = load_settings(spec=spec, python_out=python_out, config=config, line_length=line_length)
    report = run(settings, force=force)
    console = _console()
    elapsed = time.perf_counter() - started
    if report.up_to_date:
        console.print(f"{display_path(report.out)}: up to date ({elapsed:.2f}s)", markup=False)
    else:
        for path in report.written:
            console.print(f"wrote   {display_path(path)}", markup=False)
        for path in report.created:
            console.print(f"created {display_path(path)} (yours)", markup=False)
        console.print(
            f"{display_path(report.out)}: {report.actions} action(s), {report.events} event(s); "
            f"{len(report.written)} file(s) written, {len(report.created)} created, {report.unchanged} unchanged "
            f"({elapsed:.2f}s)",
            markup=False,
        )
    if settings.ts_out is not None:
        console.print("note: ts-out is set, but TypeScript output is not available yet", markup=False)
    for path in report.orphans:
        console.print(
            f"warning: {display_path(path)} handles an action that is no longer in the schema; delete it or "
            "restore the action",
            markup=False,
        )


@app.command()
@_guard
def check(
    spec: SpecArgument = None,
    python_out: OutOption = None,
    config: ConfigOption = None,
    line_length: LineLengthOption = None,
) -> None:
    """Exit 1 when generated files are out of date (shows the diff) or actions are unimplemented. Writes nothing."""
    from .project import check as run

    settings = load_settings(spec=spec, python_out=python_out, config=config, line_length=line_length)
    report = run(settings)
    out = _console()
    for diff in report.diffs.values():
        out.print(diff.rstrip("\n"), markup=False)
    if report.diffs:
        out.print(
            f"{len(report.diffs)} generated file(s) differ from the schema: run beeflow-websocket generate",
            markup=False,
        )
    if report.unimplemented:
        out.print(f"{len(report.unimplemented)} action(s) without an implementation:", markup=False)
        for name, reason in report.unimplemented:
            out.print(f"  {name}: {reason}", markup=False)
    for path in report.orphans:
        out.print(f"warning: {display_path(path)} handles an action that is no longer in the schema", markup=False)
    if not report.ok:
        raise typer.Exit(1)
    out.print(
        f"{display_path(report.out)}: in sync with {display_path(settings.spec)}, every action implemented",
        markup=False,
    )


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point."""
    try:
        return app(args=argv, prog_name="beeflow-websocket")
    except KeyboardInterrupt:  # pragma: no cover - interactive
        sys.exit(130)
