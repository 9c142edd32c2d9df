"""Command-line benchmark: each command on the chat example, in a fresh process as a user runs it.

The commands run against a copy of ``examples/chat`` (its schema, its Python package and its
TypeScript client), so ``generate`` and ``check`` find what ``make generate-examples`` left there:

- ``--version``;
- ``validate`` of the schema;
- ``generate`` with nothing changed (Python and TypeScript output), the pre-commit case, answered
  from the manifest (Python) and the record of the last run (TypeScript);
- ``check`` (Python and TypeScript), answered the same way (it still reads the spec to check its
  examples);
- ``check --full``, which renders both outputs in memory and compares every file.

The record of the TypeScript runs is kept in a cache folder inside the run's temporary folder
(``XDG_CACHE_HOME``), so a run leaves nothing behind.

The baseline is a bare interpreter start (``python -c pass``), timed alternately with the
commands in the same run: the ratio says what the command adds to starting Python. Each figure is
the median of ``--runs`` runs, warm (bytecode cached, as after ``uv sync --compile-bytecode`` or
any earlier run) and cold (no bytecode cache at all: every module, the standard library's too, is
compiled from source, as with ``PYTHONDONTWRITEBYTECODE=1`` on a fresh install). Wall time moves
with the machine's load; the CPU time (user + system) of the command's process much less, so both
are shown, and the targets are judged on the fastest warm wall time (the run least disturbed by
other work).

Run with ``uv run --all-packages python benchmarks/cli.py [--runs N]``; exit 1 when a target is
missed.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHAT = REPO / "examples" / "chat"
#: Issue 13's targets, in seconds (warm).
TARGETS = {"--version": 0.2, "validate": 0.5, "generate, nothing changed": 0.5, "check": 1.0}


def _copy_chat(directory: Path) -> Path:
    chat = directory / "chat"
    for relative in ("asyncapi.yaml", "schemas", "chat_app/ws", "web/src/api"):
        source, target = CHAT / relative, chat / relative
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target)
    return chat


def _commands(chat: Path) -> dict[str, list[str]]:
    script = str(Path(sys.executable).with_name("beeflow-websocket"))
    spec = str(chat / "asyncapi.yaml")
    outputs = [
        "--python-out",
        str(chat / "chat_app" / "ws"),
        "--ts-out",
        str(chat / "web" / "src" / "api"),
        "--line-length",
        "120",
        "--format-assertion",
    ]
    return {
        "python -c pass (baseline)": [sys.executable, "-c", "pass"],
        "--version": [script, "--version"],
        "validate": [script, "validate", spec],
        "generate, nothing changed": [script, "generate", spec, *outputs],
        "check": [script, "check", spec, *outputs],
        "check --full": [script, "check", spec, *outputs, "--full"],
    }


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _time(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``command``."""
    cpu, started = _cpu(), time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=300)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return elapsed, _cpu() - cpu


def measure(runs: int, directory: Path) -> dict[str, dict[str, float]]:
    """Per command: median wall and CPU seconds, warm and cold, and the fastest warm wall time."""
    chat = _copy_chat(directory)
    commands = _commands(chat)
    warm_env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    warm_env["XDG_CACHE_HOME"] = str(directory / "cache")
    cold_env = {**warm_env, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": str(directory / "no-cache")}
    for command in commands.values():  # fill the bytecode cache, and check that every command succeeds
        _time(command, warm_env, chat)
    samples: dict[str, dict[str, list[tuple[float, float]]]] = {name: {"warm": [], "cold": []} for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            samples[name]["warm"].append(_time(command, warm_env, chat))
            samples[name]["cold"].append(_time(command, cold_env, chat))
    medians: dict[str, dict[str, float]] = {}
    for name, row in samples.items():
        medians[name] = {"best": min(wall for wall, _ in row["warm"])}
        for kind, values in row.items():
            medians[name][kind] = statistics.median(wall for wall, _ in values)
            medians[name][f"{kind} cpu"] = statistics.median(cpu for _, cpu in values)
    return medians


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    options = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="beeflow-cli-bench-"))
    try:
        medians = measure(options.runs, directory)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    baseline = medians["python -c pass (baseline)"]
    print(f"beeflow-websocket on examples/chat, median of {options.runs} runs (load average {os.getloadavg()[0]:.1f})")
    print(
        "| command | warm: wall (s) | warm: CPU (s) | warm / python start | fastest warm (s) "
        "| cold: wall (s) | cold: CPU (s) | target |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    missed = False
    for name, row in medians.items():
        target = TARGETS.get(name)
        verdict = ""
        if target is not None:
            met = row["best"] <= target
            missed = missed or not met
            verdict = f"<= {target} s: {'met' if met else 'MISSED'}"
        print(
            f"| `{name}` | {row['warm']:.2f} | {row['warm cpu']:.2f} | {row['warm'] / baseline['warm']:.1f}x "
            f"| {row['best']:.2f} | {row['cold']:.2f} | {row['cold cpu']:.2f} | {verdict} |"
        )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
