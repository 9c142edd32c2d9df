"""Running the generator against a folder: write, skip when nothing changed, or check.

Generated files are rewritten only when their content changes. User files (handler modules) are
created when missing and never touched afterwards. A manifest (``_generated/manifest.json``)
records the inputs and outputs of the last run, so a ``generate`` or ``check`` with nothing changed
reads a few hashes and stops (without loading the schema, the model generator or ruff), and
handler modules whose action left the schema can be reported.
"""

from __future__ import annotations

import ast
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .config import Settings
from .errors import Diagnostic, SpecError, display_path
from .files import drift, relative_path, write_file, write_if_changed
from .python.layout import GENERATED_DIR, HEADER_MARK, MANIFEST

if TYPE_CHECKING:
    from .ir import Protocol
    from .python.emitter import PythonOutput

__all__ = [
    "CheckReport",
    "GenerateReport",
    "PythonPlan",
    "check",
    "generate",
    "load_protocol",
    "plan_generate",
    "unimplemented_actions",
    "write_generated",
]

#: What the manifest says made the files: a run of another version regenerates them.
GENERATOR = f"beeflow-websocket-codegen {__version__}"


def load_protocol(spec: Path, *, shared_schemas: bool = False) -> Protocol:
    """Load, validate and model the spec at ``spec`` (see :func:`~.ir.build_protocol` for ``shared_schemas``)."""
    from .ir import build_protocol
    from .spec import load_spec

    return build_protocol(load_spec(spec), spec, shared_schemas=shared_schemas)


def _hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class GenerateReport:
    """What a ``generate`` run did."""

    out: Path
    written: list[Path] = field(default_factory=list)
    created: list[Path] = field(default_factory=list)
    unchanged: int = 0
    up_to_date: bool = False
    orphans: list[Path] = field(default_factory=list)
    actions: int = 0
    events: int = 0


@dataclass
class CheckReport:
    """What ``check`` found; ``ok`` when nothing."""

    out: Path
    diffs: dict[Path, str] = field(default_factory=dict)
    unimplemented: list[tuple[str, str]] = field(default_factory=list)  # (action, reason)
    orphans: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.diffs and not self.unimplemented


def _manifest(settings: Settings, protocol: Protocol, output: PythonOutput, out: Path, spec: str) -> str:
    inputs = {relative_path(path, out): _hash(path.read_bytes()) for path in protocol.files}
    data = {
        "generator": GENERATOR,
        "spec": spec,
        "options": _options(settings),
        "inputs": dict(sorted(inputs.items())),
        "files": {path: _hash(text.encode()) for path, text in sorted(output.generated.items())},
        "handlers": dict(sorted(output.handler_modules.items())),
    }
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def _options(settings: Settings) -> dict[str, Any]:
    options: dict[str, Any] = {"line-length": settings.line_length}
    if settings.format_assertion:
        options["format-assertion"] = True
    return options


def _render(settings: Settings) -> tuple[Protocol, PythonOutput, dict[str, str], Path]:
    from .python.emitter import emit_python

    assert settings.python_out is not None
    out = settings.python_out
    protocol = load_protocol(settings.spec)
    spec = relative_path(settings.spec, out)
    output = emit_python(
        protocol, spec=spec, line_length=settings.line_length, format_assertion=settings.format_assertion
    )
    files = dict(output.generated)
    files[MANIFEST] = _manifest(settings, protocol, output, out, spec)
    return protocol, output, files, out


def _up_to_date(settings: Settings, out: Path) -> dict[str, Any] | None:
    """The manifest, when the last run had the same inputs, options and generator, and its files are intact."""
    try:
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("generator") != GENERATOR:
            return None
        if manifest.get("options") != _options(settings):
            return None
        if manifest.get("spec") != relative_path(settings.spec, out):
            return None
        for relative, digest in manifest["inputs"].items():
            if _hash((out / relative).read_bytes()) != digest:
                return None
        for relative, digest in manifest["files"].items():
            if _hash((out / relative).read_bytes()) != digest:
                return None
        for relative in manifest["handlers"].values():
            if not (out / relative).is_file():
                return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return dict(manifest)


def _orphans(out: Path, handler_modules: dict[str, str]) -> list[Path]:
    """Handler modules of actions that are no longer in the schema."""
    directory = out
    if not directory.is_dir():
        return []
    expected = {out / path for path in handler_modules.values()}
    found = []
    for path in sorted(directory.glob("*.py")):
        if path.name == "__init__.py" or path in expected:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if f"{GENERATED_DIR}.actions import" in text:
            found.append(path)
    return found


def _refuse_foreign(out: Path, files: dict[str, str]) -> None:
    """Never overwrite a file we did not generate (a user's ``__init__.py`` in the output folder)."""
    for relative in sorted(files):
        path = out / relative
        if relative == MANIFEST or not path.is_file():
            continue
        try:
            head = path.read_text(encoding="utf-8")[:200]
        except (OSError, UnicodeDecodeError):
            head = ""
        if HEADER_MARK not in head:
            raise SpecError(
                Diagnostic(
                    f"{display_path(path)} exists and was not generated by beeflow-websocket-codegen: it would be "
                    "overwritten. Point --python-out at a new folder (the generator owns __init__.py and "
                    f"{GENERATED_DIR}/ there; your handler modules sit next to them), or move the file away",
                    path,
                )
            )


