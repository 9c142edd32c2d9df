"""The core stays framework-free, and message ids are valid, unique UUIDs."""

from __future__ import annotations

import subprocess
import sys
import uuid

from beeflow_websocket.core.ids import new_msg_id

FRAMEWORKS = ("django", "channels", "fastapi", "starlette", "flask", "flask_sock", "werkzeug", "redis")


def test_core_and_testing_import_no_web_framework() -> None:
    code = (
        "import sys, importlib, pkgutil, beeflow_websocket.core as core, beeflow_websocket.testing\n"
        "for info in pkgutil.walk_packages(core.__path__, 'beeflow_websocket.core.'):\n"
        "    importlib.import_module(info.name)\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {FRAMEWORKS!r}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_message_ids_are_unique_canonical_uuids() -> None:
    ids = [new_msg_id() for _ in range(10_000)]
    assert len(set(ids)) == len(ids)
    for text in ids[::997]:
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert parsed.variant == uuid.RFC_4122


def test_forked_processes_do_not_repeat_ids() -> None:
    code = "from beeflow_websocket.core.ids import new_msg_id; print(new_msg_id())"
    first, second = (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        for _ in range(2)
    )
    assert first != second


def test_generated_code_gets_a_clear_error_from_an_old_runtime() -> None:
    import pytest

    from beeflow_websocket.core.compat import RUNTIME_API, require_runtime_api

    require_runtime_api(RUNTIME_API, package="my_app.ws")
    with pytest.raises(ImportError, match=r"my_app\.ws .* upgrade beeflow-websocket"):
        require_runtime_api(RUNTIME_API + 1, package="my_app.ws")
