"""What the event registry uses of pydantic's private model construction, in one place.

An event class's metaclass must derive from pydantic's (``ModelMetaclass``, which pydantic does not
export), and pydantic resolves a model's annotations in the namespace of its metaclass's caller:
for a metaclass of ours that is our ``__new__``, not the class statement. pydantic's own keyword
``__pydantic_reset_parent_namespace__`` and class attribute ``__pydantic_parent_namespace__`` let
us hand it the right one. ``tests/core/test_pydantic_internals.py`` checks both against the
installed pydantic.
"""

from __future__ import annotations

from types import FrameType
from typing import Any

from pydantic._internal._model_construction import ModelMetaclass

__all__ = ["ModelMetaclass", "resolve_in_class_scope"]

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
