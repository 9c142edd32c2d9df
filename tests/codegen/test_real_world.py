"""Valid AsyncAPI 3 documents written the way others write them: accepted, warned about, or refused cleanly.

Each test is built from a minimal document reproducing one thing real documents do (issue 9): free-text
keys under ``channels``/``operations``/``messages``, JSON pointers through ``$ref``\\s, Reference
Objects with siblings, ``$ref``\\s into scalars, recursive schemas, boolean schemas, non-JSON messages.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml
from beeflow_websocket_codegen.errors import SpecError
from beeflow_websocket_codegen.project import load_protocol
from beeflow_websocket_codegen.python.emitter import emit_python
from beeflow_websocket_codegen.typescript.emitter import emit_typescript
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .helpers import cli, mypy_strict, run_python, tree, write_spec
from .test_typescript import _tsc

HEADER = "asyncapi: 3.0.0\ninfo:\n  title: Real world\n  version: 1.0.0\n"


def _generate(tmp_path: Path, text: str, *, name: str = "asyncapi.yaml") -> tuple[int, str]:
    spec = write_spec(tmp_path / "spec", text, name)
    result = cli("generate", spec, "--python-out", tmp_path / "py" / "api", "--ts-out", tmp_path / "ts")
    assert "Traceback" not in result.output
    assert "internal error" not in result.output
    return result.exit_code, result.output


def _refused(tmp_path: Path, text: str, *expected: str) -> str:
    code, output = _generate(tmp_path, text)
    assert code == 1, output
    for part in expected:
        assert part in output, output
    assert not (tmp_path / "py").exists(), "nothing is written when the document is refused"
    assert not (tmp_path / "ts").exists(), "nothing is written when the document is refused"
    return output


def _compiles(tmp_path: Path) -> None:
    checked = mypy_strict(tmp_path / "py" / "api")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    compiled = _tsc("--strict", "--noEmit", "--target", "es2020", "--lib", "es2020,dom", "ts/index.ts", cwd=tmp_path)
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr


# -- 1. keys of channels, operations and messages are free text ----------------------------------

FREE_KEYS = (
    HEADER
    + """\
channels:
  room/{roomId}/messages:
    address: /rooms/{roomId}
    parameters:
      roomId:
        description: the room
    messages:
      chat:send:
        payload:
          type: object
          required: [text]
          properties:
            text: {type: string}
      chat:posted:
        payload:
          type: object
          properties:
            text: {type: string}
operations:
  room/send:
    action: receive
    channel:
      $ref: '#/channels/room~1{roomId}~1messages'
    messages:
      - $ref: '#/channels/room~1{roomId}~1messages/messages/chat:send'
  room/posted:
    action: send
    channel:
      $ref: '#/channels/room~1{roomId}~1messages'
    messages:
      - $ref: '#/channels/room~1{roomId}~1messages/messages/chat:posted'
"""
)


def test_channel_operation_and_message_keys_may_be_any_text(tmp_path: Path) -> None:
    code, output = _generate(tmp_path, FREE_KEYS)
    assert code == 0, output
    generated = tree(tmp_path / "py" / "api")
    assert "class ChatSendBase(" in generated["_generated/actions.py"]
    assert '"chat:send"' in generated["_generated/actions.py"]
    assert "chat_send.py" in generated
    _compiles(tmp_path)
    # Stable: a second run from scratch writes the same files.
    again = tmp_path / "again"
    write_spec(again / "spec", FREE_KEYS)
    assert cli("generate", again / "spec" / "asyncapi.yaml", "--python-out", again / "py" / "api").exit_code == 0
    assert tree(again / "py" / "api") == generated


ODD_KEYS = (
    HEADER
    + """\
channels:
  'a b/{x}':
    address: /ws
    messages:
      '---': {payload: {type: object, properties: {a: {type: string}}}}
      '1x': {payload: {type: object}}
      'class': {payload: {type: object}}
      'zażółć': {payload: {type: object}}
      '*/ "quote" \\ back': {payload: {type: object}}
      '中文': {payload: {type: object}}
