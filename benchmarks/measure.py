"""What the end-to-end benchmarks share: the request they send and how they read a server's CPU time."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """CPU time of a process and its descendants (gunicorn serves from a worker child)."""
    children: dict[int, list[int]] = {}
    times: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        process = int(stat.parent.name)
        children.setdefault(int(fields[1]), []).append(process)
        times[process] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    total, pending = 0.0, [pid]
    while pending:
        process = pending.pop()
        total += times.get(process, 0.0)
        pending.extend(children.get(process, ()))
    return total


def echo_frame(action: str = "bench.echo") -> str:
    """An action frame for ``bench.echo`` or ``bench.echo030`` (see ``benchmarks/apps/common.py``)."""
    payload = {"text": "hello", "count": 3, "ratio": 0.5, "flag": True, "colour": "red"}
    return json.dumps({"msg_id": str(uuid.uuid4()), "req_id": str(uuid.uuid4()), "action": action, "payload": payload})
