"""Shared fixtures: every test gets registries of its own, so test actions never leak."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from beeflow_websocket.testing import isolated_registries


@pytest.fixture(autouse=True)
def _isolated_registries() -> Iterator[None]:
    with isolated_registries():
        yield
