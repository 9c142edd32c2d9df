"""``check`` and ``validate`` hold the spec's own examples to their schemas.

A failing example is an error for ``check`` (exit 1) and a warning for ``validate`` (exit 0: the
spec can still be generated from). Each failure names the file, line:column and the JSON pointer of
the offending value.
"""

from __future__ import annotations

import json
from pathlib import Path

from .helpers import BASE, REPO, cli, run_cli, write_spec
from .test_cli import _implement

SEND_EXAMPLES = """\
      examples:
        - name: fine
          payload: {text: hello, count: 2}
        - name: too-long
          payload: {text: far too long for ten, count: 2}
"""


def _with(text: str, after: str, insert: str) -> str:
    assert after in text
    return text.replace(after, after + insert, 1)


def _spec(tmp_path: Path, text: str) -> Path:
    return write_spec(tmp_path, text)


def _send_with_examples() -> str:
    return _with(BASE, "      name: chat.send\n", SEND_EXAMPLES)


def test_check_fails_on_a_bad_example_even_when_the_package_is_in_sync_and_implemented(tmp_path: Path) -> None:
    spec = _spec(tmp_path, _send_with_examples())
    out = tmp_path / "out"
    assert cli("generate", spec, "--python-out", out).exit_code == 0
    _implement(out / "chat_send.py")
    result = cli("check", spec, "--python-out", out)
    assert "in sync with" in result.output
    assert "1 example(s) do not match their schemas" in result.output
    assert result.exit_code == 1


def test_check_fails_on_a_message_example_with_its_position(tmp_path: Path) -> None:
    spec = _spec(tmp_path, _send_with_examples())
    result = run_cli("check", spec, "--python-out", tmp_path / "out", cwd=tmp_path)
    assert result.returncode == 1
    line = next(number for number, text in enumerate(spec.read_text().splitlines(), 1) if "far too long" in text)
    assert (
        f"error: asyncapi.yaml:{line}:"
        f"{spec.read_text().splitlines()[line - 1].index('text: far') + 1} "
        "#/components/messages/Send/examples/1/payload/text: message example 'too-long' does not match its schema: "
        "'far too long for ten' is too long"
    ) in result.stderr
    assert "1 example(s) do not match their schemas" in result.stderr


def test_validate_warns_and_passes(tmp_path: Path) -> None:
    spec = _spec(tmp_path, _send_with_examples())
    result = cli("validate", spec)
    assert result.exit_code == 0
    assert "warning: " in result.output
    assert "message example 'too-long' does not match its schema" in result.output
    assert "valid AsyncAPI 3.0.0 document" in result.output


def test_schema_examples_example_and_const(tmp_path: Path) -> None:
    text = _with(BASE, "            maxLength: 10\n", "            examples: [fine, this is far too long]\n")
    text = _with(text, "            minimum: 1\n", "            example: 0\n")
    text = _with(
        text,
        "      name: chat.posted\n      payload:\n        type: object\n        required: [text]\n"
        "        properties:\n          text:\n            type: string\n",
        "            const: 3\n",
    )
    result = cli("validate", _spec(tmp_path, text))
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("warning: ")]
    assert len(lines) == 3, result.output
    assert "#/components/messages/Send/payload/properties/text/examples/1: example 2 does not match" in lines[0]
    assert (
        "#/components/messages/Send/payload/properties/count/example: example does not match its schema: 0 is "
        in (lines[1])
    )
    assert (
        "#/components/messages/Posted/payload/properties/text/const: const does not match its schema: 3 is not "
        in (lines[2])
    )


def test_examples_in_a_referenced_file_point_into_that_file(tmp_path: Path) -> None:
    (tmp_path / "post.json").write_text(
        json.dumps({"type": "object", "properties": {"n": {"type": "integer", "examples": ["one"]}}}, indent=2),
        encoding="utf-8",
    )
    text = BASE.replace(
        "      payload:\n        type: object\n        required: [text]\n        properties:\n          text:\n"
        "            type: string\n",
        "      payload:\n        $ref: './post.json'\n",
    )
    result = cli("validate", _spec(tmp_path, text))
    assert "post.json:7:9 " in result.output  # the "one" item of examples
    assert "#/properties/n/examples/0: example 1 does not match its schema: 'one' is not of type 'integer'" in (
        result.output
    )


def test_each_schema_is_checked_in_its_own_dialect(tmp_path: Path) -> None:
    """uuid is a format of 2019-09 and later, not of draft-07 (AsyncAPI's default)."""
    payload = (
        "        type: object\n        properties:\n          id: {type: string, format: uuid, examples: [nope]}\n"
    )
    draft7 = BASE.replace(
        "      payload:\n        type: object\n        required: [text]\n        properties:\n          text:\n"
        "            type: string\n",
        "      payload:\n" + payload,
    )
    assert "warning" not in cli("validate", _spec(tmp_path, draft7)).output
    modern = draft7.replace(
        "      payload:\n" + payload,
        "      payload:\n        schemaFormat: application/schema+yaml;version=2020-12\n        schema:\n"
        + payload.replace("\n  ", "\n    ").replace("        type", "          type", 1),
    )
    result = cli("validate", _spec(tmp_path, modern))
    assert "example 1 does not match its schema: 'nope' is not a 'uuid'" in result.output, result.output


def test_a_bad_default_is_reported_once_by_the_bundler(tmp_path: Path) -> None:
    text = _with(BASE, "            minimum: 1\n", "            default: 0\n")
    result = cli("validate", _spec(tmp_path, text))
    assert result.exit_code == 0
    assert result.output.count("warning: ") == 1, result.output
    assert "the default does not match its schema" in result.output


def test_the_shipped_specs_have_valid_examples() -> None:
    for spec in (REPO / "examples" / "chat" / "asyncapi.yaml", REPO / "schema" / "asyncapi.yaml"):
        result = cli("validate", spec)
        assert result.exit_code == 0
        assert "warning" not in result.output, result.output
