"""Every bad spec is reported with its file, line, column and JSON pointer, and exits 1 without a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .helpers import BASE, cli, write_spec

POSTED_PAYLOAD = (
    "      payload:\n        type: object\n        required: [text]\n"
    "        properties:\n          text:\n            type: string\n"
)

# (case id, replacements applied to BASE (old, new), expected text, expected "asyncapi.yaml:LINE:COLUMN" or None)
YAML_CASES = [
    ("invalid-yaml", [("  title: Base", "  title: [Base")], "invalid YAML", "asyncapi.yaml:4:"),
    (
        "duplicate-key",
        [("  version: 1.0.0", "  version: 1.0.0\n  version: 2.0.0")],
        "found the key 'version' twice",
        "asyncapi.yaml:5:3",
    ),
    ("asyncapi-2", [("asyncapi: 3.0.0", "asyncapi: 2.6.0")], "Convert the document", "asyncapi.yaml:1:1"),
    ("asyncapi-4", [("asyncapi: 3.0.0", "asyncapi: 4.0.0")], "3.0.x and 3.1.x", "asyncapi.yaml:1:1"),
    ("version-number", [("asyncapi: 3.0.0", "asyncapi: 3.0")], "as a string", "asyncapi.yaml:1:1"),
    ("openapi", [("asyncapi: 3.0.0", "openapi: 3.1.0")], "an OpenAPI document", None),
    (
        "missing-info-version",
        [("  version: 1.0.0\n", "")],
        "missing required key 'version' in an Info Object",
        "asyncapi.yaml:2:1",
    ),
    ("missing-action", [("    action: receive\n", "")], "missing required key 'action'", "asyncapi.yaml:14:3"),
    (
        "misspelled-key",
        [("      name: chat.send\n      payload:", "      name: chat.send\n      paylod:")],
        "did you mean 'payload'?",
        "asyncapi.yaml:35:7",
    ),
    (
        "wrong-action",
        [("    action: receive", "    action: recieve")],
        "expected one of 'send', 'receive'",
        "asyncapi.yaml:15:5",
    ),
    (
        "wrong-type",
        [("      name: chat.send", "      name: 7")],
        "expected a string, found a number",
        "asyncapi.yaml:34:7",
    ),
    (
        "dangling-ref",
        [("$ref: '#/channels/ws/messages/send'", "$ref: '#/channels/ws/messages/sned'")],
        "dangling $ref",
        "asyncapi.yaml:19:9",
    ),
    (
        "missing-file",
        [("        $ref: '#/components/messages/Send'", "        $ref: './nowhere.yaml#/Send'")],
        "does not exist",
        "asyncapi.yaml:10:9",
    ),
    (
        "remote-ref",
        [("        $ref: '#/components/messages/Send'", "        $ref: 'https://example.com/send.yaml'")],
        "only local files",
        "asyncapi.yaml:10:9",
    ),
    (
        "duplicate-wire-name",
        [("      name: chat.posted", "      name: chat.send"), ("    action: send\n", "    action: receive\n")],
        "duplicate action name 'chat.send'",
        "asyncapi.yaml:",
    ),
    (
        "payload-not-object",
        [
            (
                "        type: object\n        additionalProperties: false\n        required: [text]",
                "        type: string\n        required: [text]",
            )
        ],
        "must admit JSON objects",
        "asyncapi.yaml:35:7",
    ),
    (
        "payload-array",
        [
            (
                POSTED_PAYLOAD,
                "      payload:\n        type: array\n",
            )
        ],
        "admits values of type array only",
        None,
    ),
    (
        "schema-format-avro",
        [
            (
                POSTED_PAYLOAD,
                "      payload:\n        schemaFormat: application/vnd.apache.avro;version=1.9.0\n"
                "        schema:\n          type: record\n",
            )
        ],
        "(Avro) is not supported",
        "asyncapi.yaml:",
    ),
    (
        "schema-format-raml",
        [
            (
                POSTED_PAYLOAD,
                "      payload:\n        schemaFormat: application/raml+yaml;version=1.0\n"
                "        schema:\n          type: string\n",
            )
        ],
        "(RAML) is not supported",
        None,
    ),
    (
        "message-not-in-channel",
        [
            ("      - $ref: '#/channels/ws/messages/send'", "      - $ref: '#/components/messages/Orphan'"),
            ("  messages:\n    Send:", "  messages:\n    Orphan:\n      payload:\n        type: object\n    Send:"),
        ],
        "does not carry",
        "asyncapi.yaml:19:",
    ),
    (
        "invalid-json-schema",
        [("            minLength: 1", "            minLength: -1")],
        "invalid JSON Schema",
        "asyncapi.yaml:42:13",
    ),
    (
        "invalid-json-schema-type",
        [("            type: string\n            minLength: 1", "            type: strin\n            minLength: 1")],
        "invalid JSON Schema",
        "asyncapi.yaml:41:13",
    ),
    ("no-operations", [("operations:", "x-operations:")], "declares no operations", None),
    # A non-JSON message and a Reference Object with siblings are warnings now: see test_real_world.py.
    (
        "content-type-everywhere",
        [("info:", "defaultContentType: application/xml\ninfo:")],
        "contentType 'application/xml' is not JSON",
        "asyncapi.yaml:2:1",
    ),
    (
        "problem-status",
        [("    reply:\n", "    x-problems:\n      - {status: 200, code: nope}\n    reply:\n")],
        "status from 400 to 599",
        "asyncapi.yaml:",
    ),
    ("not-a-mapping", [(BASE, "- just\n- a list\n")], "not an AsyncAPI document", None),
    (
        "component-key",
        [("    Send:\n", "    'Send me':\n"), ("#/components/messages/Send'", "#/components/messages/Send me'")],
        "may contain only letters",
        "asyncapi.yaml:",
    ),
    (
        "dynamic-ref",
        [
            ("            minLength: 1", "            $dynamicRef: '#meta'"),
            (
                "        type: object\n        additionalProperties: false",
                "        $schema: https://json-schema.org/draft/2020-12/schema\n"
                "        type: object\n        additionalProperties: false",
            ),
        ],
        "$dynamicRef is not supported",
        "asyncapi.yaml:43:13",
    ),
]


def _spec(tmp_path: Path, replacements: list[tuple[str, str]]) -> Path:
    text = BASE
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    return write_spec(tmp_path, text)


@pytest.mark.parametrize(
    ("replacements", "expected", "where"), [case[1:] for case in YAML_CASES], ids=[case[0] for case in YAML_CASES]
)
def test_bad_yaml_specs_are_reported_with_their_place(
    tmp_path: Path, replacements: list[tuple[str, str]], expected: str, where: str | None
) -> None:
    spec = _spec(tmp_path, replacements)
    for command in (["validate", spec], ["generate", spec, "--python-out", tmp_path / "out"]):
        result = cli(*command)
        assert result.exit_code == 1, result.output
        assert expected in result.output
        assert "Traceback" not in result.output
        assert "internal error" not in result.output
        if where is not None:
            assert where in result.output
    assert not (tmp_path / "out").exists()


def test_invalid_json_names_line_and_column(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, '{\n  "asyncapi": "3.0.0",\n  "info": {"title": "x",}\n}\n', "asyncapi.json")
    result = cli("validate", spec)
    assert result.exit_code == 1
    assert "invalid JSON" in result.output
    assert "asyncapi.json:3:" in result.output


def test_json_positions_point_into_json_files(tmp_path: Path) -> None:
    document = {"asyncapi": "3.0.0", "info": {"title": "x", "version": "1", "licence": {"name": "MIT"}}}
    spec = write_spec(tmp_path, json.dumps(document, indent=2), "asyncapi.json")
    result = cli("validate", spec)
    assert result.exit_code == 1
    assert "asyncapi.json:6:5 #/info/licence" in result.output
    assert "did you mean 'license'?" in result.output


def test_errors_in_referenced_files_name_that_file(tmp_path: Path) -> None:
    write_spec(
        tmp_path,
        "Send:\n  name: chat.send\n  payload:\n    type: object\n    properties:\n      a: {type: 5}\n",
        "messages.yaml",
    )
    spec = _spec(tmp_path, [("        $ref: '#/components/messages/Send'", "        $ref: './messages.yaml#/Send'")])
    result = cli("validate", spec)
    assert result.exit_code == 1
    assert "messages.yaml:6:11 #/Send/payload/properties/a/type: invalid JSON Schema" in result.output


def test_several_structural_errors_are_listed_together(tmp_path: Path) -> None:
    spec = _spec(tmp_path, [("  title: Base", "  titel: Base"), ("    action: send", "    action: sned")])
    result = cli("validate", spec)
    assert result.exit_code == 1
    assert "did you mean 'title'?" in result.output
    assert "'sned'" in result.output
    assert "errors" in result.output


def test_a_missing_spec_file_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    result = cli("validate", tmp_path / "nope.yaml")
    assert result.exit_code == 1
    assert "file not found" in result.output


def test_binary_garbage_is_reported(tmp_path: Path) -> None:
    spec = tmp_path / "asyncapi.yaml"
    spec.write_bytes(b"\xff\xfe\x00garbage")
    result = cli("validate", spec)
    assert result.exit_code == 1
    assert "expected UTF-8 text" in result.output


def test_a_self_referencing_ref_is_reported(tmp_path: Path) -> None:
    spec = _spec(
        tmp_path, [("        $ref: '#/components/messages/Send'", "        $ref: '#/channels/ws/messages/send'")]
    )
    result = cli("validate", spec)
    assert result.exit_code == 1
    assert "refers to itself" in result.output
