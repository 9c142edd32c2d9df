"""``check`` and a no-op ``generate`` answer from the manifest; each command loads only what it needs.

The manifest (``_generated/manifest.json``) holds the hashes of the spec's files and of every
generated file, the options and the generator's version. While all of them match, ``check`` and
``generate`` render nothing; any drift (the schema, a referenced file, an option, a generated file)
falls back to the full comparison, which shows the diff.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from beeflow_websocket_codegen.config import Settings
from beeflow_websocket_codegen.typescript import last_run
from beeflow_websocket_codegen.typescript.last_run import cache_folder, fingerprint

from .helpers import BASE, cli, run_python, write_spec

#: Loaded only to render: the model generator, the templates, the Python and TypeScript emitters.
MODEL_WRITER = "beeflow_websocket_codegen.python.pydantic_source"
TS_EMITTER = "beeflow_websocket_codegen.typescript.emitter"
RENDERING = (MODEL_WRITER, "jinja2", "beeflow_websocket_codegen.python.emitter", TS_EMITTER)
#: Loaded by no command that answers at once: pydantic (the runtime's validator is not needed to
#: read a spec), typer's pydantic conversions, rich (for plain lines).
START_UP = ("pydantic", "typer._adapters", "rich")
#: Loaded only to read the spec: its parser and the JSON Schema validator.
SPEC = ("yaml", "jsonschema")
WATCHED = (*RENDERING, *START_UP, *SPEC, "typer")


def _generated(tmp_path: Path, *, ts: bool = False) -> tuple[Path, Path]:
    spec = write_spec(tmp_path, BASE)
    out = tmp_path / "app"
    result = cli("generate", spec, "--python-out", out, *(("--ts-out", tmp_path / "web") if ts else ()))
    assert result.exit_code == 0, result.output
    return spec, out


def _run(tmp_path: Path, *args: str | Path) -> tuple[int, list[str], str]:
    """Run the console script's ``main`` in a fresh interpreter: its exit status, which of WATCHED it
    loaded, and what it printed (stdout, then stderr)."""
    code = f"""
    import sys
    from beeflow_websocket_codegen.launcher import main
    try:
        status = main({[str(arg) for arg in args]!r})
    except SystemExit as exit:
        status = exit.code
    print(status or 0, *[name for name in {WATCHED!r} if name in sys.modules], file=sys.stderr)
    """
    result = run_python(code, cwd=tmp_path)
    *printed, last = result.stderr.strip().splitlines()
    status, *loaded = last.split()
    return int(status), loaded, result.stdout + "".join(f"{line}\n" for line in printed)


def _loaded_by(tmp_path: Path, *args: str | Path) -> tuple[int, list[str]]:
    """The exit status of ``main(args)`` in a fresh interpreter, and which of RENDERING it loaded."""
    status, loaded, _ = _run(tmp_path, *args)
    return status, [name for name in loaded if name in RENDERING]


def test_check_and_a_no_op_generate_render_nothing_when_nothing_changed(tmp_path: Path) -> None:
    spec, out = _generated(tmp_path)
    assert _loaded_by(tmp_path, "generate", spec, "--python-out", out) == (0, [])
    # exit 1: the stub is not implemented yet, which check still finds from the manifest alone
    assert _loaded_by(tmp_path, "check", spec, "--python-out", out) == (1, [])
    assert _loaded_by(tmp_path, "validate", spec) == (0, [])


def test_each_command_loads_only_what_it_needs(tmp_path: Path) -> None:
    spec, out = _generated(tmp_path, ts=True)
    outputs = ("--python-out", out, "--ts-out", tmp_path / "web")
    assert _run(tmp_path, "--version")[:2] == (0, [])
    assert _run(tmp_path, "generate", spec, *outputs)[:2] == (0, ["typer"])
    status, loaded, _ = _run(tmp_path, "validate", spec)
    assert (status, [name for name in loaded if name not in SPEC]) == (0, ["typer"])
    # exit 1: the stub is not implemented yet; the spec is read to check its examples
    status, loaded, _ = _run(tmp_path, "check", spec, *outputs)
    assert (status, [name for name in loaded if name not in SPEC]) == (1, ["typer"])


def test_a_no_op_typescript_generate_says_what_a_full_one_says(tmp_path: Path) -> None:
    """Its warnings about the spec too, answered from the record of the last run."""
    spec = write_spec(tmp_path, BASE.replace("minLength: 1\n", "minLength: 1\n            prefixItems: []\n", 1))
    web = tmp_path / "web"
    assert cli("generate", spec, "--ts-out", web).exit_code == 0
    full = _run(tmp_path, "generate", spec, "--ts-out", web, "--force")
    answered = _run(tmp_path, "generate", spec, "--ts-out", web)
    assert (full[0], TS_EMITTER in full[1]) == (0, True)
    assert (answered[0], TS_EMITTER in answered[1]) == (0, False)
    seconds = re.compile(r"\(\d+\.\d\ds\)")
    assert seconds.sub("(s)", answered[2]) == seconds.sub("(s)", full[2])
    assert "'prefixItems' is not a keyword of JSON Schema draft-07" in answered[2]
    assert answered[2].count("warning: ") == 1


def test_typescript_renders_again_on_a_change_or_when_asked(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, BASE)
    web = tmp_path / "web"
    assert cli("generate", spec, "--ts-out", web).exit_code == 0
    models = web / "models.ts"
    generated = models.read_text()
    models.write_text(generated + "// edited\n")
    status, loaded, printed = _run(tmp_path, "generate", spec, "--ts-out", web)
    assert (status, TS_EMITTER in loaded) == (0, True)
    assert "wrote   web/models.ts" in printed
    assert models.read_text() == generated
    for args in (("generate", "--force"), ("check", "--full")):
        status, loaded, _ = _run(tmp_path, args[0], spec, "--ts-out", web, args[1])
        assert (status, TS_EMITTER in loaded) == (0, True)
    spec.write_text(BASE.replace("count:", "amount:"))
    status, loaded, printed = _run(tmp_path, "check", spec, "--ts-out", web)
    assert (status, TS_EMITTER in loaded) == (1, True)
    assert "1 generated TypeScript file(s) differ from the schema" in printed
    status, loaded, printed = _run(tmp_path, "generate", spec, "--ts-out", web, "--line-length", "100")
    assert (status, TS_EMITTER in loaded) == (0, True)
    assert "wrote   web/models.ts" in printed


def test_a_no_op_typescript_generate_still_reports_stale_files(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, BASE)
    web = tmp_path / "web"
    assert cli("generate", spec, "--ts-out", web).exit_code == 0
    (web / "old.ts").write_text("// Generated by beeflow-websocket-codegen 0.1.0, do not edit.\n")
    status, loaded, printed = _run(tmp_path, "generate", spec, "--ts-out", web)
    assert (status, TS_EMITTER in loaded) == (0, False)
    assert "warning: web/old.ts was generated earlier and is no longer: delete it" in printed


def test_an_unreadable_record_renders_as_before(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, BASE)
    web = tmp_path / "web"
    assert cli("generate", spec, "--ts-out", web).exit_code == 0
    (record,) = cache_folder().glob("typescript-*.json")
    record.write_text("{not json")
    status, loaded, printed = _run(tmp_path, "generate", spec, "--ts-out", web)
    assert (status, TS_EMITTER in loaded) == (0, True)
    assert "web: TypeScript up to date" in printed
    assert json.loads(record.read_text())["files"]  # written anew


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


def test_the_record_is_that_of_one_generator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An edited generator (in a checkout, where the version stays the same) renders again."""
    folder = tmp_path / "generator"
    folder.mkdir()
    source = folder / "emitter.py"
    source.write_text("one")
    first = fingerprint("1.0", [folder])
    assert fingerprint("1.0", [folder]) == first
    source.write_text("other")
    assert fingerprint("1.0", [folder]) != first
    assert fingerprint("1.1", [folder]) != fingerprint("1.0", [folder])

    spec = write_spec(tmp_path, BASE)
    web = tmp_path / "web"
    assert cli("generate", spec, "--ts-out", web).exit_code == 0
    settings = Settings(spec, None, ts_out=web)
    assert last_run.unchanged(settings) is not None
    monkeypatch.setattr(last_run, "generator_fingerprint", lambda: "another generator")
    assert last_run.unchanged(settings) is None
