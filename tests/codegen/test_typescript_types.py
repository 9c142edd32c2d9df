"""TypeScript types that are no stricter than their schemas, whatever annotations they carry.

- Annotations (the runtime's one list, ``ANNOTATION_KEYWORDS``: ``example``, ``externalDocs``,
  ``writeOnly``, ... and ``x-`` extensions) say nothing about a type: a component that only refers
  to another one beside them is that type, under its own name (no ``Address = Address2``).
- ``patternProperties`` constrains only the keys that match its patterns: the members another
  ``allOf`` branch declares need not fit its index signature.
"""

from __future__ import annotations

import json
from pathlib import Path

from .helpers import cli, write_spec
from .test_typescript import STRICT, _tsc

SPEC = """\
asyncapi: 3.0.0
info: {title: Types, version: 1.0.0}
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
  schemas:
    Address:
      $schema: https://json-schema.org/draft/2020-12/schema
      $ref: './address.json'
      example: {street: Main}
      externalDocs: {url: 'https://example.com/address'}
      writeOnly: true
      x-internal: true
    Code:
      type: string
      example: A-1
      x-order: 1
    Named:
      type: object
      properties:
        name: {type: string}
    Flags:
      type: object
      required: [name]
      properties:
        name: {type: string}
        count: {type: integer}
      patternProperties:
        '^x-': {type: boolean}
    Tagged:
      allOf:
        - {type: object, required: [name], properties: {name: {type: string}, size: {type: integer}}}
        - {type: object, patternProperties: {'^x-': {type: boolean}}}
    NamedTagged:
      allOf:
        - $ref: '#/components/schemas/Named'
        - {type: object, patternProperties: {'^x-': {type: boolean}}}
  messages:
    Send:
      name: send
      payload:
        type: object
        properties:
          address: {$ref: '#/components/schemas/Address'}
          code: {$ref: '#/components/schemas/Code'}
          flags: {$ref: '#/components/schemas/Flags'}
          tagged: {$ref: '#/components/schemas/Tagged'}
          namedTagged: {$ref: '#/components/schemas/NamedTagged'}
"""

#: Values each schema accepts: the compiler must accept them too (and two it refuses).
USAGE = """\
import type { Address, Code, Flags, NamedTagged, Tagged } from "./api/models";

export const address: Address = { street: "Main" };
export const code: Code = "A-1";
export const flags: Flags = { name: "a", count: 1, "x-on": true };
export const tagged: Tagged = { name: "a", size: 2, "x-on": true };
export const namedTagged: NamedTagged = { name: "a", "x-on": false };

// Still typed: values the schemas refuse are refused.
// @ts-expect-error a list is none of the member types
export const badFlags: Flags = { name: "a", "x-on": [] };
// @ts-expect-error name is a string
export const badTagged: Tagged = { name: 1 };
"""


def _generate(tmp_path: Path) -> str:
    spec = write_spec(tmp_path, SPEC)
    (tmp_path / "address.json").write_text(
        json.dumps({"type": "object", "properties": {"street": {"type": "string"}}}), encoding="utf-8"
    )
    result = cli("generate", spec, "--ts-out", tmp_path / "api")
    assert result.exit_code == 0, result.output
    return (tmp_path / "api" / "models.ts").read_text(encoding="utf-8")


def test_annotations_beside_a_type_or_a_ref_leave_the_type_alone(tmp_path: Path) -> None:
    models = _generate(tmp_path)
    assert "export type Code = string;" in models
    assert "export interface Address {\n  street?: string;\n}" in models
    assert "Address2" not in models


def test_values_the_schemas_accept_compile_with_tsc_strict(tmp_path: Path) -> None:
    _generate(tmp_path)
    (tmp_path / "usage.ts").write_text(USAGE, encoding="utf-8")
    config = tmp_path / "tsconfig.json"
    files = [str(tmp_path / "api" / "index.ts"), str(tmp_path / "usage.ts")]
    config.write_text(json.dumps({"compilerOptions": STRICT, "files": files}), encoding="utf-8")
    compiled = _tsc("-p", config, cwd=tmp_path)
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
