"""Schema fidelity: the public JSON-Schema-Test-Suite through the whole path, in two dialects and
two placements.

Dialects: draft 2020-12 (the ``draft2020-12`` files; the messages say
``schemaFormat: application/schema+json;version=2020-12``) and draft-07 (the ``draft7`` files; the
messages name no format, so AsyncAPI's default, draft-07, applies).

Placements, for each test group (its schema in its own file, ``schemas/<group>.json``):

- *member*: the schema is the one (required) member ``value`` of an action's payload
  (``$ref``-ed); each test's data is sent as that member;
- *root*: the schema is the payload itself; each test whose data is an object is sent as the
  payload (frames carry objects only). Groups whose schema admits no object are left out.

The generator writes one package per dialect for all groups and both placements; each case goes
through the runtime's one-pass decode (``AsyncWebSocketTestClient``): a valid value reaches the
handler (which answers 501, not implemented), an invalid one is answered 422.

The suite is not copied into the repository: it comes from the source distribution of the
``jsonschema`` package (the version in ``uv.lock``), downloaded from PyPI once and cached.

Run ``uv run --all-extras --all-packages python -m tests.codegen.fidelity_suite`` for the tables.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import io
import json
import os
import sys
import tarfile
import tempfile
import urllib.request
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

#: The dialects run: name -> (the suite's directory, the messages' schemaFormat or None for the default).
DIALECTS = {
    "2020-12": ("draft2020-12", "application/schema+json;version=2020-12"),
    "draft-07": ("draft7", None),
}
PLACEMENTS = ("member", "root")
#: Files that cannot apply inside a payload, and why.
EXCLUDED_FILES = {
    "dynamicRef.json": "$dynamicRef/$dynamicAnchor: the generator rejects $dynamicRef (use $ref)",
    "refRemote.json": "remote $refs (http://localhost:1234/...): the generator fetches nothing from the network",
    "vocabulary.json": "custom meta-schemas with $vocabulary: payload schemas use the standard dialect",
}
_META = {
    "2020-12": "https://json-schema.org/draft/2020-12/schema",
    "draft-07": "http://json-schema.org/draft-07/schema",
}
_REMOTE_PREFIXES = ("http://localhost:1234", "https://json-schema.org/", "http://json-schema.org/")
#: Files whose every test must agree in the member placement (the core keywords).
STRICT_FILES = frozenset(
    {
        "type.json",
        "const.json",
        "enum.json",
        "required.json",
        "properties.json",
        "additionalProperties.json",
        "items.json",
        "minimum.json",
        "maximum.json",
        "exclusiveMinimum.json",
        "exclusiveMaximum.json",
        "minLength.json",
        "maxLength.json",
        "minItems.json",
        "maxItems.json",
        "minProperties.json",
        "maxProperties.json",
    }
)


def _cache_dir() -> Path:
    root = os.environ.get("BEEFLOW_FIDELITY_CACHE") or os.path.join(tempfile.gettempdir(), "beeflow-fidelity")
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


def suite_archive() -> bytes:
    """The sdist of the locked ``jsonschema`` version, from PyPI's simple index (cached; sha256 checked)."""
    wanted = version("jsonschema")
    cached = _cache_dir() / f"jsonschema-{wanted}.tar.gz"
    if cached.is_file():
        return cached.read_bytes()
    request = urllib.request.Request(
        "https://pypi.org/simple/jsonschema/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        index = json.load(response)
    [sdist] = [item for item in index["files"] if item["filename"] == f"jsonschema-{wanted}.tar.gz"]
    with urllib.request.urlopen(sdist["url"], timeout=120) as response:
        data: bytes = response.read()
    if hashlib.sha256(data).hexdigest() != sdist["hashes"]["sha256"]:
        raise OSError("the jsonschema sdist does not match its sha256 on PyPI")
    cached.write_bytes(data)
    return data


def suite_files(directory: str = "draft2020-12") -> dict[str, list[dict[str, Any]]]:
    """``json/tests/<directory>/*.json`` (not ``optional/``) by file name."""
    files: dict[str, list[dict[str, Any]]] = {}
    with tarfile.open(fileobj=io.BytesIO(suite_archive())) as archive:
        for member in archive.getmembers():
            parts = member.name.split("/")
            if parts[1:4] == ["json", "tests", directory] and len(parts) == 5 and parts[4].endswith(".json"):
                handle = archive.extractfile(member)
                assert handle is not None
                files[parts[4]] = json.loads(handle.read().decode("utf-8"))
    return dict(sorted(files.items()))


def _ids(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$id"].split("#")[0]} if isinstance(node.get("$id"), str) else set()
        return found.union(*(_ids(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_ids(item) for item in node))
    return set()


def _remote(node: Any, dialect: str, ids: set[str] | None = None) -> bool:
    """Whether the schema needs something from outside itself: a remote document, $dynamicRef, a meta-schema."""
    ids = _ids(node) if ids is None else ids
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("$dynamicRef", "$recursiveRef") and dialect == "2020-12":
                return True
            if key == "$schema" and isinstance(value, str) and value.rstrip("#") != _META[dialect]:
                return True
            remote_ref = isinstance(value, str) and value.startswith(_REMOTE_PREFIXES)
            if key == "$ref" and remote_ref and value.split("#")[0] not in ids:
                return True
            if _remote(value, dialect, ids):
                return True
    if isinstance(node, list):
        return any(_remote(item, dialect, ids) for item in node)
    return False


def excluded(file: str, group: dict[str, Any], dialect: str = "2020-12") -> str | None:
    """Why a group is left out, or ``None``."""
    if file in EXCLUDED_FILES:
        return EXCLUDED_FILES[file]
    if _remote(group["schema"], dialect):
        return "a remote $ref (meta-schema, localhost:1234), $dynamicRef or a custom meta-schema"
    return None


@dataclass
class Case:
    file: str
    group: str
    description: str
    action: str
    data: Any
    valid: bool
    placement: str = "member"


@dataclass
class Result:
    agreed: dict[str, int] = field(default_factory=dict)
    total: dict[str, int] = field(default_factory=dict)
    excluded: dict[str, int] = field(default_factory=dict)
    excluded_groups: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return sum(self.agreed.values()) / max(1, sum(self.total.values()))

    def count(self, file: str, agreed: bool, failure: str) -> None:
        self.total[file] = self.total.get(file, 0) + 1
        if agreed:
            self.agreed[file] = self.agreed.get(file, 0) + 1
        else:
            self.failures.append(failure)

    def exclude(self, file: str, tests: int, line: str) -> None:
        self.excluded[file] = self.excluded.get(file, 0) + tests
        self.excluded_groups.append(line)

    def table(self) -> str:
        lines = ["| keyword file | agreed | tests | % | excluded |", "| --- | ---: | ---: | ---: | ---: |"]
        for name in sorted(set(self.total) | set(self.excluded)):
            total = self.total.get(name, 0)
            agreed = self.agreed.get(name, 0)
            share = f"{100 * agreed / total:.1f}" if total else "-"
            lines.append(f"| {name} | {agreed} | {total} | {share} | {self.excluded.get(name, 0)} |")
        all_agreed, all_total = sum(self.agreed.values()), sum(self.total.values())
        lines.append(
            f"| **all** | {all_agreed} | {all_total} | {100 * self.rate:.2f} | {sum(self.excluded.values())} |"
        )
        return "\n".join(lines)


def _message(action: str, schema: Any, schema_format: str | None) -> dict[str, Any]:
    payload = {"schemaFormat": schema_format, "schema": schema} if schema_format else schema
    return {"name": action, "payload": payload}


def build(root: Path, dialect: str = "2020-12") -> tuple[Path, list[Case], dict[str, Result]]:
    """Write the spec (one action per group and placement) under ``root``; return it, the cases and the
    results so far (exclusions, refusals), by placement."""
    directory, schema_format = DIALECTS[dialect]
    results = {placement: Result() for placement in PLACEMENTS}
    cases: list[Case] = []
    channel_messages: dict[str, Any] = {}
    (root / "schemas").mkdir(parents=True, exist_ok=True)
    number = 0
    for file, groups in suite_files(directory).items():
        for group in groups:
            tests = group["tests"]
            objects = [test for test in tests if isinstance(test["data"], dict)]
            reason = excluded(file, group, dialect)
            if reason is not None:
                line = f"{file} | {group['description']} ({len(tests)}): {reason}"
                results["member"].exclude(file, len(tests), line)
                if objects:
                    results["root"].exclude(file, len(objects), line)
                continue
            number += 1
            name = f"g{number:04d}"
            (root / "schemas" / f"{name}.json").write_text(json.dumps(group["schema"]), encoding="utf-8")
            reference = {"$ref": f"schemas/{name}.json"}
            wrapped = {"type": "object", "required": ["value"], "properties": {"value": reference}}
            placements = {"member": (f"m{name}", wrapped, tests), "root": (f"r{name}", reference, objects)}
            for placement, (action, schema, chosen) in placements.items():
                if not chosen:
                    continue
                result = results[placement]
                message = _message(action, schema, schema_format)
                refused = _refused(root, action, message)
                if refused is not None:
                    no_object = placement == "root" and "must admit JSON objects" in refused
                    if no_object and not any(test["valid"] for test in chosen):
                        result.exclude(file, len(chosen), f"{file} | {group['description']}: admits no object")
                        continue
                    # The generator cannot read this schema: every test of the group is a disagreement.
                    for test in chosen:
                        result.count(file, False, f"{file} | {group['description']} | {test['description']}: {refused}")
                    continue
                channel_messages[action] = message
                cases.extend(
                    Case(
                        file, group["description"], test["description"], action, test["data"], test["valid"], placement
                    )
                    for test in chosen
                )
    spec = _spec(channel_messages, f"JSON-Schema-Test-Suite {dialect}")
    path = root / "asyncapi.json"
    path.write_text(json.dumps(spec, indent=1), encoding="utf-8")
    return path, cases, results


def _spec(messages: dict[str, Any], title: str = "JSON-Schema-Test-Suite") -> dict[str, Any]:
    return {
        "asyncapi": "3.0.0",
        "info": {"title": title, "version": version("jsonschema")},
        "channels": {"ws": {"address": "/ws/", "messages": messages}},
        "operations": {
            f"receive_{name}": {
                "action": "receive",
                "channel": {"$ref": "#/channels/ws"},
                "messages": [{"$ref": f"#/channels/ws/messages/{name}"}],
            }
            for name in messages
        },
    }


def _refused(root: Path, action: str, message: dict[str, Any]) -> str | None:
    """Why the generator refuses the group's schema (read and bundled alone), or ``None``."""
    from beeflow_websocket_codegen.errors import SpecError
    from beeflow_websocket_codegen.project import load_protocol

    probe = root / f"probe_{action}.json"
    probe.write_text(json.dumps(_spec({action: message})), encoding="utf-8")
    try:
        load_protocol(probe)
    except SpecError as error:
        return "refused by the generator: " + str(error.diagnostics[0]).split(": ", 1)[-1]
    finally:
        probe.unlink()
    return None


async def _run_cases(cases: list[Case], results: dict[str, Result]) -> None:
    from beeflow_websocket.testing import AsyncWebSocketTestClient

    async with AsyncWebSocketTestClient() as client:
        for index, case in enumerate(cases):
            req_id = f"00000000-0000-4000-8000-{index:012d}"
            payload = case.data if case.placement == "root" else {"value": case.data}
            frame = json.dumps({"msg_id": req_id, "req_id": req_id, "action": case.action, "payload": payload})
            await client.send_frame(frame)
            reply = client.reply(req_id)
            problem = reply.problem
            status = problem["status"] if problem is not None else 200
            if status not in (422, 501):
                raise AssertionError(f"unexpected answer to {case}: {reply.frames}")
            expected = "valid" if case.valid else "invalid"
            results[case.placement].count(
                case.file,
                (status == 501) == case.valid,
                f"{case.file} | {case.group} | {case.description}: expected {expected}",
            )


def run(root: Path, dialect: str = "2020-12") -> dict[str, Result]:
    """Generate the package of ``dialect`` under ``root`` and run every case through the runtime."""
    from beeflow_websocket_codegen.cli import app
    from typer.testing import CliRunner

    spec, cases, results = build(root, dialect)
    package = "suite_" + dialect.replace("-", "_")
    out = root / package
    generated = CliRunner().invoke(app, ["generate", str(spec), "--python-out", str(out)], catch_exceptions=False)
    if generated.exit_code != 0:
        raise AssertionError(generated.output)
    sys.path.insert(0, str(root))
    try:
        importlib.import_module(package)
        asyncio.run(_run_cases(cases, results))
    finally:
        sys.path.remove(str(root))
    return results


def run_isolated(dialect: str = "2020-12") -> dict[str, Result]:
    """:func:`run` in a fresh interpreter, so the suite's actions stay out of the caller's registry."""
    import dataclasses
    import subprocess

    repo = Path(__file__).resolve().parents[2]
    completed = subprocess.run(
        [sys.executable, "-m", "tests.codegen.fidelity_suite", "--json", dialect],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    if completed.returncode != 0:
        raise AssertionError(completed.stderr)
    data = json.loads(completed.stdout.splitlines()[-1])
    return {
        placement: Result(**{item.name: value[item.name] for item in dataclasses.fields(Result)})
        for placement, value in data.items()
    }


def _main(arguments: list[str]) -> None:
    import dataclasses

    if "--json" in arguments:
        [dialect] = [item for item in arguments if item in DIALECTS]
        with tempfile.TemporaryDirectory(prefix="beeflow-fidelity-") as directory:
            outcome = run(Path(directory), dialect)
        print(json.dumps({placement: dataclasses.asdict(result) for placement, result in outcome.items()}))
        return
    dialects = [item for item in arguments if item in DIALECTS] or list(DIALECTS)
    verbose = "-v" in arguments
    for dialect in dialects:
        for placement, result in run_isolated(dialect).items():
            print(f"\n### {dialect}, {placement} placement\n")
            print(result.table())
            if verbose:
                for failure in result.failures:
                    print("FAIL", failure)
                for group in result.excluded_groups:
                    print("EXCLUDED", group)


if __name__ == "__main__":
    _main(sys.argv[1:])
