"""Small pieces: identifiers, YAML 1.2 scalars, positions in JSON and YAML."""

from __future__ import annotations

from pathlib import Path

import pytest
from beeflow_websocket_codegen.naming import Namespace, ascii_snake_case, pascal_case, snake_case
from beeflow_websocket_codegen.spec.source import load_source


@pytest.mark.parametrize(
    ("wire", "pascal", "snake"),
    [
        ("chat.send", "ChatSend", "chat_send"),
        ("chat.messagePosted", "ChatMessagePosted", "chat_message_posted"),
        ("user.getByID", "UserGetByID", "user_get_by_id"),
        ("1st.action", "Message1stAction", "message_1st_action"),
        ("czat.wyślij", "CzatWyślij", "czat_wyślij"),
        ("class", "Class", "class_"),
        ("...", "Message", "message"),
    ],
)
def test_identifiers_from_wire_names(wire: str, pascal: str, snake: str) -> None:
    assert pascal_case(wire) == pascal
    assert snake_case(wire) == snake


def test_module_names_are_ascii() -> None:
    assert ascii_snake_case("czat.wyślij") == "czat_wyslij"
    assert ascii_snake_case("żółw.łódź") == "zolw_lodz"
    assert ascii_snake_case("名前") == "action"


def test_namespace_numbers_clashes_in_request_order() -> None:
    names = Namespace({"Reserved"})
    assert [names.take(name) for name in ("ChatSend", "ChatSend", "Reserved", "None", "ChatSend")] == [
        "ChatSend",
        "ChatSend2",
        "Reserved2",
        "None2",
        "ChatSend3",
    ]


def test_yaml_follows_the_core_schema(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("a: yes\nb: 2024-01-01\nc: 1e-08\nd: 012\ne: 0x1f\nf: true\ng: -3\n", encoding="utf-8")
    assert load_source(path).data == {
        "a": "yes",
        "b": "2024-01-01",
        "c": 1e-08,
        "d": "012",
        "e": 31,
        "f": True,
        "g": -3,
    }


def test_json_is_parsed_as_json_with_positions(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text('{\n  "a": {"b": [1, {"c": 1e-08}]},\n  "x~/y": "z"\n}\n', encoding="utf-8")
    source = load_source(path)
    assert source.data["a"]["b"][1]["c"] == 1e-08
    assert source.position("/a/b/1/c") == (2, 19)
    assert source.position("/x~0~1y") == (3, 3)
    assert source.position("/nope") is None
    assert source.nearest_position("/a/b/7") == (2, 9)


def test_yaml_positions_point_at_keys(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("a:\n  b:\n    - x\n    - y: 1\n", encoding="utf-8")
    source = load_source(path)
    assert source.position("/a/b") == (2, 3)
    assert source.position("/a/b/1/y") == (4, 7)
