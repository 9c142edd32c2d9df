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
    """Isolate the process-wide action, event and recipient registries together (for tests).

    Recipient classes are instantiated afresh inside the block: a resolver's state does not leak
    into or out of it. An :class:`~.action_set.ActionSet` is an application's own and is not touched.
    """
    with (
        ActionRegistryMeta.registry.isolated(builtins_only=builtins_only),
        EventRegistryMeta.registry.isolated(builtins_only=builtins_only),
        RecipientRegistryMeta.isolated(builtins_only=builtins_only),
    ):
        yield
