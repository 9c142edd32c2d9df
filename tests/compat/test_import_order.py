"""Registration does not depend on import order: the README's Minimal Action defined first, then the runtime.

Each case runs in a fresh interpreter, since in this one the runtime is long imported.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

MINIMAL_ACTION = '''
from collections.abc import AsyncIterator

from beeflow_websocket.core.action_registry import ActionContext, ActionRegistryMeta
from beeflow_websocket.core.events.health import HealthEvent
from beeflow_websocket.core.payloads import WebSocketActionPayload


class Health(metaclass=ActionRegistryMeta, name="health"):
    """Handle a health-check WebSocket action."""

    async def execute(
        self,
        message: WebSocketActionPayload,
        context: ActionContext,
    ) -> AsyncIterator[HealthEvent]:
        """Yield a response event for the current WebSocket connection."""
        yield HealthEvent(
            recipient="websocket",
            recipient_id=context.websocket_id,
            req_id=message.req_id,
        )
'''

CHECK = """
import asyncio

from beeflow_websocket.core.action_registry import ActionRegistryMeta
from beeflow_websocket.testing import AsyncWebSocketTestClient


async def main() -> None:
    assert ActionRegistryMeta.get("health") is Health, ActionRegistryMeta.get("health")
    async with AsyncWebSocketTestClient(completion=False) as client:
        reply = await client.request("health")
    [event] = reply.frames
    assert event["event"] == "health" and event["req_id"] == reply.req_id, event
    print("answered", event["payload"])


asyncio.run(main())
"""


def run(tmp_path: Path, source: str) -> subprocess.CompletedProcess[str]:
    app = tmp_path / "app_module.py"
    app.write_text(textwrap.dedent(source))
    return subprocess.run(
        [sys.executable, str(app)],
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "runtime_import",
    [
        "import beeflow_websocket.fastapi",
        "import beeflow_websocket.flask",
        "import beeflow_websocket.testing",
        "import beeflow_websocket.core.dispatcher",
        "from beeflow_websocket.core.actions.health import Health as BuiltinHealth",
    ],
)
@pytest.mark.parametrize("order", ["application first", "runtime first"])
def test_the_application_health_answers_whichever_is_imported_first(
    tmp_path: Path, runtime_import: str, order: str
) -> None:
    if order == "application first":
        source = MINIMAL_ACTION + "\n" + runtime_import + "\n" + CHECK
    else:
        source = runtime_import + "\n" + MINIMAL_ACTION + "\n" + CHECK
    result = run(tmp_path, source)
    assert result.returncode == 0, result.stderr
    assert "answered {'status': 'ok'}" in result.stdout


def test_two_application_classes_with_one_name_are_still_an_error_naming_both(tmp_path: Path) -> None:
    source = MINIMAL_ACTION.replace("class Health(", "class FirstHealth(") + "\nimport beeflow_websocket.testing\n"
    source += MINIMAL_ACTION.replace("class Health(", "class SecondHealth(")
    result = run(tmp_path, source)
    assert result.returncode == 1
    assert "DuplicateRegistrationError" in result.stderr
    assert "FirstHealth" in result.stderr
    assert "SecondHealth" in result.stderr


def test_an_application_event_and_recipient_defined_first_keep_their_names(tmp_path: Path) -> None:
    source = """
    from beeflow_websocket.core.event_registry import EventRegistryMeta
    from beeflow_websocket.core.payloads import WebSocketEventPayload
    from beeflow_websocket.core.recipient_registry import RecipientRegistryMeta


    class HealthEvent(metaclass=EventRegistryMeta, name="health"):
        async def emit(self) -> WebSocketEventPayload:
            raise NotImplementedError


    class Direct(metaclass=RecipientRegistryMeta, name="websocket"):
        async def resolve(self, recipient_id: str) -> tuple[str, ...]:
            return (recipient_id,)


    import beeflow_websocket.testing

    assert EventRegistryMeta.registry["health"] is HealthEvent
    assert RecipientRegistryMeta.registry["websocket"] is Direct
    print("kept")
    """
    result = run(tmp_path, source)
    assert result.returncode == 0, result.stderr
    assert "kept" in result.stdout
