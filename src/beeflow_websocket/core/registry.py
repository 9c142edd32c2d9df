"""Name -> class registries shared by the action, event and recipient metaclasses.

Registration happens when a class is defined. Taking a name that another class holds is an error
naming both classes, with two exceptions: a subclass may replace its own base (that is how a user
implements a generated stub), and an application class always wins over a built-in, whichever is
defined first (the README's ``health`` action replaces the bundled one even when it is defined
before the runtime imports its built-ins). Tests isolate registrations with :meth:`Registry.isolated`.

``ActionRegistryMeta.REGISTRY`` and its event and recipient twins (0.3.0's name -> class dicts) are
:class:`RegistryView` objects: live mappings over these registries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

__all__ = ["Bases", "DuplicateRegistrationError", "Namespace", "Registry", "RegistryView", "declared_name"]

#: What a metaclass's ``__new__`` gets from a class statement.
Bases = tuple[type[Any], ...]
Namespace = dict[str, Any]


class DuplicateRegistrationError(TypeError):
    """Two unrelated classes claim the same wire name."""


def _qualname(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def declared_name(
    clsname: str, namespace: Namespace, name: str | None, *, handler: str, inherited: str | None = None
) -> Any:
    """The name a class statement registers under, by 0.3.0's rules, or ``None`` for none.

    ``name=`` wins; without it ``__plugin_name__``, then ``inherited``, then the class name when the
    class defines its own ``handler`` method. ``__register__ = False`` keeps the class out. The
    result is unchecked: the metaclass rejects what is not a non-blank string.
    """
    if not namespace.get("__register__", True):
        return None
    if name is None:
        name = namespace.get("__plugin_name__") or inherited
        if name is None and callable(namespace.get(handler)):
            name = clsname
    return name


class Registry[T: type]:
    """Classes by wire name. ``version`` changes with every registration, for caches."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._classes: dict[str, T] = {}
        #: Every built-in by name, including those an application class keeps out of ``_classes``.
        self._builtins: dict[str, T] = {}
        self.version = 0

    def register(self, name: str, cls: T, *, builtin: bool = False) -> None:
        current = self._classes.get(name)
        if builtin:
            self._builtins[name] = cls
            if current is not None and not self._holds_builtin(name, current):
                # The application defined this name before the runtime imported its built-ins: keep it.
                return
        elif current is not None and not self._may_replace(name, current, cls):
            raise DuplicateRegistrationError(
                f"{self.kind} name {name!r} is already registered by {_qualname(current)}; "
                f"{_qualname(cls)} cannot take it. Rename one of them, or subclass "
                f"{current.__qualname__} to replace it."
            )
        self._classes[name] = cls
        self.version += 1

    def _holds_builtin(self, name: str, current: type) -> bool:
        builtin = self._builtins.get(name)
        return builtin is not None and (current is builtin or _qualname(current) == _qualname(builtin))

    def _may_replace(self, name: str, current: type, new: type) -> bool:
        return (
            self._holds_builtin(name, current)
            or issubclass(new, current)
            # The same class defined again: a module reloaded or imported under a second name.
            or _qualname(current) == _qualname(new)
        )

    def get(self, name: str) -> T | None:
        return self._classes.get(name)

    def __getitem__(self, name: str) -> T:
        return self._classes[name]

    def __contains__(self, name: object) -> bool:
        return name in self._classes

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._classes))

    def __len__(self) -> int:
        return len(self._classes)

    def items(self) -> list[tuple[str, T]]:
        return sorted(self._classes.items())

    def builtins(self) -> list[tuple[str, T]]:
        """Every built-in by name, including those an application class replaces here."""
        return sorted(self._builtins.items())

    def is_builtin(self, name: str) -> bool:
        current = self._classes.get(name)
        return current is not None and self._holds_builtin(name, current)

    def unregister(self, name: str) -> None:
        self._classes.pop(name, None)
        self.version += 1

    def replace(self, name: str, cls: T) -> None:
        """Register ``cls`` under ``name`` whatever holds it now (an explicit assignment)."""
        self._classes[name] = cls
        self.version += 1

    @contextmanager
    def isolated(self, *, builtins_only: bool = False) -> Iterator[Registry[T]]:
        """Run a block with its own registrations and restore the previous ones afterwards.

        The block starts from the current registrations, or from the built-ins alone with
        ``builtins_only=True``.
        """
        saved = (dict(self._classes), dict(self._builtins))
        if builtins_only:
            self._classes = dict(self._builtins)
        self.version += 1
        try:
            yield self
        finally:
            self._classes, self._builtins = saved
            self.version += 1


class RegistryView[T: type](MutableMapping[str, T]):
    """0.3.0's ``REGISTRY`` dict: a live name -> class mapping over a :class:`Registry`.

    Reading follows every registration. Assigning registers a class under a name (replacing what
    held it, as assigning to 0.3.0's dict did) after ``check`` accepts it; deleting unregisters.
    """

    def __init__(self, registry: Registry[T], check: Callable[[str, T], None] | None = None) -> None:
        self._registry = registry
        self._check = check

    def __getitem__(self, name: str) -> T:
        return self._registry[name]

    def __setitem__(self, name: str, cls: T) -> None:
        if self._check is not None:
            self._check(name, cls)
        self._registry.replace(name, cls)

    def __delitem__(self, name: str) -> None:
        if name not in self._registry:
            raise KeyError(name)
        self._registry.unregister(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._registry)

    def __len__(self) -> int:
        return len(self._registry)

    def __contains__(self, name: object) -> bool:
        return name in self._registry

    def copy(self) -> dict[str, T]:
        """A snapshot as a plain dict (0.3.0 tests saved ``REGISTRY.copy()`` and restored it)."""
        return dict(self._registry.items())

    def __repr__(self) -> str:
        return f"{self._registry.kind.capitalize()}Registry({self.copy()!r})"
