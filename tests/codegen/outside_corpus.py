"""AsyncAPI 3 documents written by others, through the whole generator.

The documents are not copied into the repository: they come from npm packages that ship them (the
AsyncAPI CLI ships the official examples of the specification for ``asyncapi new --example``;
generator and template packages ship their test fixtures), fetched with ``npm pack`` once, checked against a
sha256 and cached (``BEEFLOW_CORPUS_CACHE``, else the system's temporary folder).

For each document ``generate`` must either succeed with code that passes ``mypy --strict`` and
``tsc --strict`` or exit 1 naming the file, the place and the reason: never exit 2, never a
traceback. The authors' message ``examples`` are the oracle: each example payload that the
message's own schema accepts (checked with ``jsonschema``) must be accepted by the generated Python
model, and a copy broken on purpose (a required member removed, a member of the wrong type) that the
schema refuses must be refused by the model too.

Run ``uv run --all-extras --all-packages python -m tests.codegen.outside_corpus`` for the table.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

#: (package, version, sha256 of the tarball, folders inside the package that hold the documents)
PACKAGES = (
    (
        "@asyncapi/cli",
        "6.2.0",
        "6597de4e7f47006696fa158685a7c2c0d73422e59d267db024fdacad8771b316",
        ("assets/examples", "assets/create-template"),
    ),
    (
        "@asyncapi/generator-components",
        "1.0.0",
        "561e0a22902391a50ef6d63329a80ca52e1e3a41680aa92a4f76e371bdc46ddd",
        ("test",),
    ),
    (
        "@asyncapi/generator-helpers",
        "1.1.0",
        "44e2a1107d569a4eed115bf572683a9a60ceb0cf137c5ca44099f1bf066d2066",
        ("test",),
    ),
    (
        "@asyncapi/markdown-template",
        "2.0.0",
        "ebf28fc2cedf862d055c96a41d1b7073ee96f576537e2be3080d0aa73b2b4ad2",
        ("test/spec",),
    ),
)
_PLACE = re.compile(r"^error: \S+?\.(?:ya?ml|json)(?::\d+:\d+)?(?: #\S*| # \(document root\))?: \S", re.MULTILINE)


def _cache_dir() -> Path:
    root = os.environ.get("BEEFLOW_CORPUS_CACHE") or os.path.join(tempfile.gettempdir(), "beeflow-corpus")
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _tarball(package: str, version: str, sha256: str) -> Path:
    """The package's tarball from the npm registry, fetched with ``npm pack`` (cached; sha256 checked)."""
    cache = _cache_dir()
    name = package.lstrip("@").replace("/", "-") + f"-{version}.tgz"
    cached = cache / name
    if not cached.is_file():
        npm = shutil.which("npm")
        if npm is None:
            raise OSError("npm is not installed")
        with tempfile.TemporaryDirectory(dir=cache) as folder:
            result = subprocess.run(
                [npm, "pack", f"{package}@{version}", "--pack-destination", folder, "--silent"],
                capture_output=True,
                text=True,
                check=False,
                timeout=300,
            )
            if result.returncode != 0:
                raise OSError(f"npm pack {package}@{version} failed: {result.stderr.strip()[-300:]}")
            os.replace(Path(folder) / name, cached)
    if hashlib.sha256(cached.read_bytes()).hexdigest() != sha256:
        cached.unlink()
        raise OSError(f"{name} does not match its recorded sha256")
    return cached


def documents() -> list[Path]:
    """Every AsyncAPI 3.x document the packages ship, extracted into the cache."""
    found: list[Path] = []
    for package, version, sha256, folders in PACKAGES:
        tarball = _tarball(package, version, sha256)
        target = tarball.with_suffix("")
        if not target.is_dir():
            with tempfile.TemporaryDirectory(dir=tarball.parent) as folder, tarfile.open(tarball) as archive:
                archive.extractall(folder, filter="data")
                os.replace(folder, target)
                os.makedirs(folder)  # TemporaryDirectory removes what it created
        for sub in folders:
            for path in sorted((target / "package" / sub).rglob("*")):
                if path.suffix in (".yml", ".yaml", ".json") and _is_asyncapi_3(path):
                    found.append(path)
    return found


