"""The issue's fuzzing target: 100,000 fuzzed frames per adapter, each on its real server.

The frames come from the test suite's generator (``tests/hardening/fuzzing.py``: frames built from
``schema/frames/action.json`` and mutants of them, typed frames for the conformance actions,
random text and bytes, deep nesting, huge numbers, duplicate members, escaped lone surrogates,
invalid UTF-8 in binary frames, NaN and Infinity), drawn once and sent to every adapter, one frame
at a time on one connection. Prints, per adapter, the frames sent and the failures by kind (the
target is 0 for each): crashes, unexpected closes, 5xx on bad input, replies that fail
``schema/frames/``, frames without exactly one answer.

Run: ``make fuzz`` (or ``uv run python benchmarks/fuzz_adapters.py --frames 1000``).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conformance.conftest import SERVER_KINDS
from tests.conformance.servers import free_port, run_server
from tests.hardening.fuzzing import Tally, run_over_socket
from tests.hardening.test_fuzz_adapters import draw_frames

ADAPTERS = ("fastapi-uvicorn", "django-daphne", "flask-werkzeug")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=100_000, help="fuzzed frames per adapter")
    parser.add_argument("--adapters", nargs="*", default=list(ADAPTERS), choices=sorted(SERVER_KINDS))
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    started = time.perf_counter()
    frames = draw_frames(args.frames)
    drawn = time.perf_counter() - started
    results = {}
    for name in args.adapters:
        kind = SERVER_KINDS[name]
        port = free_port()
        with tempfile.TemporaryDirectory() as tmp:
            log = Path(tmp) / "server.log"
            with run_server(name, kind.argv(port), port=port, log=log, env=kind.env) as server:
                tally = Tally()
                began = time.perf_counter()
                run_over_socket(server.url, frames, tally)
                if server.process.poll() is not None:
                    tally.note("crashes", b"", f"exited with {server.process.returncode}")
                counts = tally.counts()
                counts["seconds"] = round(time.perf_counter() - began, 1)
                counts["tracebacks in the server log"] = server.logs().count("Traceback")
                results[name] = {"counts": counts, "examples": tally.examples}
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"{len(frames)} fuzzed frames drawn in {drawn:.0f} s, sent to each adapter one at a time")
    print()
    columns = list(next(iter(results.values()))["counts"])
    print("| adapter | " + " | ".join(columns) + " |")
    print("| --- |" + " ---: |" * len(columns))
    for name, result in results.items():
        print(f"| {name} | " + " | ".join(str(result["counts"][column]) for column in columns) + " |")
    for name, result in results.items():
        for example in result["examples"]:
            print(f"{name}: {example}")


if __name__ == "__main__":
    main()
