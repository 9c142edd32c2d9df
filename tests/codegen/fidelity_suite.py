"""Schema fidelity: the public JSON-Schema-Test-Suite (draft 2020-12) through the whole path.

Each test group's schema becomes the schema of the one (required) member ``value`` of an action's
payload (its own file, ``schemas/<group>.json``, referenced with ``$ref``); the generator writes one
package for all groups; each test's data is then sent as that member through the runtime's one-pass
decode (``AsyncWebSocketTestClient``): a valid value reaches the handler (which answers 501, not
implemented), an invalid one is answered 422.

The suite is not copied into the repository: it comes from the source distribution of the
``jsonschema`` package (the version in ``uv.lock``), downloaded from PyPI once and cached.

Run ``uv run --all-extras --all-packages python -m tests.codegen.fidelity_suite`` for the table.
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

#: Files that cannot apply inside a payload, and why.
EXCLUDED_FILES = {
    "dynamicRef.json": "$dynamicRef/$dynamicAnchor: the generator rejects $dynamicRef (use $ref)",
    "refRemote.json": "remote $refs (http://localhost:1234/...): the generator fetches nothing from the network",
    "vocabulary.json": "custom meta-schemas with $vocabulary: payload schemas use the standard dialect",
}
#: Groups of other files that need the same (description substrings, file).
EXCLUDED_GROUPS: dict[tuple[str, str], str] = {}
_REMOTE = ("http://localhost:1234", "https://json-schema.org/draft/2020-12/schema", "https://json-schema.org/")
#: Files whose every test must agree (the issue's 100% targets).
STRICT_FILES = frozenset(
    {
        "type.json",
        "const.json",
        "enum.json",
        "required.json",
        "properties.json",
        "additionalProperties.json",
        "items.json",
        "prefixItems.json",
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


def suite_files() -> dict[str, list[dict[str, Any]]]:
    """``json/tests/draft2020-12/*.json`` (not ``optional/``) by file name."""
    files: dict[str, list[dict[str, Any]]] = {}
    with tarfile.open(fileobj=io.BytesIO(suite_archive())) as archive:
        for member in archive.getmembers():
            parts = member.name.split("/")
            if parts[1:4] == ["json", "tests", "draft2020-12"] and len(parts) == 5 and parts[4].endswith(".json"):
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


def _remote(node: Any, ids: set[str] | None = None) -> bool:
    """Whether the schema needs something from outside itself: a remote document, $dynamicRef, a meta-schema."""
    ids = _ids(node) if ids is None else ids
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("$dynamicRef", "$recursiveRef"):
                return True
            if key == "$schema" and isinstance(value, str) and value.rstrip("#") != _REMOTE[1]:
                return True
            remote_ref = isinstance(value, str) and value.startswith(_REMOTE[::2])
            if key == "$ref" and remote_ref and value.split("#")[0] not in ids:
                return True
            if _remote(value, ids):
                return True
    if isinstance(node, list):
        return any(_remote(item, ids) for item in node)
    return False


def excluded(file: str, group: dict[str, Any]) -> str | None:
    """Why a group is left out, or ``None``."""
    if file in EXCLUDED_FILES:
        return EXCLUDED_FILES[file]
    for (name, words), reason in EXCLUDED_GROUPS.items():
        if name == file and words in group["description"]:
            return reason or "remote or URN base"
    if _remote(group["schema"]):
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


def build(root: Path) -> tuple[Path, list[Case], Result]:
    """Write the spec (one action per group) under ``root``; return it, the cases and the exclusions."""
    result = Result()
    cases: list[Case] = []
    channel_messages: dict[str, Any] = {}
    (root / "schemas").mkdir(parents=True, exist_ok=True)
    number = 0
    for file, groups in suite_files().items():
        for group in groups:
            reason = excluded(file, group)
            if reason is not None:
                result.excluded[file] = result.excluded.get(file, 0) + len(group["tests"])
                result.excluded_groups.append(f"{file} | {group['description']} ({len(group['tests'])}): {reason}")
                continue
            number += 1
            action = f"g{number:04d}"
            (root / "schemas" / f"{action}.json").write_text(json.dumps(group["schema"]), encoding="utf-8")
            message = {
                "name": action,
                "payload": {
                    "type": "object",
                    "required": ["value"],
                    "properties": {"value": {"$ref": f"schemas/{action}.json"}},
                },
            }
            refused = _refused(root, action, message)
            if refused is not None:
                # The generator cannot read this schema: every test of the group counts as a disagreement.
                for test in group["tests"]:
                    result.total[file] = result.total.get(file, 0) + 1
                    result.failures.append(f"{file} | {group['description']} | {test['description']}: {refused}")
                continue
            channel_messages[action] = message
            for test in group["tests"]:
                cases.append(Case(file, group["description"], test["description"], action, test["data"], test["valid"]))
    spec = _spec(channel_messages)
    path = root / "asyncapi.json"
    path.write_text(json.dumps(spec, indent=1), encoding="utf-8")
    return path, cases, result


def _spec(messages: dict[str, Any]) -> dict[str, Any]:
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "JSON-Schema-Test-Suite draft 2020-12", "version": version("jsonschema")},
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


async def _run_cases(cases: list[Case], result: Result) -> None:
    from beeflow_websocket.testing import AsyncWebSocketTestClient

    async with AsyncWebSocketTestClient() as client:
        for index, case in enumerate(cases):
            req_id = f"00000000-0000-4000-8000-{index:012d}"
            frame = json.dumps(
                {"msg_id": req_id, "req_id": req_id, "action": case.action, "payload": {"value": case.data}}
            )
            await client.send_frame(frame)
            reply = client.reply(req_id)
            problem = reply.problem
            status = problem["status"] if problem is not None else 200
            if status not in (422, 501):
                raise AssertionError(f"unexpected answer to {case}: {reply.frames}")
            accepted = status == 501
            result.total[case.file] = result.total.get(case.file, 0) + 1
            if accepted == case.valid:
                result.agreed[case.file] = result.agreed.get(case.file, 0) + 1
            else:
                result.failures.append(
                    f"{case.file} | {case.group} | {case.description}: expected {'valid' if case.valid else 'invalid'}"
                )


def run(root: Path) -> Result:
    """Generate the package under ``root`` and run every case through the runtime."""
    from beeflow_websocket_codegen.cli import app
    from typer.testing import CliRunner

    spec, cases, result = build(root)
    out = root / "suite_api"
    generated = CliRunner().invoke(app, ["generate", str(spec), "--python-out", str(out)], catch_exceptions=False)
    if generated.exit_code != 0:
        raise AssertionError(generated.output)
    sys.path.insert(0, str(root))
    try:
        importlib.import_module("suite_api")
        asyncio.run(_run_cases(cases, result))
    finally:
        sys.path.remove(str(root))
    return result


def run_isolated() -> Result:
    """:func:`run` in a fresh interpreter, so the suite's 300 actions stay out of the caller's registry."""
    import dataclasses
    import subprocess

    repo = Path(__file__).resolve().parents[2]
    completed = subprocess.run(
        [sys.executable, "-m", "tests.codegen.fidelity_suite", "--json"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    if completed.returncode != 0:
        raise AssertionError(completed.stderr)
    data = json.loads(completed.stdout.splitlines()[-1])
    return Result(**{item.name: data[item.name] for item in dataclasses.fields(Result)})


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="beeflow-fidelity-") as directory:
        outcome = run(Path(directory))
    if "--json" in sys.argv:
        import dataclasses

        print(json.dumps(dataclasses.asdict(outcome)))
        raise SystemExit(0)
    print(outcome.table())
    print()
    for failure in outcome.failures:
        print("FAIL", failure)
    for group in outcome.excluded_groups:
        print("EXCLUDED", group)