operations:
  '*/ op':
    action: receive
    channel: {$ref: '#/channels/a b~1{x}'}
  send:
    action: send
    channel: {$ref: '#/channels/a b~1{x}'}
    messages: [{$ref: '#/channels/a b~1{x}/messages/class'}]
"""
)


def test_odd_keys_give_valid_identifiers_and_file_names(tmp_path: Path) -> None:
    code, output = _generate(tmp_path, ODD_KEYS)
    assert code == 0, output
    modules = sorted(path.name for path in (tmp_path / "py" / "api").glob("*.py"))
    expected = ["__init__.py", "action.py", "action2.py", "action_1x.py", "class_.py", "quote_back.py", "zazolc.py"]
    assert modules == expected
    _compiles(tmp_path)


def test_component_names_keep_their_syntax(tmp_path: Path) -> None:
    text = FREE_KEYS + "components:\n  messages:\n    'chat:send':\n      payload: {type: object}\n"
    _refused(tmp_path, text, "asyncapi.yaml:", "the key 'chat:send' may contain only", "AsyncAPI component names")


def test_server_and_parameter_names_outside_their_syntax_are_warned_about(tmp_path: Path) -> None:
    text = FREE_KEYS.replace("      roomId:\n        description", "      'room.id':\n        description")
    text = text.replace(
        "channels:\n", "servers:\n  httpbin.org:\n    host: httpbin.org\n    protocol: ws\nchannels:\n", 1
    )
    code, output = _generate(tmp_path, text)
    assert code == 0, output
    assert "#/servers/httpbin.org: the key 'httpbin.org' should contain only" in output
    assert "the key 'room.id' should contain only" in output


# -- 2. JSON pointers through $refs ---------------------------------------------------------------

THROUGH_REF = (
    HEADER
    + """\
channels:
  chat:
    $ref: '#/components/channels/chat'
operations:
  send:
    action: receive
    channel:
      $ref: '#/channels/chat'
    messages:
      - $ref: '#/channels/chat/messages/send'
components:
  channels:
    chat:
      address: /chat
      messages:
        send:
          $ref: '#/components/messages/send'
  messages:
    send:
      name: chat.send
      payload:
        type: object
        properties:
          text: {type: string}
"""
)


def test_a_pointer_may_pass_through_a_reference(tmp_path: Path) -> None:
    code, output = _generate(tmp_path, THROUGH_REF)
    assert code == 0, output
    assert "class ChatSendBase(" in (tmp_path / "py" / "api" / "_generated" / "actions.py").read_text()


def test_a_pointer_may_pass_through_a_reference_to_another_file(tmp_path: Path) -> None:
    channels = (
        "chat:\n  address: /chat\n  messages:\n    send:\n      name: chat.send\n"
        "      payload:\n        type: object\n        properties:\n          text: {type: string}\n"
    )
    write_spec(tmp_path / "spec", channels, "channels.yaml")
    code, output = _generate(tmp_path, THROUGH_REF.replace("'#/components/channels/chat'", "'./channels.yaml#/chat'"))
    assert code == 0, output
    assert "class ChatSendBase(" in (tmp_path / "py" / "api" / "_generated" / "actions.py").read_text()


def test_a_pointer_through_a_reference_to_nothing_is_still_dangling(tmp_path: Path) -> None:
    text = THROUGH_REF.replace("'#/channels/chat/messages/send'", "'#/channels/chat/messages/sned'")
    _refused(tmp_path, text, "dangling $ref '#/channels/chat/messages/sned'", "has no member 'sned'", "asyncapi.yaml:")


def test_a_pointer_that_loops_through_references_is_refused(tmp_path: Path) -> None:
    text = THROUGH_REF.replace("    $ref: '#/components/channels/chat'", "    $ref: '#/channels/chat/x'")
    _refused(tmp_path, text, "cycle of references", "asyncapi.yaml:")


# -- 3. Reference Objects with siblings ---------------------------------------------------------


def test_siblings_of_a_reference_are_ignored_with_a_warning(tmp_path: Path) -> None:
    text = THROUGH_REF.replace(
        "    $ref: '#/components/channels/chat'\n",
        "    $ref: '#/components/channels/chat'\n    description: the chat channel\n",
    )
    code, output = _generate(tmp_path, text)
    assert code == 0, output
    assert "warning" in output
    assert "asyncapi.yaml:8:5 #/channels/chat/description: ignored 'description' next to '$ref'" in output
    assert output.count("ignored 'description'") == 1, "one warning, even with two outputs"


# -- 4. $refs into scalars, and other broken documents: exit 1, never 2 -------------------------

INTO_SCALAR = (
    HEADER
    + """\
