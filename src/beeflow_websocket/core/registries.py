"""The action, event and recipient registries together (each lives beside its metaclass)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from .action_registry import ActionRegistryMeta
from .event_registry import EventRegistryMeta
from .recipient_registry import RecipientRegistryMeta

__all__ = ["isolated_registries"]


@contextmanager
def isolated_registries(*, builtins_only: bool = False) -> Iterator[None]:
    """Isolate the action, event and recipient registries together (for tests)."""
    with (
        ActionRegistryMeta.registry.isolated(builtins_only=builtins_only),
        EventRegistryMeta.registry.isolated(builtins_only=builtins_only),
        RecipientRegistryMeta.registry.isolated(builtins_only=builtins_only),
    ):
        yield
