"""Documents modelled on the official AsyncAPI 3.x examples (see ``asyncapi_examples/README.md``).

Each one either generates a package that imports and passes ``mypy --strict``, or fails with a
clear error naming what is unsupported. Never a traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import EXAMPLES, cli, mypy_strict, run_python

UNSUPPORTED = {
    "adeo_avro": "(Avro) is not supported",
    "legacy_2x": "AsyncAPI 2.6.0 is not supported",
    "remote_refs": "only local files are supported",
}
SUPPORTED = sorted(path.name for path in EXAMPLES.iterdir() if path.is_dir() and path.name not in UNSUPPORTED)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("examples")
    for name in SUPPORTED:
        result = cli("generate", EXAMPLES / name / "asyncapi.yaml", "--python-out", root / f"{name}_api")
        assert result.exit_code == 0, f"{name}: {result.output}"
    return root


@pytest.mark.parametrize(("name", "message"), sorted(UNSUPPORTED.items()))
def test_unsupported_documents_say_what_is_unsupported(name: str, message: str, tmp_path: Path) -> None:
    result = cli("generate", EXAMPLES / name / "asyncapi.yaml", "--python-out", tmp_path / "api")
    assert result.exit_code == 1
    assert message in result.output
    assert f"{name}/asyncapi.yaml:" in result.output
    assert "Traceback" not in result.output


def test_supported_documents_import_and_register(generated: Path) -> None:
    lines = [f"import {name}_api" for name in SUPPORTED]
    lines += [
        "from beeflow_websocket.core.action_registry import ActionRegistryMeta",
        "from beeflow_websocket.core.event_registry import EventRegistryMeta",
        "print(sorted(ActionRegistryMeta.registry), sorted(EventRegistryMeta.registry))",
    ]
    result = run_python(
        "\n".join(lines),
        cwd=generated,
    )
    assert result.returncode == 0, result.stderr
    assert "comment.like" in result.stdout
    assert "lightMeasured" in result.stdout
    assert "subscriptionStatus" in result.stdout


def test_supported_documents_pass_mypy_strict(generated: Path) -> None:
    result = mypy_strict(*(generated / f"{name}_api" for name in SUPPORTED))
    assert result.returncode == 0, result.stdout + result.stderr


def test_request_reply_from_the_client_side_maps_to_actions(generated: Path) -> None:
    actions = (generated / "kraken_request_reply_api" / "_generated" / "actions.py").read_text()
    events = (generated / "kraken_request_reply_api" / "_generated" / "events.py").read_text()
    # send operations are events; the replies they expect are actions the server receives
    assert 'name="subscriptionStatus"' in actions
    assert 'name="heartbeat"' in actions
    assert 'name="subscribe"' in events