channels: to be defined
operations:
  ping:
    action: send
    channel:
      $ref: '#/channels/ping'
"""
)


def test_a_reference_into_a_scalar_is_a_clear_error(tmp_path: Path) -> None:
    output = _refused(tmp_path, INTO_SCALAR, "asyncapi.yaml:", "#/operations/ping/channel/$ref")
    assert "'#/channels' is a string, not an object or an array" in output


@pytest.mark.parametrize(
    "ref",
    ["#/x-list/2", "#/x-list/00", "#/x-list/-1", "#/x-list/a", "#/info/title/x", "#/operations/ping/action/a"],
)
def test_pointers_into_scalars_and_arrays_are_clear_errors(tmp_path: Path, ref: str) -> None:
    text = INTO_SCALAR.replace("channels: to be defined", "x-list: [a, b]").replace("'#/channels/ping'", f"'{ref}'")
    _refused(tmp_path, text, "dangling $ref", "asyncapi.yaml:")


def test_a_schema_nested_too_deeply_is_an_error_at_its_place(tmp_path: Path) -> None:
    schema: dict[str, object] = {"type": "object"}
    for _ in range(300):
        schema = {"type": "object", "properties": {"a": schema}}
    document = yaml.safe_load(INTO_SCALAR.replace("channels: to be defined\n", ""))
    document["channels"] = {"ping": {"address": "/", "messages": {"ping": {"payload": schema}}}}
    spec = write_spec(tmp_path / "spec", json.dumps(document), "asyncapi.json")
    result = cli("generate", spec, "--python-out", tmp_path / "py" / "api")
    assert result.exit_code == 1, result.output
    assert "asyncapi.json:1:" in result.output
    assert "#/channels/ping/messages/ping/payload: this schema is nested too deeply" in result.output


# -- 7. non-JSON messages -------------------------------------------------------------------------

MIXED_CONTENT = (
    HEADER
    + """\
channels:
  ws:
    address: /ws
    messages:
      send:
        name: chat.send
        payload:
          type: object
          properties:
            text: {type: string}
      ping:
        name: ping
        contentType: text/plain
        payload:
          type: string
operations:
  send:
    action: receive
    channel:
      $ref: '#/channels/ws'
    messages:
      - $ref: '#/channels/ws/messages/send'
  ping:
    action: receive
    channel:
      $ref: '#/channels/ws'
    messages:
      - $ref: '#/channels/ws/messages/ping'
