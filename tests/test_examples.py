"""The README's main command (`make demo`) runs the in-process tour and shows what it promises."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_core_demo_runs_and_prints_real_frames() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "core_demo.py")],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    frames = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    codes = [frame.get("code") for frame in frames if "status" in frame]
    assert codes == [
        "invalid_websocket_payload",
        "user_not_found",
        "unknown_websocket_action",
        "invalid_websocket_message",
    ]
    assert [frame["event"] for frame in frames if "event" in frame] == ["health", "chat.sent", "chat.message", "health"]
    assert sum("completed" in frame for frame in frames) == 2
    assert result.stderr == ""


def test_chat_demo_drives_the_generated_package() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "chat" / "demo.py")],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    frames = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [frame.get("code") for frame in frames if "status" in frame] == ["invalid_websocket_payload", "not_in_room"]
    posted = [frame for frame in frames if frame.get("event") == "chat.message_posted"]
    assert [frame["req_id"] is None for frame in posted] == [False, True]  # bob's own copy, then alice's
    assert result.stderr == ""
