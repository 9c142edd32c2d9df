"""What ``beeflow_websocket.core._pydantic`` relies on in pydantic's private model construction, as installed."""

from __future__ import annotations

import inspect

from pydantic import BaseModel

from beeflow_websocket.core._pydantic import ModelMetaclass, trusted
from beeflow_websocket.core.event_registry import EventRegistryMeta, WebSocketEvent


def test_pydantic_models_are_built_by_the_metaclass_the_shim_names() -> None:
    assert type(BaseModel) is ModelMetaclass
    assert issubclass(EventRegistryMeta, ModelMetaclass)


def test_pydantic_takes_the_parent_namespace_keyword() -> None:
    assert "__pydantic_reset_parent_namespace__" in inspect.signature(ModelMetaclass.__new__).parameters


def test_an_event_defined_in_a_function_resolves_the_names_local_to_it() -> None:
    class Local(BaseModel):
        x: int

    class Happened(WebSocketEvent):
        payload: Local  # a postponed annotation naming a class local to this function

    event = Happened(recipient="user", recipient_id="1", payload={"x": 1})
    assert isinstance(event.payload, Local)
    assert event.payload.x == 1


def test_a_trusted_model_is_the_validated_one() -> None:
    class Point(BaseModel):
        x: int
        y: int = 0
        label: str | None = None

    built = trusted(Point, {"x": 1, "y": 2, "label": None}, {"x", "y"})
    validated = Point(x=1, y=2)
    assert built == validated
    assert repr(built) == repr(validated)
    assert built.model_fields_set == validated.model_fields_set
    assert built.model_dump_json() == validated.model_dump_json()
    assert built.model_copy(update={"x": 5}).x == 5
    assert built.__pydantic_extra__ is None
    assert built.__pydantic_private__ is None