"""
)


def test_a_non_json_message_is_skipped_with_a_warning(tmp_path: Path) -> None:
    code, output = _generate(tmp_path, MIXED_CONTENT)
    assert code == 0, output
    assert "#/channels/ws/messages/ping/contentType: message 'ping' skipped" in output
    assert "'text/plain' is not JSON" in output
    actions = (tmp_path / "py" / "api" / "_generated" / "actions.py").read_text()
    assert "class ChatSendBase(" in actions
    assert '"ping"' not in actions
    assert "ping" not in (tmp_path / "ts" / "index.ts").read_text()


def test_a_document_with_only_non_json_messages_is_refused(tmp_path: Path) -> None:
    text = MIXED_CONTENT.replace("name: chat.send\n", "name: chat.send\n        contentType: text/csv\n")
    _refused(tmp_path, text, "message 'ping' cannot be used", "message 'chat.send' cannot be used", "no JSON message")


def test_a_non_json_default_content_type_applies_to_every_message(tmp_path: Path) -> None:
    text = MIXED_CONTENT.replace("channels:\n", "defaultContentType: application/xml\nchannels:\n", 1)
    _refused(tmp_path, text, "#/defaultContentType: message 'chat.send' cannot be used", "'application/xml'")


def test_validate_prints_the_warnings_too(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, MIXED_CONTENT)
    result = cli("validate", spec)
    assert result.exit_code == 0, result.output
    assert "warning" in result.output
    assert "message 'ping' skipped" in result.output
    assert json.dumps("ping") not in result.output.split("warning")[0]


def test_a_skipped_message_leaves_a_working_package(tmp_path: Path) -> None:
    code, output = _generate(tmp_path, MIXED_CONTENT)
    assert code == 0, output
    result = run_python("from api._generated import actions; print(actions.ChatSendBase.__name__)", cwd=tmp_path / "py")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ChatSendBase"


# -- 5. recursion: through properties and items it works; in place it is refused -----------------

RECURSIVE = (
    HEADER
    + """\
channels:
  ws:
    address: /ws
    messages:
      tree:
        payload: {$ref: '#/components/schemas/Node'}
      list:
        payload: {$ref: '#/components/schemas/Cell'}
      expr:
        payload:
          type: object
          required: [root]
          properties:
            root: {$ref: '#/components/schemas/Expr'}
operations:
  receive:
    action: receive
    channel: {$ref: '#/channels/ws'}
components:
  schemas:
    Node:
      type: object
      required: [name]
      properties:
        name: {type: string}
        children:
          type: array
          items: {$ref: '#/components/schemas/Node'}
    Cell:
      type: object
      required: [value]
      properties:
        value: {type: integer}
        next: {$ref: '#/components/schemas/Cell'}
    Expr:
      oneOf:
        - {$ref: '#/components/schemas/Lit'}
        - {$ref: '#/components/schemas/Add'}
    Lit:
      type: object
      required: [lit]
      additionalProperties: false
      properties:
        lit: {type: number}
    Add:
      type: object
      required: [left, right]
      additionalProperties: false
      properties:
        left: {$ref: '#/components/schemas/Expr'}
        right: {$ref: '#/components/schemas/Expr'}
"""
)


def test_recursion_through_properties_and_items_works_in_python_and_typescript(tmp_path: Path) -> None:
    code, output = _generate(tmp_path, RECURSIVE)
    assert code == 0, output
    _compiles(tmp_path)
    script = """
        import pydantic
        from api._generated import models as m

        deep = {"name": "a", "children": [{"name": "b", "children": [{"name": "c", "children": []}]}]}
        assert m.Node.model_validate(deep).children[0].children[0].name == "c"
        assert m.Cell.model_validate({"value": 1, "next": {"value": 2, "next": {"value": 3}}}).next.next.value == 3
        tree = {"root": {"left": {"lit": 1}, "right": {"left": {"lit": 2}, "right": {"lit": 3}}}}
        m.ExprPayload.model_validate(tree)
        for bad in ({"name": "a", "children": [{"children": []}]}, {"name": "a", "children": [{"name": 5}]}):
            try:
                m.Node.model_validate(bad)
            except pydantic.ValidationError:
                pass
            else:
                raise SystemExit(f"accepted {bad}")
        try:
            m.ExprPayload.model_validate({"root": {"left": {"lit": 1}, "right": {"left": {"lit": "x"}, "right": {}}}})
        except pydantic.ValidationError:
            print("ok")
    """
    result = run_python(script, cwd=tmp_path / "py")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


IN_PLACE = (
    HEADER
    + """\
