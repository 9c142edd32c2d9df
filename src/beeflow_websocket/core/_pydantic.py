"""What the runtime uses of pydantic's private model construction, in one place.

An event class's metaclass must derive from pydantic's (``ModelMetaclass``, which pydantic does not
export), and pydantic resolves a model's annotations in the namespace of its metaclass's caller:
for a metaclass of ours that is our ``__new__``, not the class statement. pydantic's own keyword
``__pydantic_reset_parent_namespace__`` and class attribute ``__pydantic_parent_namespace__`` let
us hand it the right one. :func:`trusted` builds a model from values the runtime has validated
itself, as ``model_construct`` does, at a fraction of its cost.
``tests/core/test_pydantic_internals.py`` checks all three against the installed pydantic.
"""

from __future__ import annotations

from types import FrameType
from typing import Any

from pydantic import BaseModel
from pydantic._internal._model_construction import ModelMetaclass

__all__ = ["ModelMetaclass", "resolve_in_class_scope", "trusted"]

_RESET = "__pydantic_reset_parent_namespace__"
_PARENT = "__pydantic_parent_namespace__"


def resolve_in_class_scope(namespace: dict[str, Any], kw: dict[str, Any], statement: FrameType) -> None:
    """Make pydantic resolve the annotations of the class being built in ``statement``'s scope.

    ``namespace`` and ``kw`` are what the metaclass's ``__new__`` passes on to pydantic's;
    ``statement`` is the frame running the class statement. A class defined in a function then
    resolves names local to it, as a plain ``BaseModel`` would.
    """
    if kw.get(_RESET, True):
        if statement.f_locals is not statement.f_globals:
            namespace[_PARENT] = dict(statement.f_locals)
        kw[_RESET] = False


_new = object.__new__
_set = object.__setattr__


def trusted[M: BaseModel](cls: type[M], values: dict[str, Any], fields_set: set[str]) -> M:
    """An instance of ``cls`` holding ``values`` as they are: what ``model_construct`` makes, without
    its walk over the fields (several times the cost of validating).

    ``values`` must hold every field, already valid; ``cls`` must have no private attributes, no
    ``model_post_init`` and no extra members. For models the runtime builds from values it has
    validated itself.
    """
    model = _new(cls)
    _set(model, "__dict__", values)
    _set(model, "__pydantic_fields_set__", fields_set)
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", None)
    return model
