"""The actions one application serves, when it does not serve every registered action.

By default a dispatcher serves the process-wide registry (``ActionRegistryMeta.registry``, 0.3.0's
``ActionRegistryMeta.REGISTRY``): every action class defined in the process. Two applications in one
process that must answer different actions each get an :class:`ActionSet`::

    chat = ActionSet([Echo, Join])
    configure_beeflow_websocket(chat_app, actions=chat)          # or actions=[Echo, Join]
    configure_beeflow_websocket(admin_app, actions=[Echo, Ban])

An action outside an application's set is an unknown action there (the 400 ``unknown-action``
problem). An action class that belongs to one application only may register straight into its set
instead of the process-wide registry, so that two applications may each have their own action of
the same name::

    class Send(metaclass=ActionRegistryMeta, name="send", registry=chat):
        ...

Events and recipients stay process-wide: an event class is what a handler builds and yields, and a
recipient name is resolved wherever the event is delivered, which with a shared hub can be another
application or process.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from . import actions as _builtin_actions  # noqa: F401 - registers the built-in actions
from .action_registry import ActionRegistryMeta
from .registry import Registry

__all__ = ["ActionSet", "action_registry"]


class ActionSet(Registry[type[Any]]):
    """Action classes by wire name, for one application.

    Holds ``actions`` under their names, and the built-in actions (``health``) unless
    ``builtins=False``; an action of the application replaces a built-in of the same name. Two
    unrelated classes of one name are a :class:`~.registry.DuplicateRegistrationError`, except that
    a subclass replaces its base (a generated stub and its implementation may both be listed).
    A class that the process-wide registry already holds a subclass of (a generated stub whose
    handler module has been imported) is served by that subclass.
    """

    def __init__(self, actions: Iterable[type[Any]] = (), *, builtins: bool = True) -> None:
        super().__init__("action")
        if builtins:
            for name, cls in ActionRegistryMeta.registry.builtins():
                self.register(name, cls, builtin=True)
        for cls in actions:
            self.add(cls)

    def add[A: type[Any]](self, cls: A) -> A:
        """Serve the action class ``cls`` under its name; returns it (usable as a class decorator)."""
        name = getattr(cls, "action_name", None)
        if not isinstance(cls, ActionRegistryMeta) or not isinstance(name, str):
            raise TypeError(
                f"{cls!r} is not an action class (one defined with metaclass=ActionRegistryMeta and a name)"
            )
        served = ActionRegistryMeta.registry.get(name)
        if served is not None and served is not cls and issubclass(served, cls):
            # A generated stub, listed by the class its package exports: serve its implementation.
            self.register(name, served)
        else:
            self.register(name, cls)
        return cls


def action_registry(actions: Registry[type[Any]] | Iterable[type[Any]] | None) -> Registry[type[Any]]:
    """The registry a dispatcher serves: the process-wide one for ``None``, else ``actions`` (a
    registry such as an :class:`ActionSet`, or action classes to put in a new one)."""
    if actions is None:
        return ActionRegistryMeta.registry
    if isinstance(actions, Registry):
        return actions
    if isinstance(actions, str | type):
        raise TypeError(f"actions must be an ActionSet or a collection of action classes, not {actions!r}")
    return ActionSet(actions)
