"""Keywords the schema's dialect does not have are ignored, as its validators do, with a warning.

AsyncAPI's default dialect is draft-07: ``prefixItems`` or ``unevaluatedProperties`` written there
check nothing. The user most likely meant draft 2020-12, so the generator says where, which keyword,
and how to declare the dialect. Annotations and ``x-`` extensions check nothing in any dialect:
no warning for them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import cli, write_spec

SPEC = """\
asyncapi: 3.0.0
info: {title: Dialects, version: 1.0.0}
channels:
  ws:
    address: /ws/
    messages:
      send: {$ref: '#/components/messages/Send'}
operations:
  receiveSend:
    action: receive
    channel: {$ref: '#/channels/ws'}
    messages: [{$ref: '#/channels/ws/messages/send'}]
components:
  messages:
    Send:
      name: send
      payload:
PAYLOAD
"""

MEMBER = """\
        type: object
        properties:
          pair:
            type: array
            prefixItems: [{type: integer}, {type: string}]
"""


def _generate(tmp_path: Path, payload: str) -> tuple[int, str]:
    spec = write_spec(tmp_path, SPEC.replace("PAYLOAD\n", payload))
    result = cli("generate", spec, "--python-out", tmp_path / "dialects_api")
    return result.exit_code, result.output


def _warnings(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("warning")]


def test_a_2020_12_keyword_in_a_draft_07_schema_is_named_with_the_fix(tmp_path: Path) -> None:
    code, output = _generate(tmp_path, MEMBER)
    assert code == 0, output
    warnings = _warnings(output)
    assert len(warnings) == 1, output
    (warning,) = warnings
    assert "asyncapi.yaml:22:13 #/components/messages/Send/payload/properties/pair/prefixItems:" in warning
    assert "'prefixItems' is not a keyword of JSON Schema draft-07" in warning
    assert "ignored" in warning
    assert "$schema: https://json-schema.org/draft/2020-12/schema" in warning
    assert "schemaFormat: application/schema+json;version=2020-12" in warning


@pytest.mark.parametrize(
    "keyword", ["dependentRequired: {a: [b]}", "unevaluatedProperties: false", "minContains: 1", "$anchor: here"]
)
def test_each_2020_12_keyword_is_named(tmp_path: Path, keyword: str) -> None:
    code, output = _generate(tmp_path, f"        type: object\n        {keyword}\n")
    assert code == 0, output
    name = keyword.split(":", 1)[0]
    assert f"#/components/messages/Send/payload/{name}: '{name}' is not a keyword of JSON Schema draft-07" in output


def test_no_warning_once_the_dialect_is_declared(tmp_path: Path) -> None:
    declared = "        $schema: https://json-schema.org/draft/2020-12/schema\n" + MEMBER
    code, output = _generate(tmp_path, declared)
    assert code == 0, output
    assert _warnings(output) == []
    by_format = "        schemaFormat: application/schema+json;version=2020-12\n        schema:\n" + "".join(
        "  " + line + "\n" for line in MEMBER.splitlines()
    )
    code, output = _generate(tmp_path / "format", by_format)
    assert code == 0, output
    assert _warnings(output) == []


def test_no_warning_for_annotations_and_extensions(tmp_path: Path) -> None:
    payload = """\
        type: object
        x-internal: true
        example: {name: a}
        externalDocs: {url: 'https://example.com'}
        properties:
          name: {type: string, $comment: a name, x-order: 1, writeOnly: true, deprecated: true}
"""
    code, output = _generate(tmp_path, payload)
    assert code == 0, output
    assert _warnings(output) == []
    # draft-04 has no examples, contentMediaType or contentEncoding; they are annotations in any case
    draft_04 = """\
        schemaFormat: application/schema+json;version=draft-04
        schema:
          type: object
          examples: [{}]
          properties:
            blob: {type: string, contentMediaType: image/png, contentEncoding: base64}
"""
    code, output = _generate(tmp_path / "draft-04", draft_04)
    assert code == 0, output
    assert _warnings(output) == []


def test_a_check_beside_a_ref_in_draft_07_is_named_with_the_fix(tmp_path: Path) -> None:
    payload = """\
        type: object
        properties:
          level:
            $ref: '#/components/messages/Send/payload/definitions/level'
            description: how loud
            default: low
            maxLength: 3
          alias: {$ref: '#/components/messages/Send/payload/definitions/alias'}
        definitions:
          level: {type: string, enum: [low, high]}
          alias:
            $ref: '#/components/messages/Send/payload/definitions/level'
            definitions: {unused: {type: string}}
"""
    code, output = _generate(tmp_path, payload)
    assert code == 0, output
    warnings = _warnings(output)
    assert len(warnings) == 1, output  # annotations and definitions beside a $ref are no surprise
    (warning,) = warnings
    assert "asyncapi.yaml:24:13 #/components/messages/Send/payload/properties/level/maxLength:" in warning
    assert "'maxLength' beside '$ref' is ignored in JSON Schema draft-07" in warning
    assert "allOf" in warning
    assert "$schema: https://json-schema.org/draft/2020-12/schema" in warning
    models = (tmp_path / "dialects_api" / "_generated" / "models.py").read_text(encoding="utf-8")
    assert "= Level.LOW" in models  # the default beside the $ref is used