def _is_asyncapi_3(path: Path) -> bool:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError):
        return False
    return isinstance(data, dict) and str(data.get("asyncapi", "")).startswith("3.")


# -- one document ----------------------------------------------------------------------------------


@dataclass
class Example:
    """One example payload of a message, with what the schema says of it and of a broken copy."""

    message: str
    model: str
    payload: Any
    broken: Any = None
    #: the schema accepts ``payload`` (only such examples are an oracle)
    valid: bool = True
    #: the schema refuses ``broken`` (None when no broken copy could be made)
    broken_invalid: bool | None = None


@dataclass
class Outcome:
    path: Path
    name: str
    exit_code: int
    output: str
    package: Path | None = None
    typescript: Path | None = None
    examples: list[Example] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        if self.exit_code == 0:
            return "clean"
        if self.exit_code == 1 and _PLACE.search(self.output) and "Traceback" not in self.output:
            return "refused"
        return "crash"

    @property
    def reason(self) -> str:
        lines = [line for line in self.output.splitlines() if line.startswith("error: ")]
        return lines[0].split(": ", 2)[-1] if lines else self.output.strip()[-200:]


def package_name(index: int, path: Path) -> str:
    """A distinct package name per document (two packages may ship files of the same name)."""
    return f"corpus_{index:02d}_" + re.sub(r"\W+", "_", path.name.lower()).strip("_")


def generate(path: Path, out: Path, name: str) -> Outcome:
    """Run the CLI on one document: a Python package and a TypeScript folder under ``out``."""
    from .helpers import cli

    package, typescript = out / "py" / name, out / "ts" / name
    result = cli("generate", path, "--python-out", package, "--ts-out", typescript)
    outcome = Outcome(path, name, result.exit_code, result.output)
    if result.exit_code == 0:
        outcome.package, outcome.typescript = package, typescript
        outcome.examples = examples(path)
    return outcome


def examples(path: Path) -> list[Example]:
    """The authors' example payloads of every message that became an action or an event."""
    from beeflow_websocket_codegen.ir import build_protocol
    from beeflow_websocket_codegen.spec import load_spec
    from jsonschema import validators  # type: ignore[import-untyped]

    workspace = load_spec(path)
    protocol = build_protocol(workspace, path)
    found: list[Example] = []
    messages = [action.message for action in protocol.actions] + [event.message for event in protocol.events]
    for message in messages:
        location = message.location
        if location.pointer is None:
            continue
        value, _, base = workspace.resolve("#" + quote(location.pointer, safe="/~"), location.uri, location)
        schema = {"$ref": f"#/$defs/{message.payload}", "$defs": protocol.schemas}
        validator = validators.validator_for(schema)(schema)
        candidates = [item["payload"] for item in value.get("examples") or [] if isinstance(item, dict)]
        for trait in value.get("traits") or []:
            trait_value, _, _ = workspace.deref(trait, location.child("traits"), base)
            if isinstance(trait_value, dict):
                candidates.extend(item["payload"] for item in trait_value.get("examples") or [] if "payload" in item)
        root = _root(protocol.schemas.get(message.payload), protocol.schemas)
        if isinstance(root, dict):
            candidates.extend(root.get("examples") or [])
            built = _from_members(root, protocol.schemas)
            if built is not None:
                candidates.append(built)
        for payload in candidates:
            example = Example(message.wire_name, message.payload, payload)
            example.valid = validator.is_valid(example.payload)
            example.broken = _broken(example.payload, root)
            if example.broken is not None:
                example.broken_invalid = not validator.is_valid(example.broken)
            found.append(example)
    return found


def _root(schema: Any, schemas: dict[str, Any]) -> Any:
    """``schema`` with ``$ref``\\s at its root followed (in the bundled ``$defs``)."""
    for _ in range(16):
        if not (isinstance(schema, dict) and isinstance(schema.get("$ref"), str)):
            break
        schema = schemas.get(schema["$ref"].rsplit("/", 1)[-1])
    return schema