@dataclass
class PythonPlan:
    """A rendered ``generate`` run, checked and ready to write (nothing is written yet)."""

    settings: Settings
    #: set when the last run had the same inputs: nothing to render or write
    up_to_date: GenerateReport | None = None
    protocol: Protocol | None = None
    output: PythonOutput | None = None
    files: dict[str, str] = field(default_factory=dict)

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return self.protocol.warnings if self.protocol is not None else ()


def plan_generate(settings: Settings, *, force: bool = False) -> PythonPlan:
    """Render the package and check that it can be written; write nothing.

    Every problem of the spec and of the output folder is raised here, so a caller that also
    renders the TypeScript client can refuse the run before either output is touched.
    """
    assert settings.python_out is not None
    out = settings.python_out
    if not force:
        manifest = _up_to_date(settings, out)
        if manifest is not None:
            report = GenerateReport(out, up_to_date=True, unchanged=len(manifest["files"]) + 1)
            report.orphans = _orphans(out, manifest["handlers"])
            report.actions = len(manifest["handlers"])
            return PythonPlan(settings, up_to_date=report)
    protocol, output, files, out = _render(settings)
    if out.exists() and not out.is_dir():
        raise SpecError(Diagnostic("the output path exists and is not a folder", out))
    _refuse_foreign(out, files)
    return PythonPlan(settings, protocol=protocol, output=output, files=files)


def write_generated(plan: PythonPlan) -> GenerateReport:
    """Write what :func:`plan_generate` rendered; return what was done."""
    if plan.up_to_date is not None:
        return plan.up_to_date
    assert plan.settings.python_out is not None
    assert plan.protocol is not None
    assert plan.output is not None
    out = plan.settings.python_out
    report = GenerateReport(out, actions=len(plan.protocol.actions), events=len(plan.protocol.events))
    for relative, text in plan.files.items():
        path = out / relative
        if write_if_changed(path, text):
            report.written.append(path)
        else:
            report.unchanged += 1
    for relative, text in plan.output.user.items():
        path = out / relative
        if not path.exists():
            write_file(path, text)
            report.created.append(path)
    report.orphans = _orphans(out, plan.output.handler_modules)
    return report


def generate(settings: Settings, *, force: bool = False) -> GenerateReport:
    """Write the package; return what was done."""
    return write_generated(plan_generate(settings, force=force))


def _is_not_implemented_call(node: ast.stmt) -> bool:
    if not isinstance(node, ast.Raise) or node.exc is None:
        return False
    target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
    name = target.attr if isinstance(target, ast.Attribute) else target.id if isinstance(target, ast.Name) else ""
    return name == "ActionNotImplemented"


def unimplemented_actions(out: Path, bases: dict[str, str], handler_modules: dict[str, str]) -> list[tuple[str, str]]:
    """Actions whose handler module is missing, or whose subclass does not implement ``execute``.

    ``bases`` is the generated base class of each action, by wire name.
    """
    found = []
    for name, relative in sorted(handler_modules.items()):
        base_name = bases[name]
        path = out / relative
        where = display_path(path)
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except FileNotFoundError:
            found.append((name, f"{where} is missing (run beeflow-websocket generate to create its stub)"))
            continue
        except (OSError, UnicodeDecodeError, SyntaxError, ValueError) as error:
            found.append((name, f"{where} cannot be read: {error}"))
            continue
        classes = [
            node
            for node in tree.body
            if isinstance(node, ast.ClassDef)
            and any(
                (isinstance(base, ast.Name) and base.id == base_name)
                or (isinstance(base, ast.Attribute) and base.attr == base_name)
                for base in node.bases
            )
        ]
        if not classes:
            found.append((name, f"{where} has no subclass of {base_name}"))
            continue
        methods = [
            node
            for cls in classes
            for node in cls.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == "execute"
        ]
        if not methods:
            found.append((name, f"{where}: {classes[0].name} does not override execute"))
            continue
        body = [
            statement
            for statement in methods[-1].body
            if not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant))
        ]
        if body and _is_not_implemented_call(body[0]):
            found.append((name, f"{where}: {classes[0].name}.execute still raises ActionNotImplemented"))
    return found


def _generated_bases(out: Path) -> dict[str, str]:
    """The base class of each action, by wire name, as the generated ``actions.py`` declares it."""
    tree = ast.parse((out / GENERATED_DIR / "actions.py").read_text(encoding="utf-8"))
    bases = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            for keyword in node.keywords:
                if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                    bases[str(keyword.value.value)] = node.name
    return bases


def check(settings: Settings, *, full: bool = False) -> CheckReport:
    """Compare the folder with what ``generate`` would write; write nothing.

    When the manifest shows that the last run had the same inputs, options and generator and that
    every generated file is as it wrote it, nothing is rendered: the files are what a fresh run
    would write. ``full`` renders and compares every file regardless.
    """
    assert settings.python_out is not None
    out = settings.python_out
    manifest = None if full else _up_to_date(settings, out)
    if manifest is not None:
        try:
            bases = _generated_bases(out)
        except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
            bases = {}
        handlers: dict[str, str] = manifest["handlers"]
        if set(handlers) <= set(bases):
            report = CheckReport(out)
            report.unimplemented = unimplemented_actions(out, bases, handlers)
            report.orphans = _orphans(out, handlers)
            return report
    protocol, output, files, out = _render(settings)
    report = CheckReport(out)
    for relative, text in files.items():
        path = out / relative
        difference = drift(path, text)
        if difference is not None:
            report.diffs[path] = difference
    bases = {action.name: action.base_name for action in protocol.actions}
    report.unimplemented = unimplemented_actions(out, bases, output.handler_modules)
    report.orphans = _orphans(out, output.handler_modules)
    return report
