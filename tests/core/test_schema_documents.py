"""The documents under ``schema/`` are well formed: valid JSON Schemas, a loadable AsyncAPI 3.0
document whose references all resolve, and a README whose problem table matches the runtime."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from referencing.exceptions import Unresolvable

from beeflow_websocket.core import problems
from beeflow_websocket.core.events.health import HealthEvent
from beeflow_websocket.core.handshake import negotiate
from tests import schema_oracle as oracle

ASYNCAPI = oracle.SCHEMA_DIR / "asyncapi.yaml"
JSON_FILES = [path.relative_to(oracle.SCHEMA_DIR).as_posix() for path in oracle.json_files()]


def _asyncapi() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(ASYNCAPI.read_text(encoding="utf-8"))
    return document


def _refs(node: Any, path: str = "#") -> list[tuple[str, str]]:
    """Every ``$ref`` in a document, with where it sits."""
    found: list[tuple[str, str]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                found.append((path, value))
            else:
                found.extend(_refs(value, f"{path}/{key}"))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            found.extend(_refs(item, f"{path}/{index}"))
    return found


def _pointer(document: Any, fragment: str) -> Any:
    target = document
    for part in filter(None, fragment.split("/")):
        part = part.replace("~1", "/").replace("~0", "~")
        target = target[int(part)] if isinstance(target, list) else target[part]
    return target


def test_every_schema_file_is_listed() -> None:
    assert JSON_FILES == [
        "frames/action.json",
        "frames/completion.json",
        "frames/defs.json",
        "frames/event.json",
        "frames/problem.json",
        "frames/session.json",
        "payloads/health-action.json",
        "payloads/health-event.json",
    ]


@pytest.mark.parametrize("relative", JSON_FILES)
def test_json_schemas_are_valid_2020_12(relative: str) -> None:
    schema = oracle.load(relative)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == oracle.BASE_ID + relative, "ids mirror the directory, so relative $refs resolve"
    assert schema["title"]
    assert schema["description"]


@pytest.mark.parametrize("relative", JSON_FILES)
def test_json_schema_refs_resolve(relative: str) -> None:
    schema = oracle.load(relative)
    resolver = oracle.registry().resolver(base_uri=schema["$id"])
    for where, ref in _refs(schema):
        try:
            resolver.lookup(ref)
        except Unresolvable as error:  # pragma: no cover - the failure message
            pytest.fail(f"{relative} {where}: $ref {ref!r} does not resolve: {error}")
        url, _ = urldefrag(ref)
        if url:
            assert (oracle.SCHEMA_DIR / Path(relative).parent / url).is_file(), f"{relative} {where}: {ref}"


@pytest.mark.parametrize("relative", JSON_FILES)
def test_examples_are_valid(relative: str) -> None:
    schema = oracle.load(relative)
    for example in schema.get("examples", []):
        assert oracle.accepts(relative, example), example


def test_health_event_payload_matches_the_runtime_event() -> None:
    event = HealthEvent(recipient="websocket", recipient_id="x")
    assert oracle.accepts("payloads/health-event.json", event.model_dump(mode="json")["payload"])
    assert not oracle.accepts("payloads/health-event.json", {"status": "down"})
    assert oracle.accepts("payloads/health-action.json", {})


def test_asyncapi_document_structure() -> None:
    document = _asyncapi()
    assert document["asyncapi"] == "3.0.0"
    assert {"title", "version", "description"} <= set(document["info"])
    assert set(document) <= {
        "asyncapi",
        "id",
        "info",
        "servers",
        "defaultContentType",
        "channels",
        "operations",
        "components",
    }
    (channel,) = document["channels"].values()
    assert channel["address"] == "/ws/"
    for word in ("beeflow.v1", "access-token", "never"):
        assert word in channel["description"]
    for name, operation in document["operations"].items():
        assert operation["action"] in {"send", "receive"}, name
        assert set(operation["channel"]) == {"$ref"}
        assert operation["messages"], name
        assert all(set(message) == {"$ref"} for message in operation["messages"])
        if "reply" in operation:
            assert operation["action"] == "receive", "replies answer actions"
            assert all(set(message) == {"$ref"} for message in operation["reply"]["messages"])
    assert set(document["components"]["schemas"]) == {
        "ActionFrame",
        "EventFrame",
        "ProblemFrame",
        "CompletionFrame",
        "SessionFrame",
    }
    for name, schema in document["components"]["schemas"].items():
        assert schema["description"], name
        assert schema["$ref"].startswith("./frames/"), name


def test_asyncapi_health_action_and_event() -> None:
    document = _asyncapi()

    def message(ref: dict[str, str]) -> dict[str, Any]:
        target: dict[str, Any] = _pointer(document, ref["$ref"].removeprefix("#"))
        while "$ref" in target:
            target = _pointer(document, target["$ref"].removeprefix("#"))
        return target

    actions = {
        message(ref)["name"]: operation
        for operation in document["operations"].values()
        if operation["action"] == "receive"
        for ref in operation["messages"]
    }
    events = {
        message(ref)["name"]
        for operation in document["operations"].values()
        if operation["action"] == "send"
        for ref in operation["messages"]
    }
    assert set(actions) == {"health"}
    assert events == {"health"}
    replies = [message(ref) for ref in actions["health"]["reply"]["messages"]]
    assert [reply["name"] for reply in replies] == ["health"]
    assert replies[0]["payload"] == {"$ref": "./payloads/health-event.json"}
    channel_messages = _pointer(document, actions["health"]["channel"]["$ref"].removeprefix("#"))["messages"]
    for ref in [*actions["health"]["messages"], *actions["health"]["reply"]["messages"]]:
        assert ref["$ref"].startswith("#/channels/"), "operation messages come from their channel"
        assert message(ref) in [message(item) for item in channel_messages.values()]


def test_asyncapi_refs_resolve() -> None:
    document = _asyncapi()
    refs = _refs(document)
    assert len(refs) >= 10
    for where, ref in refs:
        url, fragment = urldefrag(ref)
        if url:
            path = oracle.SCHEMA_DIR / url
            assert path.is_file(), f"{where}: {ref} names no file"
            target = oracle.load(path.relative_to(oracle.SCHEMA_DIR).as_posix())
        else:
            target = document
        try:
            _pointer(target, fragment)
        except (KeyError, IndexError, ValueError):  # pragma: no cover - the failure message
            pytest.fail(f"{where}: {ref} names nothing")


def test_readme_problem_table_matches_the_runtime() -> None:
    readme = (oracle.SCHEMA_DIR / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z_]+)` \| (\d{3}) \| `([a-z-]+)` \|", readme, flags=re.MULTILINE)
    kinds = [
        problems.INVALID_MESSAGE,
        problems.UNKNOWN_ACTION,
        problems.INVALID_PAYLOAD,
        problems.MESSAGE_TOO_LARGE,
        problems.NOT_IMPLEMENTED,
        problems.INTERNAL_ERROR,
    ]
    assert rows == [(kind.code, str(kind.status), kind.slug) for kind in kinds]


@given(
    markers=st.lists(st.sampled_from(["beeflow.v1", "access-token", "chat", "graphql-ws"]), unique=True),
    token=st.text(min_size=1).filter(lambda text: text.strip() not in {"beeflow.v1", "beeflow.v2", "access-token", ""}),
)
def test_subprotocol_negotiation_matches_the_channel_description(markers: list[str], token: str) -> None:
    """beeflow.v1 if offered, else access-token if offered, never the token (asyncapi.yaml)."""
    offered = list(markers)
    if "access-token" in offered:
        offered.insert(offered.index("access-token") + 1, token)
    handshake = negotiate(offered)
    expected = next((name for name in ("beeflow.v1", "access-token") if name in markers), None)
    assert handshake.subprotocol == expected
    assert handshake.completion is ("beeflow.v1" in markers)
    assert handshake.token == (token.strip() if "access-token" in markers else None)
