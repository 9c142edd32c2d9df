"""Payload roots and dialects: the payload schema itself is enforced, in draft 2020-12 and draft-07.

Each case is a minimal document; its payloads are sent through the generated package and the
runtime (501: accepted, reached the unimplemented handler; 422: refused).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .fidelity_suite import _spec
from .helpers import cli, run_python

DRAFT_2020_12 = "application/schema+json;version=2020-12"

#: action -> (payload schema, schemaFormat or None for AsyncAPI's default, [(payload, accepted)])
CASES: dict[str, tuple[Any, str | None, list[tuple[dict[str, Any], bool]]]] = {
    # Keywords at the root.
    "required": ({"type": "object", "required": ["a"]}, None, [({}, False), ({"a": 1}, True)]),
    "closed": ({"type": "object", "additionalProperties": False}, None, [({"x": 1}, False), ({}, True)]),
    "patterns": (
        {"type": "object", "patternProperties": {"^x": {"type": "integer"}}},
        None,
        [({"xa": "s"}, False), ({"xa": 1, "b": "s"}, True)],
    ),
    "all_of": (
        {"type": "object", "properties": {"a": {"type": "integer"}}, "allOf": [{"required": ["a"]}]},
        None,
        [({}, False), ({"a": 1}, True)],
    ),
    "one_of": (
        {"oneOf": [{"type": "object", "required": ["x"]}, {"type": "object", "required": ["y"]}]},
        None,
        [({"x": 1}, True), ({"x": 1, "y": 2}, False), ({}, False)],
    ),
    "unevaluated": (
        {"type": "object", "properties": {"a": {"type": "integer"}}, "unevaluatedProperties": False},
        DRAFT_2020_12,
        [({"a": 1}, True), ({"a": 1, "b": 2}, False)],
    ),
    # Schemas that admit objects without saying type: object.
    "min_properties": ({"minProperties": 1}, None, [({}, False), ({"a": 1}, True)]),
    "max_properties": ({"maxProperties": 1}, None, [({"a": 1, "b": 2}, False), ({"a": 1}, True)]),
    "property_names": ({"propertyNames": {"maxLength": 2}}, None, [({"abc": 1}, False), ({"ab": 1}, True)]),
    "dependent_required": (
        {"dependentRequired": {"a": ["b"]}},
        DRAFT_2020_12,
        [({"a": 1}, False), ({"a": 1, "b": 2}, True)],
    ),
    "dependent_schemas": (
        {"dependentSchemas": {"a": {"required": ["b"]}}},
        DRAFT_2020_12,
        [({"a": 1}, False), ({"a": 1, "b": 2}, True)],
    ),
    "unevaluated_only": ({"unevaluatedProperties": False}, DRAFT_2020_12, [({"a": 1}, False), ({}, True)]),
    "dependencies": (
        {"dependencies": {"a": ["b"], "c": {"required": ["d"]}}},
        None,
        [({"a": 1}, False), ({"a": 1, "b": 2}, True), ({"c": 1}, False), ({"c": 1, "d": 2}, True)],
    ),
    "const_object": ({"const": {"a": 1}}, None, [({"a": 1.0}, True), ({"a": 2}, False)]),
    "enum_object": ({"enum": [{"a": 1}, "other"]}, None, [({"a": 1}, True), ({}, False)]),
    "array_or_object": (
        {"type": ["array", "object"], "required": ["a"]},
        None,
        [({"a": 1}, True), ({}, False)],
    ),
    "negated": ({"not": {"required": ["x"]}}, None, [({"x": 1}, False), ({"y": 1}, True)]),
    # Draft-07 (AsyncAPI's default): its own keywords, $ref overriding its siblings.
    "tuple_07": (
        {
            "type": "object",
            "properties": {"p": {"type": "array", "items": [{"type": "integer"}], "additionalItems": False}},
        },
        None,
        [({"p": [1]}, True), ({"p": ["x"]}, False), ({"p": [1, 2]}, False)],
    ),
    "tuple_open_07": (
        {"type": "object", "properties": {"p": {"items": [{"type": "integer"}]}}},
        None,
        [({"p": [1, "x"]}, True), ({"p": ["x"]}, False)],
    ),
    "ref_siblings_07": (
        {
            "type": "object",
            "definitions": {"n": {"type": "integer"}},
            "properties": {"a": {"$ref": "#/channels/ws/messages/ref_siblings_07/payload/definitions/n", "maximum": 1}},
        },
        None,
        [({"a": 5}, True), ({"a": "x"}, False)],
    ),
    "ref_type_sibling_07": (
        {"$ref": "#/channels/ws/messages/required/payload", "type": "string"},
        None,
        [({}, False), ({"a": 1}, True)],
    ),
    "anchor_07": (
        {
            "type": "object",
            "definitions": {"n": {"$id": "#num", "type": "integer"}},
            "properties": {"a": {"$ref": "#num"}},
        },
        None,
        [({"a": 1}, True), ({"a": "x"}, False)],
    ),
    "anchor_2020": (
        {
            "type": "object",
            "$defs": {"s": {"$anchor": "text", "type": "string"}},
            "properties": {"a": {"$ref": "#text"}},
        },
        DRAFT_2020_12,
        [({"a": "x"}, True), ({"a": 1}, False)],
    ),
    "ref_siblings_2020": (
        {
            "type": "object",
            "$defs": {"n": {"type": "integer"}},
            "properties": {
                "a": {"$ref": "#/channels/ws/messages/ref_siblings_2020/payload/schema/$defs/n", "maximum": 1}
            },
        },
        DRAFT_2020_12,
        [({"a": 1}, True), ({"a": 5}, False)],
    ),
    "exclusive_04": (
        {"type": "object", "properties": {"n": {"type": "number", "minimum": 1, "exclusiveMinimum": True}}},
        "application/schema+json;version=draft-04",
        [({"n": 1}, False), ({"n": 1.5}, True)],
    ),
    "ignored_in_07": (
        {"type": "object", "properties": {"p": {"prefixItems": [{"type": "integer"}]}}},
        None,
        [({"p": ["x"]}, True)],
    ),
}


def _message(name: str, schema: Any, schema_format: str | None) -> dict[str, Any]:
    return {"name": name, "payload": {"schemaFormat": schema_format, "schema": schema} if schema_format else schema}


def _generate(root: Path, messages: dict[str, Any], files: dict[str, Any] | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, content in (files or {}).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(json.dumps(content), encoding="utf-8")
    (root / "asyncapi.json").write_text(json.dumps(_spec(messages)), encoding="utf-8")
    result = cli("generate", root / "asyncapi.json", "--python-out", root / "roots_api")
    assert result.exit_code == 0, result.output
    return root


def _send(root: Path, cases: list[tuple[str, dict[str, Any], bool]]) -> list[str]:
    """The cases whose answer disagrees with the schema."""
    result = run_python(
        f"""
        import asyncio, json
        import roots_api
        from beeflow_websocket.testing import AsyncWebSocketTestClient

        async def main():
            wrong = []
            async with AsyncWebSocketTestClient() as client:
                for action, payload, accepted in json.loads({json.dumps(json.dumps(cases))}):
                    status = (await client.request(action, payload)).problem["status"]
                    if status != (501 if accepted else 422):
                        wrong.append(f"{{action}} {{json.dumps(payload)}}: {{status}}")
            print(json.dumps(wrong))

        asyncio.run(main())
        """,
        cwd=root,
    )
    assert result.returncode == 0, result.stderr
    wrong: list[str] = json.loads(result.stdout.splitlines()[-1])
    return wrong


def test_payload_roots_are_enforced_as_the_schema_and_an_object(tmp_path: Path) -> None:
    messages = {name: _message(name, schema, fmt) for name, (schema, fmt, _) in CASES.items()}
    root = _generate(tmp_path, messages)
    cases = [(name, payload, accepted) for name, (_, _, payloads) in CASES.items() for payload, accepted in payloads]
    assert _send(root, cases) == []


def test_an_exact_root_model_gets_no_extra_check(tmp_path: Path) -> None:
    schema = {"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}}}
    root = _generate(tmp_path, {"exact": _message("exact", schema, None)})
    models = (root / "roots_api" / "_generated" / "models.py").read_text(encoding="utf-8")
    assert "_SCHEMAS" not in models


def test_a_root_self_reference_admits_what_the_schema_admits(tmp_path: Path) -> None:
    files = {"schemas/tree.json": {"properties": {"foo": {"$ref": "#"}}, "additionalProperties": False}}
    root = _generate(tmp_path, {"tree": {"name": "tree", "payload": {"$ref": "schemas/tree.json"}}}, files)
    cases = [
        ("tree", {"foo": {"foo": {}}}, True),
        ("tree", {"foo": 1}, True),  # the schema admits non-objects below the root
        ("tree", {"foo": {"bar": 1}}, False),
        ("tree", {"bar": 1}, False),
    ]
    assert _send(root, cases) == []


def test_a_root_id_is_the_base_of_its_refs(tmp_path: Path) -> None:
    schema = {
        "$id": "https://example.com/root.json",
        "type": "object",
        "properties": {"a": {"$ref": "#/$defs/n"}, "b": {"$ref": "item.json"}},
        "$defs": {"n": {"type": "integer"}, "item": {"$id": "item.json", "type": "string"}},
    }
    root = _generate(tmp_path, {"ids": _message("ids", schema, DRAFT_2020_12)})
    cases = [("ids", {"a": 1, "b": "x"}, True), ("ids", {"a": "x"}, False), ("ids", {"b": 1}, False)]
    assert _send(root, cases) == []


def test_an_id_beside_a_ref_is_applied_once(tmp_path: Path) -> None:
    files = {
        "schemas/root.json": {
            "$id": "http://example.com/root.json",
            "type": "object",
            "properties": {"v": {"$ref": "sub/"}, "w": {"$ref": "#/$defs/s"}},
            "$defs": {
                "s": {"$id": "sub/", "$ref": "leaf.json"},
                "leaf": {"$id": "sub/leaf.json", "type": "integer"},
            },
        }
    }
    spec_schema = {"schemaFormat": DRAFT_2020_12, "schema": {"$ref": "schemas/root.json"}}
    root = _generate(tmp_path, {"nested": {"name": "nested", "payload": spec_schema}}, files)
    cases = [("nested", {"v": 1, "w": 2}, True), ("nested", {"v": "x"}, False), ("nested", {"w": "x"}, False)]
    assert _send(root, cases) == []


def test_a_ref_to_an_id_embedded_in_the_document_is_not_remote(tmp_path: Path) -> None:
    spec = _spec({"embedded": {"name": "embedded", "payload": {"$ref": "https://example.com/schemas/order"}}})
    spec["components"] = {
        "schemas": {
            "Order": {
                "$id": "https://example.com/schemas/order",
                "type": "object",
                "required": ["qty"],
                "properties": {"qty": {"$ref": "qty"}},
            },
            "Qty": {"$id": "https://example.com/schemas/qty", "type": "integer", "minimum": 1},
        }
    }
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "asyncapi.json").write_text(json.dumps(spec), encoding="utf-8")
    result = cli("generate", tmp_path / "asyncapi.json", "--python-out", tmp_path / "roots_api")
    assert result.exit_code == 0, result.output
    cases = [("embedded", {"qty": 2}, True), ("embedded", {"qty": 0}, False), ("embedded", {}, False)]
    assert _send(tmp_path, cases) == []


def test_a_schema_that_cannot_be_crawled_does_not_hide_the_others(tmp_path: Path) -> None:
    spec = _spec({"embedded": {"name": "embedded", "payload": {"$ref": "https://example.com/schemas/order"}}})
    spec["components"] = {
        "schemas": {
            "Odd": {"properties": {"a": {"items": "not a schema"}}},  # unused, and not a valid schema
            "Order": {"$id": "https://example.com/schemas/order", "type": "object", "required": ["qty"]},
        }
    }
    (tmp_path / "asyncapi.json").write_text(json.dumps(spec), encoding="utf-8")
    result = cli("generate", tmp_path / "asyncapi.json", "--python-out", tmp_path / "roots_api")
    assert result.exit_code == 0, result.output
    assert _send(tmp_path, [("embedded", {"qty": 1}, True), ("embedded", {}, False)]) == []


def test_an_unknown_remote_uri_is_still_refused(tmp_path: Path) -> None:
    spec = _spec({"remote": {"name": "remote", "payload": {"$ref": "https://example.com/nowhere.json"}}})
    (tmp_path / "asyncapi.json").write_text(json.dumps(spec), encoding="utf-8")
    result = cli("validate", tmp_path / "asyncapi.json")
    assert result.exit_code == 1
    assert "only local files are supported" in result.output
    assert "asyncapi.json" in result.output


@pytest.mark.parametrize(
    ("schema", "admits"),
    [
        ({"type": "string"}, "values of type string only"),
        ({"const": 1}, "a constant that is not an object"),
        ({"enum": ["a", 1]}, "enum values that are not objects"),
        ({"not": {}}, "nothing"),
        ({"anyOf": [{"type": "string"}, {"type": "array"}]}, "values of type string"),
    ],
)
def test_a_payload_that_admits_no_object_is_a_clear_error(tmp_path: Path, schema: Any, admits: str) -> None:
    spec = _spec({"bad": {"name": "bad", "payload": schema}})
    (tmp_path / "asyncapi.json").write_text(json.dumps(spec), encoding="utf-8")
    result = cli("generate", tmp_path / "asyncapi.json", "--python-out", tmp_path / "out")
    assert result.exit_code == 1
    assert "asyncapi.json" in result.output
    assert "#/channels/ws/messages/bad/payload" in result.output
    assert "must admit JSON objects" in result.output
    assert admits in result.output
    assert "Traceback" not in result.output


def test_the_typescript_of_every_admitted_root_compiles(tmp_path: Path) -> None:
    from .test_typescript import STRICT, _tsc

    messages = {name: _message(name, schema, fmt) for name, (schema, fmt, _) in CASES.items()}
    (tmp_path / "asyncapi.json").write_text(json.dumps(_spec(messages)), encoding="utf-8")
    result = cli("generate", tmp_path / "asyncapi.json", "--ts-out", tmp_path / "api")
    assert result.exit_code == 0, result.output
    models = (tmp_path / "api" / "models.ts").read_text(encoding="utf-8")
    # A payload is an object on the wire: only the object part of its schema is its type.
    assert "export type ArrayOrObjectPayload = { a: unknown; [key: string]: unknown };" in models
    assert "export type EnumObjectPayload = { a: 1 };" in models
    assert "export type NegatedPayload = { [key: string]: unknown };" in models
    # An inline Multi Format Schema Object is named after its message, as any inline payload.
    assert "export interface UnevaluatedPayload {" in models
    config = tmp_path / "tsconfig.json"
    config.write_text(
        json.dumps({"compilerOptions": STRICT, "files": [str(tmp_path / "api" / "index.ts")]}), encoding="utf-8"
    )
    compiled = _tsc("-p", config, cwd=tmp_path)
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr


def test_the_python_of_every_admitted_root_passes_mypy_strict(tmp_path: Path) -> None:
    from .helpers import mypy_strict

    messages = {name: _message(name, schema, fmt) for name, (schema, fmt, _) in CASES.items()}
    root = _generate(tmp_path, messages)
    result = mypy_strict(root / "roots_api")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_root_without_members_to_type_keeps_the_members_for_the_handler(tmp_path: Path) -> None:
    root = _generate(tmp_path, {"loose": _message("loose", {"minProperties": 1}, None)})
    result = run_python(
        """
        from roots_api._generated import models

        payload = models.LoosePayload.model_validate_json('{"a": 1, "b": [true]}')
        print(payload.model_extra, payload.model_dump())
        """,
        cwd=root,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "{'a': 1, 'b': [True]} {'a': 1, 'b': [True]}"
