"""The ``beeflow-websocket`` command: init, validate, generate, check, diff, docs, mock.

Exit status: 0 success, 1 a problem with the user's input (bad spec, drift, unimplemented
handlers), 2 a bug of the generator itself. No command prints a Python traceback: spec errors are
printed as ``file:line:column #/pointer: message``, and anything unexpected as one "internal error"
line (set ``BEEFLOW_WEBSOCKET_DEBUG=1`` to see the traceback).
"""

from __future__ import annotations

import enum
import functools
import os
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
import typer.core

from . import VERSION_LINE, __version__
from .cli_values import convert_without_pydantic
from .errors import Diagnostic, SpecError, display_path
from .output import Output, escape

if TYPE_CHECKING:
    from .config import Settings
    from .project import PythonPlan
    from .typescript.project import TypeScriptPlan

__all__ = ["app", "main"]


#: Commands whose help is escaped already (escaping twice would show the backslashes).
_ESCAPED: set[typer.core.TyperCommand | typer.core.TyperGroup] = set()


def _plain_help(command: typer.core.TyperCommand | typer.core.TyperGroup) -> None:
    """Make the help of ``command`` and its parameters render as written.

    Typer renders help through rich, which reads ``[tool.beeflow-websocket]`` as a markup tag and
    drops it; every text here is plain, so it is escaped, when the help is shown (escaping needs
    rich, which no other path of a command loads).
    """
    if command in _ESCAPED:
        return
    _ESCAPED.add(command)
    if command.help:
        command.help = escape(command.help)
    for param in command.params:
        if isinstance(param, typer.core.TyperOption | typer.core.TyperArgument) and param.help:
            param.help = escape(param.help)


def _flags_without_type(params: list[Any]) -> None:
    """Typer shows a value type for every parameter, ``<bool>`` for flags, which take no value: an empty
    metavar shows none."""
    for param in params:
        if isinstance(param, typer.core.TyperOption) and param.is_flag:
            param.metavar = ""


def _flag_without_type(option: typer.core.TyperOption | None) -> typer.core.TyperOption | None:
    if option is not None:
        option.metavar = ""
        convert_without_pydantic([option])
    return option


