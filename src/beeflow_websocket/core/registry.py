"""Name -> class registries shared by the action, event and recipient metaclasses.

Registration happens when a class is defined. Taking a name that another class holds is an error
naming both classes, with two exceptions: a subclass may replace its own base (that is how a user
implements a generated stub), and any class may replace a built-in (the README's ``health`` action
replaces the bundled one). Tests isolate registrations with :meth:`Registry.isolated`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["DuplicateRegistrationError", "Registry", "isolated_registries"]


class DuplicateRegistrationError(TypeError):
    """Two unrelated classes claim the same wire name."""


def _qualname(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


class Registry[T: type]:
    """Classes by wire name. ``version`` changes with every registration, for caches."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._classes: dict[str, T] = {}
        self._builtins: set[str] = set()
        self.version = 0

    def register(self, name: str, cls: T, *, builtin: bool = False) -> None:
        current = self._classes.get(name)
        if current is not None and not self._may_replace(name, current, cls):
            raise DuplicateRegistrationError(
                f"{self.kind} name {name!r} is already registered by {_qualname(current)}; "
                f"{_qualname(cls)} cannot take it. Rename one of them, or subclass "
                f"{current.__qualname__} to replace it."
            )
        self._classes[name] = cls
        if builtin:
            self._builtins.add(name)
        else:
            self._builtins.discard(name)
        self.version += 1

    def _may_replace(self, name: str, current: type, new: type) -> bool:
        return (
            name in self._builtins
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

    def is_builtin(self, name: str) -> bool:
        return name in self._builtins

    def unregister(self, name: str) -> None:
        self._classes.pop(name, None)
        self._builtins.discard(name)
        self.version += 1

    @contextmanager
    def isolated(self, *, builtins_only: bool = False) -> Iterator[Registry[T]]:
        """Run a block with its own registrations and restore the previous ones afterwards.

        The block starts from the current registrations, or from the built-ins alone with
        ``builtins_only=True``.
        """
        saved = (dict(self._classes), set(self._builtins))
        if builtins_only:
            self._classes = {name: cls for name, cls in self._classes.items() if name in self._builtins}
        self.version += 1
        try:
            yield self
        finally:
            self._classes, self._builtins = saved
            self.version += 1


@contextmanager
def isolated_registries(*, builtins_only: bool = False) -> Iterator[None]:
    """Isolate the action, event and recipient registries together (for tests)."""
    from .action_registry import ActionRegistryMeta
    from .event_registry import EventRegistryMeta
    from .recipient_registry import RecipientRegistryMeta

    with (
        ActionRegistryMeta.registry.isolated(builtins_only=builtins_only),
        EventRegistryMeta.registry.isolated(builtins_only=builtins_only),
        RecipientRegistryMeta.registry.isolated(builtins_only=builtins_only),
    ):
        yield
