"""Load and soak on each adapter's real server: 1,000 connections x 100 actions, all in one group.

Every connection joins the group ``all``; ``--broadcasts`` of the actions are ``room.say`` to the
whole group (each reaches every connection), the rest ``echo``. The run checks that nothing was
lost or misrouted and that ``seq`` is gap-free on every connection (``tests/conformance/soak.py``),
then prints the figures, with the server's resident memory per connection once all are connected
(idle) and at the end of the actions (busy). ``tests/conformance/test_load.py`` runs the same at
200 x 20.

Run: ``make soak`` (or ``uv run python benchmarks/soak.py --connections 1000 --actions 100``).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conformance import soak  # noqa: E402
from tests.conformance.servers import free_port, run_server  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--actions", type=int, default=100)
    parser.add_argument("--broadcasts", type=int, default=100, help="room.say actions in all, each to every connection")
    parser.add_argument("--burst", action="store_true", help="all broadcasts at once, as the first actions")
    parser.add_argument("--server", action="append", help="only these servers (repeatable)")
    parser.add_argument("--timeout", type=float, default=300.0, help="bound on every single wait, in seconds")
    args = parser.parse_args()
    kinds = soak.soak_kinds(args.connections)
    names = args.server or sorted(kinds)
    soak.raise_fd_limit(4 * args.connections + 256)
    print(soak.REPORT_HEADER, flush=True)
    failed = False
    for name in names:
        kind = kinds[name]
        port = free_port()
        log = Path(tempfile.mkdtemp(prefix=f"soak-{name}-")) / "server.log"
        with run_server(name, kind.argv(port), port=port, log=log, env=kind.env) as server:
            url = server.url
            result = asyncio.run(
                soak.run(
                    url,
                    args.connections,
                    args.actions,
                    args.broadcasts,
                    server.process.pid,
                    args.timeout,
                    burst=args.burst,
                )
            )
        try:
            soak.check(result)
        except AssertionError as error:
            failed = True
            print(f"| {name} | FAILED: {error} |", flush=True)
            continue
        print(soak.report(name, result, args.connections, args.actions), flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
