"""The fuzzer's frames over each adapter on its real server: the same verdict as in process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from tests.conformance.conftest import SERVER_KINDS
from tests.conformance.servers import Server, free_port, run_server

from .fuzzing import Tally, fuzz_frames, run_over_socket

#: One server per framework (the gunicorn and Django-on-uvicorn variants share these adapters).
ADAPTERS = ("fastapi-uvicorn", "django-daphne", "flask-werkzeug")
FRAMES = 300


@pytest.fixture(scope="module", params=ADAPTERS)
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    name: str = request.param
    kind = SERVER_KINDS[name]
    port = free_port()
    log: Path = tmp_path_factory.mktemp(name) / "server.log"
    with run_server(name, kind.argv(port), port=port, log=log, env=kind.env) as running:
        yield running


def draw_frames(count: int) -> list[str | bytes]:
    frames: list[str | bytes] = []

    @settings(max_examples=count, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(frame=fuzz_frames(raw_surrogates=False))
    def collect(frame: str | bytes) -> None:
        frames.append(frame)

    collect()
    return frames


def test_fuzzed_frames_over_the_real_server(server: Server) -> None:
    tally = Tally()
    run_over_socket(server.url, draw_frames(FRAMES), tally)
    assert server.process.poll() is None, "the server died"
    assert tally.failures() == 0, (tally.counts(), tally.examples)
    assert "Traceback" not in server.logs()
