"""Code generator benchmark: a spec with 1,000 messages (500 actions, 500 events).

Measures, each in a fresh process as a user would run it (``beeflow-websocket generate ...``):

1. the first generation into an empty folder (issue 13's target: at most 5 s),
2. a second run with nothing changed (target: at most 0.5 s),
3. ``check``, answered from the manifest (target: at most 1 s),
4. ``check --full`` (a full regeneration in memory, no writes).

Run with ``uv run --all-packages python benchmarks/codegen.py [--messages N]``. The spec is written
to a temporary folder: shared schemas, ``$ref``s, enums, constraints and nested objects, so the
model generator has real work to do.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml


def build_spec(messages: int) -> dict[str, Any]:
    """An AsyncAPI 3.0 document with ``messages`` messages: half actions, half reply events."""
    pairs = messages // 2
    channel_messages: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    components: dict[str, Any] = {}
    for index in range(pairs):
        action, event = f"Action{index}", f"Event{index}"
        channel_messages[action.lower()] = {"$ref": f"#/components/messages/{action}"}
        channel_messages[event.lower()] = {"$ref": f"#/components/messages/{event}"}
        components[action] = {
            "name": f"group{index % 20}.action_{index}",
            "summary": f"Action number {index}.",
            "payload": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "text"],
                "properties": {
                    "id": {"$ref": "#/components/schemas/Id"},
                    "text": {"type": "string", "minLength": 1, "maxLength": 500},
                    "count": {"type": "integer", "minimum": 0, "maximum": 100},
                    "mode": {"type": "string", "enum": ["fast", "slow", f"mode{index}"]},
                    "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 10},
                    "options": {
                        "type": "object",
                        "properties": {"flag": {"type": "boolean"}, "ratio": {"type": "number"}},
                    },
                },
            },
        }
        components[event] = {
            "name": f"group{index % 20}.event_{index}",
            "payload": {
                "type": "object",
                "required": ["id", "owner"],
                "properties": {
                    "id": {"$ref": "#/components/schemas/Id"},
                    "owner": {"$ref": "#/components/schemas/Owner"},
                    "at": {"type": "string", "format": "date-time"},
                },
            },
        }
        operations[f"receive{action}"] = {
            "action": "receive",
            "channel": {"$ref": "#/channels/ws"},
            "messages": [{"$ref": f"#/channels/ws/messages/{action.lower()}"}],
            "reply": {
                "channel": {"$ref": "#/channels/ws"},
                "messages": [{"$ref": f"#/channels/ws/messages/{event.lower()}"}],
            },
        }
        operations[f"send{event}"] = {
            "action": "send",
            "channel": {"$ref": "#/channels/ws"},
            "messages": [{"$ref": f"#/channels/ws/messages/{event.lower()}"}],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "Benchmark", "version": "1.0.0"},
        "channels": {"ws": {"address": "/ws/", "messages": channel_messages}},
        "operations": operations,
        "components": {
            "messages": components,
            "schemas": {
                "Id": {"type": "string", "format": "uuid"},
                "Owner": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["name"],
                    "properties": {"name": {"type": "string"}, "email": {"type": "string"}},
                },
            },
        },
    }


def _command() -> list[str]:
    script = Path(sys.executable).with_name("beeflow-websocket")
    return [str(script)] if script.exists() else [sys.executable, "-m", "beeflow_websocket_codegen"]


def _timed(arguments: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    result = subprocess.run([*_command(), *arguments], cwd=cwd, capture_output=True, text=True, check=False)
    return time.perf_counter() - started, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    options = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="beeflow-codegen-bench-"))
    try:
        spec = directory / "asyncapi.yaml"
        spec.write_text(yaml.safe_dump(build_spec(options.messages), sort_keys=False), encoding="utf-8")
        arguments = ["generate", str(spec), "--python-out", str(directory / "bench_api")]
        check = ["check", str(spec), "--python-out", str(directory / "bench_api")]
        rows = []
        for label, args, target in (
            ("first generation", arguments, 5.0),
            ("again, nothing changed", arguments, 0.5),
            ("check (from the manifest)", check, 1.0),
            ("check --full (in memory)", [*check, "--full"], None),
        ):
            seconds, result = _timed(args, directory)
            if label.startswith("check"):
                ok = result.returncode == 1 and "without an implementation" in result.stdout
            else:
                ok = result.returncode == 0
            if not ok:
                print(result.stdout, result.stderr, file=sys.stderr)
                return 1
            verdict = "" if target is None else f" (target <= {target} s: {'ok' if seconds <= target else 'MISSED'})"
            rows.append(f"{label:<26} {seconds:6.2f} s{verdict}")
        size = sum(path.stat().st_size for path in (directory / "bench_api").rglob("*.py"))
        print(f"beeflow-websocket generate, {options.messages} messages ({size / 1e6:.1f} MB of Python):")
        print("\n".join(rows))
        return 0
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
