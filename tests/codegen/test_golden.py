"""Golden files: one folder per schema case, ``spec/`` in and ``expected/`` out.

Set ``BEEFLOW_UPDATE_GOLDEN=1`` to rewrite ``expected/`` after an intended change, then review the
diff. Generation runs with ``--line-length 120`` so the expected files also pass the repository's
own ``ruff format --check``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from .helpers import GOLDEN, cli, tree

CASES = sorted(path.name for path in GOLDEN.iterdir() if (path / "spec").is_dir())


def _generate(case: str, tmp_path: Path) -> Path:
    shutil.copytree(GOLDEN / case / "spec", tmp_path / "spec")
    [spec] = sorted((tmp_path / "spec").glob("asyncapi.*"))
    out = tmp_path / "api"
    result = cli("generate", spec, "--python-out", out, "--line-length", "120")
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("case", CASES)
def test_generated_files_match_the_golden_files(case: str, tmp_path: Path) -> None:
    out = _generate(case, tmp_path)
    expected_dir = GOLDEN / case / "expected"
    if os.environ.get("BEEFLOW_UPDATE_GOLDEN"):
        shutil.rmtree(expected_dir, ignore_errors=True)
        shutil.copytree(out, expected_dir, ignore=shutil.ignore_patterns("__pycache__"))
    assert tree(out) == tree(expected_dir)


@pytest.mark.parametrize("case", CASES)
def test_a_second_run_writes_nothing_and_a_forced_run_is_byte_identical(case: str, tmp_path: Path) -> None:
    out = _generate(case, tmp_path)
    first = tree(out)
    [spec] = sorted((tmp_path / "spec").glob("asyncapi.*"))
    again = cli("generate", spec, "--python-out", out, "--line-length", "120")
    assert "up to date" in again.output
    forced = cli("generate", spec, "--python-out", out, "--line-length", "120", "--force")
    assert forced.exit_code == 0, forced.output
    assert "0 file(s) written, 0 created" in forced.output
    assert tree(out) == first
