"""Message ids: RFC 9562 UUIDs made without a system call per message.

``uuid.uuid4()`` costs several microseconds, mostly in formatting, which is a large share of the
per-message budget. A message id only has to be unique, not secret, so each process draws 60
random bits once and counts up from there. The ids are version 8 UUIDs (RFC 9562, "custom"),
which any UUID parser accepts.
"""

from __future__ import annotations

import itertools
import os

__all__ = ["new_msg_id"]

_prefix = ""
_counter = itertools.count()


def _reseed() -> None:
    global _prefix, _counter
    bits = int.from_bytes(os.urandom(8)) >> 4  # 60 random bits
    _prefix = f"{bits >> 28:08x}-{(bits >> 12) & 0xFFFF:04x}-8{bits & 0xFFF:03x}-"
    _counter = itertools.count()


_reseed()
# A forked worker must not repeat its parent's ids.
os.register_at_fork(after_in_child=_reseed)


def new_msg_id() -> str:
    """Return a fresh message id in canonical UUID text form."""
    n = next(_counter)
    if n < 0x1000000000000:  # the first 2**48 ids of a process: the fourth group is always 8000
        return f"{_prefix}8000-{n:012x}"
    return f"{_prefix}{0x8000 | ((n >> 48) & 0x3FFF):04x}-{n & 0xFFFFFFFFFFFF:012x}"