class _Command(typer.core.TyperCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _flags_without_type(self.params)
        convert_without_pydantic(self.params)

    def get_help_option(self, ctx: Any) -> typer.core.TyperOption | None:
        return _flag_without_type(super().get_help_option(ctx))

    def format_help(self, ctx: Any, formatter: Any) -> None:
        _plain_help(self)
        super().format_help(ctx, formatter)


class _Group(typer.core.TyperGroup):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _flags_without_type(self.params)
        convert_without_pydantic(self.params)

    def get_help_option(self, ctx: Any) -> typer.core.TyperOption | None:
        return _flag_without_type(super().get_help_option(ctx))

    def format_help(self, ctx: Any, formatter: Any) -> None:
        # The list of commands shows each command's help too.
        for command in (self, *self.commands.values()):
            if isinstance(command, typer.core.TyperCommand | typer.core.TyperGroup):
                _plain_help(command)
        super().format_help(ctx, formatter)


app = typer.Typer(
    name="beeflow-websocket",
    cls=_Group,
    help="Generate typed WebSocket code for beeflow-websocket from an AsyncAPI 3 schema.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _console(*, stderr: bool = False) -> Output:
    return Output(stderr=stderr)


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
                console.print(f"[bold red]error[/]: {escape(str(item))}")
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


def _version(value: bool) -> None:
    if value:
        _console().print(VERSION_LINE, markup=False)
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
TsOutOption = Annotated[
    Path | None,
    typer.Option(
        "--ts-out",
        help="Folder of the generated TypeScript client; a path ending in .ts writes only the payload types, "
        "in that file. Default: from the configuration.",
    ),
]
TsRuntimeOption = Annotated[
    str | None,
    typer.Option(
        "--ts-runtime",
        help="Import the TypeScript runtime from this module (e.g. @beeflow/websocket-client, installed with npm) "
        "instead of copying it into the --ts-out folder.",
    ),
]
LineLengthOption = Annotated[
    int | None, typer.Option("--line-length", help="Line length of the generated code (default 88).")
]
FormatAssertionOption = Annotated[
    bool | None,
    typer.Option(
        "--format-assertion/--no-format-assertion",
        help="Check 'format' (uuid, date-time, ...) with typed fields instead of treating it as an annotation "
        "(default: off, or format-assertion in the configuration).",
    ),
]

AllowOption = Annotated[
    Path | None,
    typer.Option(
        "--allow",
        help="File of change ids (one a line, # comments) whose breaks are intended: they do not fail the command.",
        dir_okay=False,
    ),
]


class ReportFormat(enum.StrEnum):
    human = "human"
    json = "json"


FormatOption = Annotated[
    ReportFormat,
    typer.Option(
        "--format",
        help="Report format of the change check: human (default) or json (for a pull-request comment).",
    ),
]


@app.command(cls=_Command)
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
    if report.python_out is not None:
        module = report.python_out.removeprefix("src/").replace("/", ".")
        console.print(f"python-out = {report.python_out} (imported as {module})", markup=False)
    console.print("next: beeflow-websocket generate", markup=False)


@app.command(cls=_Command)
@_guard
def validate(spec: Annotated[Path, typer.Argument(help="The AsyncAPI 3.0/3.1 document (YAML or JSON).")]) -> None:
    """Check an AsyncAPI document: exit 0 when it can be generated from, else 1 with the errors."""
    from .examples import check_examples
    from .ir import build_protocol
    from .spec import load_spec

    workspace = load_spec(spec)
    protocol = build_protocol(workspace, spec)
    _warn([*protocol.warnings, *check_examples(spec, (workspace, protocol))])
    _console().print(
        f"{display_path(spec)}: valid AsyncAPI {protocol.asyncapi} document: "
        f"{len(protocol.actions)} action(s), {len(protocol.events)} event(s), {len(protocol.problems)} problem(s), "
        f"{len(protocol.schemas)} model(s)",
        markup=False,
    )


@app.command(cls=_Command)
@_guard
def generate(
    spec: SpecArgument = None,
    python_out: OutOption = None,
    config: ConfigOption = None,
    line_length: LineLengthOption = None,
    force: Annotated[bool, typer.Option("--force", help="Regenerate even when nothing changed.")] = False,
    format_assertion: FormatAssertionOption = None,
    ts_out: TsOutOption = None,
    ts_runtime: TsRuntimeOption = None,
) -> None:
    """Write the Python package (your handler modules are only created) and/or the TypeScript client."""
    from .config import Overrides, load_settings

    started = time.perf_counter()
    given = Overrides(spec, python_out, line_length, format_assertion, ts_out, ts_runtime)
    settings = load_settings(given, config=config)
    from .project import plan_generate

    console = _console()
    # All or nothing: both outputs are rendered and checked before either is written.
    python_plan = plan_generate(settings, force=force) if settings.python_out is not None else None
    ts_plan = None
    if settings.ts_out is not None:
        from .typescript.project import plan_typescript

        ts_plan = plan_typescript(settings, force=force)
    _warn([*(python_plan.warnings if python_plan else ()), *(ts_plan.warnings if ts_plan else ())])
    if python_plan is not None:
        _generate_python(python_plan, started, console)
    if ts_plan is not None:
        _generate_typescript(ts_plan, console)


def _warn(warnings: Iterable[Diagnostic]) -> None:
    """Print each warning about the spec once, on stderr."""
    console = _console(stderr=True)
    for text in dict.fromkeys(str(item) for item in warnings):
        console.print(f"[yellow]warning[/]: {escape(text)}")


def _generate_python(plan: PythonPlan, started: float, console: Output) -> None:
    from .project import write_generated

    report = write_generated(plan)
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
    for path in report.orphans:
        console.print(
            f"warning: {display_path(path)} handles an action that is no longer in the schema; delete it or "
            "restore the action",
            markup=False,
        )


def _generate_typescript(plan: TypeScriptPlan, console: Output) -> None:
    from .typescript.project import write_typescript

    started = time.perf_counter()
    report = write_typescript(plan)
    elapsed = time.perf_counter() - started
    for path in report.written:
        console.print(f"wrote   {display_path(path)}", markup=False)
    state = (
        "up to date" if not report.written else f"{len(report.written)} file(s) written, {report.unchanged} unchanged"
    )
    console.print(f"{display_path(report.out)}: TypeScript {state} ({elapsed:.2f}s)", markup=False)
    for path in report.stale:
        console.print(f"warning: {display_path(path)} was generated earlier and is no longer: delete it", markup=False)


@app.command(cls=_Command)
@_guard
def check(
    spec: SpecArgument = None,
    python_out: OutOption = None,
    config: ConfigOption = None,
    line_length: LineLengthOption = None,
    format_assertion: FormatAssertionOption = None,
    ts_out: TsOutOption = None,
    ts_runtime: TsRuntimeOption = None,
    against: Annotated[
        str | None,
        typer.Option(
            "--against",
            help="Also compare the spec with itself at this git ref (e.g. HEAD~1, origin/main): exit 1 on changes "
            "that break deployed clients.",
        ),
    ] = None,
    allow: AllowOption = None,
    output_format: FormatOption = ReportFormat.human,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Render the Python package and the TypeScript client in memory and compare every file, even when "
            "the record of the last generate shows that nothing changed since.",
        ),
    ] = False,
) -> None:
    """Exit 1 when generated files are out of date (shows the diff), actions are unimplemented or the spec's examples
    break their schemas. Writes nothing."""
    from .config import Overrides, load_settings

    given = Overrides(spec, python_out, line_length, format_assertion, ts_out, ts_runtime)
    settings = load_settings(given, config=config, need_output=against is None)
    # With --format json, stdout carries the JSON report alone; the other checks write to stderr.
    out = _console(stderr=output_format is ReportFormat.json)
    ok = True
    if against is not None:
        ok = _check_against(settings.spec, against, allow, output_format, out)
    ok = _check_examples(settings.spec) and ok
    if settings.python_out is not None:
        ok = _check_python(settings, out, full=full) and ok
    if settings.ts_out is not None:
        ok = _check_typescript(settings, out, full=full) and ok
    if not ok:
        raise typer.Exit(1)