channels:
  ws:
    address: /ws
    messages:
      hire:
        payload:
          type: object
          properties:
            worker: {$ref: '#/components/schemas/Worker'}
operations:
  receive:
    action: receive
    channel: {$ref: '#/channels/ws'}
components:
  schemas:
    Worker:
      oneOf:
        - $ref: '#/components/schemas/Employee'
    Employee:
      allOf:
        - $ref: '#/components/schemas/Worker'
        - type: object
          properties:
            name: {type: string}
"""
)


def test_recursion_that_consumes_nothing_is_refused_naming_the_cycle(tmp_path: Path) -> None:
    _refused(
        tmp_path,
        IN_PLACE,
        "asyncapi.yaml:23:5 #/components/schemas/Employee: schema 'Employee' refers to itself",
        "Employee -> Worker -> Employee",
        "Worker at ",
    )


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "object", "allOf": [{"$ref": "#"}]},
        {"type": "object", "not": {"not": {"$ref": "#"}}},
        {"type": "object", "if": {"$ref": "#"}},
        {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "dependentSchemas": {"a": {"anyOf": [{"$ref": "#"}]}},
        },
    ],
    ids=["allOf", "not-not", "if", "dependentSchemas"],
)
def test_a_payload_that_applies_itself_in_place_is_refused(tmp_path: Path, payload: dict[str, object]) -> None:
    (tmp_path / "spec").mkdir()
    (tmp_path / "spec" / "payload.json").write_text(json.dumps(payload))
    inline = (
        "          type: object\n          properties:\n            worker: {$ref: '#/components/schemas/Worker'}\n"
    )
    text = IN_PLACE.replace("        payload:\n" + inline, "        payload: {$ref: './payload.json'}\n")
    text = text.split("components:")[0]
    _refused(tmp_path, text, "payload.json", "refers to itself without reaching a property")


# -- 6. boolean schemas, and all-or-nothing generation -------------------------------------------

BOOLEAN_REFS = (
    HEADER
    + """\
channels:
  ws:
    address: /ws
    messages:
      one:
        payload: {$ref: './flags.json'}
      two:
        payload:
          type: object
          properties:
            value: {$ref: './anything.json'}
operations:
  receive:
    action: receive
    channel: {$ref: '#/channels/ws'}
