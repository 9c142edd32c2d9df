"""Annotation keywords (``example``, ``externalDocs``, ``x-`` extensions, ...) add no run-time check."""

from __future__ import annotations

from pathlib import Path

from beeflow_websocket.core.constraints import is_annotation

from .helpers import cli, write_spec

SPEC = """
asyncapi: 3.0.0
info: {title: Notes, version: 1.0.0}
channels:
  ws:
    address: /ws/
    messages:
      post: {$ref: '#/components/messages/Post'}
operations:
  receivePost:
    action: receive
    channel: {$ref: '#/channels/ws'}
    messages: [{$ref: '#/channels/ws/messages/post'}]
components:
  messages:
    Post:
      name: note.post
      payload:
        type: object
        required: [text]
        properties:
          text:
            type: string
            example: hello
            examples: [hello]
            title: Text
            description: The note.
            deprecated: false
            readOnly: false
            writeOnly: false
            $comment: shown to readers only
            externalDocs: {url: 'https://example.com/notes'}
            x-internal: true
"""


def test_a_field_with_only_annotations_gets_a_plain_type_and_no_check(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, SPEC)
    outcome = cli("generate", spec, "--python-out", tmp_path / "notes")
    assert outcome.exit_code == 0, outcome.output
    models = (tmp_path / "notes" / "_generated" / "models.py").read_text(encoding="utf-8")
    assert '    text: Annotated[StrictStr, Field(description="The note.", title="Text")]\n' in models
    assert "_SCHEMAS" not in models
    assert not (tmp_path / "notes" / "_generated" / "_runtime.py").exists()


def test_extensions_and_openapi_annotations_are_annotations() -> None:
    assert all(is_annotation(keyword) for keyword in ("example", "externalDocs", "x-anything", "description"))
    assert not any(is_annotation(keyword) for keyword in ("type", "enum", "pattern", "minimum"))