def _check_examples(spec: Path) -> bool:
    from .examples import check_examples

    failures = check_examples(spec)
    console = _console(stderr=True)
    for failure in failures:
        console.print(f"[bold red]error[/]: {escape(str(failure))}")
    if failures:
        console.print(f"{len(failures)} example(s) do not match their schemas", markup=False)
    return not failures


def _check_against(spec: Path, ref: str, allow: Path | None, output_format: ReportFormat, out: Output) -> bool:
    from .diff import diff_against_ref, read_allow_list
    from .diff.render import print_human, to_json

    report = diff_against_ref(spec, ref, allowed=read_allow_list(allow) if allow is not None else None)
    if output_format == "json":
        sys.stdout.write(to_json(report))
    else:
        print_human(report, out.console)
    return not report.failing


def _check_typescript(settings: Settings, out: Output, *, full: bool) -> bool:
    from .typescript.project import check_typescript

    report = check_typescript(settings, full=full)
    for diff in report.diffs.values():
        out.print(diff.rstrip("\n"), markup=False)
    for path in report.stale:
        out.print(f"warning: {display_path(path)} was generated earlier and is no longer: delete it", markup=False)
    if not report.ok:
        out.print(
            f"{len(report.diffs)} generated TypeScript file(s) differ from the schema: run beeflow-websocket generate",
            markup=False,
        )
        return False
    out.print(f"{display_path(report.out)}: in sync with {display_path(settings.spec)}", markup=False)
    return True


def _check_python(settings: Settings, out: Output, *, full: bool) -> bool:
    from .project import check as run

    report = run(settings, full=full)
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
        return False
    out.print(
        f"{display_path(report.out)}: in sync with {display_path(settings.spec)}, every action implemented",
        markup=False,
    )
    return True


@app.command("diff", cls=_Command)
@_guard
def diff_command(
    old: Annotated[Path, typer.Argument(help="The earlier version of the AsyncAPI document.")],
    new: Annotated[Path, typer.Argument(help="The later version of the AsyncAPI document.")],
    allow: AllowOption = None,
    output_format: FormatOption = ReportFormat.human,
) -> None:
    """Classify every change from OLD to NEW for deployed clients; exit 1 when one may break them."""
    from .diff import diff_specs, read_allow_list
    from .diff.render import print_human, to_json

    report = diff_specs(old, new, allowed=read_allow_list(allow) if allow is not None else None)
    if output_format == "json":
        sys.stdout.write(to_json(report))
    else:
        print_human(report, _console().console)
    if report.failing:
        raise typer.Exit(1)


@app.command("docs", cls=_Command)
@_guard
def docs_command(
    spec: Annotated[Path, typer.Argument(help="The AsyncAPI 3.0/3.1 document (YAML or JSON).")],
    out: Annotated[Path, typer.Option("--out", help="Folder to write index.html into (created if needed).")],
) -> None:
    """Write a static reference page of the protocol (no JavaScript): messages, payloads, problems, examples, names."""
    from .reference import write_reference

    page = write_reference(spec, out)
    _console().print(f"wrote   {display_path(page)}", markup=False)


@app.command("mock", cls=_Command)
@_guard
def mock_command(
    spec: Annotated[Path, typer.Argument(help="The AsyncAPI 3.0/3.1 document (YAML or JSON).")],
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    problem: Annotated[
        list[str] | None,
        typer.Option(
            "--problem",
            help="ACTION=CODE: answer ACTION with its declared problem CODE instead of its replies (repeatable).",
        ),
    ] = None,
) -> None:
    """Serve the protocol from the schema alone: each action answered with its reply events (Ctrl-C stops it)."""
    import tempfile

    from .mock import build_app, plan_mock

    plan = plan_mock(spec, problem)
    console = _console()
    with tempfile.TemporaryDirectory(prefix="beeflow-websocket-mock-") as folder:
        application, unfit = build_app(plan, Path(folder))
        for action in plan.protocol.actions:
            answers = ", ".join(name for name, _ in plan.replies[action.name] if name not in unfit) or "nothing"
            if action.name in plan.problems:
                answers = f"problem {plan.problems[action.name]}"
            console.print(f"{action.name} -> {answers}", markup=False)
        for name in unfit:
            console.print(
                f"warning: the mock cannot make up a valid payload for event {name!r} and leaves it out: give its "
                "message an example",
                markup=False,
            )
        console.print(
            f"mock of {plan.protocol.title or display_path(spec)} on ws://{host}:{port}{plan.path} (Ctrl-C stops it)",
            markup=False,
        )
        import uvicorn

        uvicorn.run(application, host=host, port=port, log_level="warning")


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point."""
    try:
        return app(args=argv, prog_name="beeflow-websocket")
    except KeyboardInterrupt:  # pragma: no cover - interactive
        sys.exit(130)