def _from_members(schema: dict[str, Any], schemas: dict[str, Any]) -> Any:
    """A payload made of the authors' member examples (``examples``, ``example``, ``const``, ``enum``, ``default``)."""
    payload: dict[str, Any] = {}
    for key, member in (schema.get("properties") or {}).items():
        member = _root(member, schemas)
        if not isinstance(member, dict):
            continue
        if member.get("examples"):
            payload[key] = member["examples"][0]
        else:
            for keyword in ("example", "const", "default"):
                if keyword in member:
                    payload[key] = member[keyword]
                    break
            else:
                if member.get("enum"):
                    payload[key] = member["enum"][0]
    if not payload or any(key not in payload for key in schema.get("required") or []):
        return None
    return payload


_WRONG = {"string": 12345, "integer": "12345", "number": "1.5", "boolean": "true", "array": {}, "object": []}


def _broken(payload: Any, schema: Any) -> Any:
    """A copy of ``payload`` that its schema should refuse: a required member dropped, or one of the wrong type."""
    if not isinstance(payload, dict) or not isinstance(schema, dict):
        return None
    for key in schema.get("required") or []:
        if key in payload:
            return {name: item for name, item in payload.items() if name != key}
    for key, member in (schema.get("properties") or {}).items():
        if key in payload and isinstance(member, dict) and member.get("type") in _WRONG:
            return {**payload, key: _WRONG[member["type"]]}
    return None


_CHECK_EXAMPLES = """
import json, sys, importlib
import pydantic
results = []
for package, model, payload in json.loads(sys.stdin.read()):
    models = importlib.import_module(package + "._generated.models")
    try:
        getattr(models, model).model_validate_json(json.dumps(payload))  # as frames arrive
        results.append(True)
    except pydantic.ValidationError:
        results.append(False)
print(json.dumps(results))
"""


def check_examples(outcomes: list[Outcome], root: Path) -> list[tuple[Outcome, Example, str]]:
    """Examples where the generated model disagrees with the schema: (document, example, what went wrong)."""
    cases: list[tuple[Outcome, Example, bool]] = []
    for outcome in outcomes:
        for example in outcome.examples:
            if example.valid:
                cases.append((outcome, example, True))
                if example.broken_invalid:
                    cases.append((outcome, example, False))
    if not cases:
        return []
    accepted: list[bool] = []
    # One interpreter per package: two packages may define the same event names (one registry per process).
    for name in dict.fromkeys(outcome.name for outcome, _, _ in cases):
        payloads = [
            (name, example.model, example.payload if good else example.broken)
            for outcome, example, good in cases
            if outcome.name == name
        ]
        result = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(_CHECK_EXAMPLES)],
            input=json.dumps(payloads),
            cwd=root,
            env={**os.environ, "PYTHONPATH": str(root)},
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        if result.returncode != 0:
            raise AssertionError(f"{name}: {result.stderr[-3000:]}")
        accepted.extend(json.loads(result.stdout))
    wrong = []
    for (outcome, example, good), verdict in zip(cases, accepted, strict=True):
        if verdict != good:
            what = "the example is refused" if good else "the broken copy is accepted"
            wrong.append((outcome, example, what))
    return wrong


def run(out: Path) -> list[Outcome]:
    return [generate(path, out, package_name(index, path)) for index, path in enumerate(documents())]


def main() -> None:  # pragma: no cover - a report for people
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        outcomes = run(out)
        for outcome in outcomes:
            print(f"{outcome.verdict:8} {outcome.path.name:70} {'' if outcome.exit_code == 0 else outcome.reason}")
        counts = {verdict: sum(o.verdict == verdict for o in outcomes) for verdict in ("clean", "refused", "crash")}
        examples_total = sum(1 for o in outcomes for e in o.examples if e.valid)
        broken_total = sum(1 for o in outcomes for e in o.examples if e.valid and e.broken_invalid)
        wrong = check_examples(outcomes, out / "py")
        print(
            f"{len(outcomes)} documents: {counts['clean']} clean, {counts['refused']} refused, {counts['crash']} crash"
        )
        print(f"{examples_total} example payloads and {broken_total} broken copies checked: {len(wrong)} disagree")
        for outcome, example, what in wrong:
            print(f"  {outcome.path.name} {example.message}: {what}")


if __name__ == "__main__":  # pragma: no cover
    main()