"""
)


def test_references_to_boolean_schemas_generate_both_outputs(tmp_path: Path) -> None:
    (tmp_path / "spec").mkdir()
    (tmp_path / "spec" / "anything.json").write_text('{"$ref": "#/$defs/b", "$defs": {"b": true}}')
    flags = {
        "type": "object",
        "properties": {"v": {"$ref": "#/$defs/yes"}, "w": {"$ref": "#/$defs/no"}},
        "$defs": {"yes": True, "no": False},
    }
    (tmp_path / "spec" / "flags.json").write_text(json.dumps(flags))
    code, output = _generate(tmp_path, BOOLEAN_REFS)
    assert code == 0, output
    _compiles(tmp_path)
    script = """
        import pydantic
        from api._generated import models as m

        m.Flags.model_validate({"v": [1, {"x": None}]})
        m.TwoPayload.model_validate({"value": "anything"})
        try:
            m.Flags.model_validate({"w": 1})
        except pydantic.ValidationError:
            print("ok")
    """
    result = run_python(script, cwd=tmp_path / "py")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_nothing_is_written_when_the_typescript_output_is_refused(tmp_path: Path) -> None:
    (tmp_path / "ts").mkdir()
    (tmp_path / "ts" / "index.ts").write_text("export const mine = 1;\n")
    code, output = _generate(tmp_path, FREE_KEYS)
    assert code == 1, output
    assert "was not generated by beeflow-websocket-codegen" in output
    assert not (tmp_path / "py").exists()
    assert (tmp_path / "ts" / "index.ts").read_text() == "export const mine = 1;\n"


def test_nothing_is_written_when_the_python_output_is_refused(tmp_path: Path) -> None:
    (tmp_path / "py" / "api").mkdir(parents=True)
    (tmp_path / "py" / "api" / "__init__.py").write_text("MINE = 1\n")
    code, output = _generate(tmp_path, FREE_KEYS)
    assert code == 1, output
    assert not (tmp_path / "ts").exists()


# -- a default its own schema refuses (the official operation-security example) -----------------


def test_a_default_of_the_wrong_type_is_left_out_with_a_warning(tmp_path: Path) -> None:
    text = FREE_KEYS.replace(
        "            text: {type: string}\n      chat:posted:",
        "            text: {type: string}\n            urgent: {type: boolean, default: 'false'}\n      chat:posted:",
    )
    code, output = _generate(tmp_path, text)
    assert code == 0, output
    assert "#/channels/room~1{roomId}~1messages/messages/chat:send/payload/properties/urgent/default" in output
    assert "the default does not match its schema ('false' is not of type 'boolean'): left out" in output
    _compiles(tmp_path)


# -- fuzzing: mutated documents are generated or refused, never an internal error -----------------


def _paths(node: object, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(_paths(value, (*prefix, index)))
    return found


def _pointer(path: tuple[str | int, ...]) -> str:
    return "#" + "".join("/" + str(token).replace("~", "~0").replace("/", "~1") for token in path)


_SEEDS = [yaml.safe_load(text) for text in (FREE_KEYS, THROUGH_REF, RECURSIVE, MIXED_CONTENT)]
_SCALARS = st.sampled_from(["to be defined", "", "#", "{x}", 0, -1.5, True, None, [], {}])
_ODD_REFS = st.sampled_from(["#/info/title/x", "#", "", "#/", "#/x~2", "#a", "#/%zz", "other.yaml", "#/0/0"])


@st.composite
def _mutated(draw: st.DrawFn) -> dict[str, object]:
    document = copy.deepcopy(draw(st.sampled_from(_SEEDS)))
    for _ in range(draw(st.integers(1, 3))):
        paths = [path for path in _paths(document) if path]
        path = draw(st.sampled_from(paths))
        parent = document
        for token in path[:-1]:
            parent = parent[token]
        kind = draw(st.sampled_from(["scalar", "ref", "odd-ref", "self-ref", "wrap", "delete", "ref-with-sibling"]))
        if kind == "delete":
            del parent[path[-1]]
            continue
        value: object
        if kind == "scalar":
            value = draw(_SCALARS)
        elif kind == "ref":
            value = {"$ref": _pointer(draw(st.sampled_from(paths))) + draw(st.sampled_from(["", "/x", "/0", "/$ref"]))}
        elif kind == "odd-ref":
            value = {"$ref": draw(_ODD_REFS)}
        elif kind == "self-ref":
            value = {"$ref": _pointer(path)}
        elif kind == "wrap":
            value = [parent[path[-1]]]
        else:
            value = {"$ref": _pointer(draw(st.sampled_from(paths))), "description": "x"}
        parent[path[-1]] = value
    return document


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=_mutated())
def test_mutated_documents_are_generated_or_refused_never_an_internal_error(
    tmp_path: Path, document: dict[str, object]
) -> None:
    spec = tmp_path / "asyncapi.json"
    spec.write_text(json.dumps(document), encoding="utf-8")
    unplaced: list[str] = []
    try:
        emit_python(load_protocol(spec), spec="asyncapi.json")
        emit_typescript(load_protocol(spec, shared_schemas=True), spec="asyncapi.json")
    except SpecError as error:
        unplaced = [str(item) for item in error.diagnostics if item.file is None]
    assert not unplaced, "every error names its file"
