"""``check`` and a no-op ``generate`` answer from the manifest; each command loads only what it needs.

The manifest (``_generated/manifest.json``) holds the hashes of the spec's files and of every
generated file, the options and the generator's version. While all of them match, ``check`` and
``generate`` render nothing; any drift (the schema, a referenced file, an option, a generated file)
falls back to the full comparison, which shows the diff.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .helpers import BASE, cli, run_python, write_spec

#: Loaded only to render: the model generator, the templates, the TypeScript emitter.
MODEL_WRITER = "beeflow_websocket_codegen.python.pydantic_source"
RENDERING = (MODEL_WRITER, "jinja2", "beeflow_websocket_codegen.python.emitter")


def _generated(tmp_path: Path) -> tuple[Path, Path]:
    spec = write_spec(tmp_path, BASE)
    out = tmp_path / "app"
    result = cli("generate", spec, "--python-out", out)
    assert result.exit_code == 0, result.output
    return spec, out


def _loaded_by(tmp_path: Path, *args: str | Path) -> tuple[int, list[str]]:
    """Run the console script's ``main`` in a fresh interpreter; its exit status and which of RENDERING it loaded."""
    code = f"""
    import sys
    from beeflow_websocket_codegen.launcher import main
    try:
        status = main({[str(arg) for arg in args]!r})
    except SystemExit as exit:
        status = exit.code
    print(status or 0, *[name for name in {RENDERING!r} if name in sys.modules], file=sys.stderr)
    """
    result = run_python(code, cwd=tmp_path)
    status, *loaded = result.stderr.strip().splitlines()[-1].split()
    return int(status), loaded


def test_check_and_a_no_op_generate_render_nothing_when_nothing_changed(tmp_path: Path) -> None:
    spec, out = _generated(tmp_path)
    assert _loaded_by(tmp_path, "generate", spec, "--python-out", out) == (0, [])
    # exit 1: the stub is not implemented yet, which check still finds from the manifest alone
    assert _loaded_by(tmp_path, "check", spec, "--python-out", out) == (1, [])
    assert _loaded_by(tmp_path, "validate", spec) == (0, [])


def test_check_loads_the_generator_when_the_schema_changed(tmp_path: Path) -> None:
    spec, out = _generated(tmp_path)
    spec.write_text(BASE.replace("maxLength: 10", "maxLength: 20"))
    status, loaded = _loaded_by(tmp_path, "check", spec, "--python-out", out)
    assert (status, MODEL_WRITER in loaded) == (1, True)


def test_check_fails_on_a_schema_change_after_generate(tmp_path: Path) -> None:
    spec, out = _generated(tmp_path)
    spec.write_text(BASE.replace("maxLength: 10", "maxLength: 20"))
    result = cli("check", spec, "--python-out", out)
    assert result.exit_code == 1
    assert "+    text: Annotated[str, Field(max_length=20, min_length=1)]" in result.output.replace("StrictStr", "str")
    assert "2 generated file(s) differ from the schema" in result.output  # models.py and the manifest


def test_check_fails_when_a_referenced_file_changes(tmp_path: Path) -> None:
    write_spec(tmp_path, '{"type": "string", "maxLength": 5}\n', name="text.json")
    inline = "          text:\n            type: string\n            minLength: 1\n            maxLength: 10\n"
    spec = write_spec(tmp_path, BASE.replace(inline, "          text:\n            $ref: 'text.json'\n"))
    out = tmp_path / "app"
    assert cli("generate", spec, "--python-out", out).exit_code == 0
    (tmp_path / "text.json").write_text('{"type": "string", "maxLength": 6}\n')
    result = cli("check", spec, "--python-out", out)
    assert result.exit_code == 1
    assert "differ from the schema" in result.output


def test_check_fails_when_an_option_changes(tmp_path: Path) -> None:
    spec, out = _generated(tmp_path)
    result = cli("check", spec, "--python-out", out, "--format-assertion")
    assert result.exit_code == 1
    assert "differ from the schema" in result.output


def test_check_fails_on_a_hand_edit_even_with_the_manifest_updated_to_match_with_full(tmp_path: Path) -> None:
    """``--full`` compares what this generator renders, not what the manifest says was rendered."""
    spec, out = _generated(tmp_path)
    problems = out / "_generated" / "problems.py"
    problems.write_text(problems.read_text() + "# edited\n")
    manifest_path = out / "_generated" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["files"]["_generated/problems.py"] = hashlib.sha256(problems.read_bytes()).hexdigest()
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")

    trusting = cli("check", spec, "--python-out", out)
    assert "differ from the schema" not in trusting.output
    full = cli("check", spec, "--python-out", out, "--full")
    assert full.exit_code == 1
    assert "-# edited" in full.output
    assert "2 generated file(s) differ from the schema" in full.output  # problems.py and the manifest
