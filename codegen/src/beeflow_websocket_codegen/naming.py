"""Identifiers from wire names: ``chat.message_posted`` -> ``ChatMessagePosted`` / ``chat_message_posted``.

Names keep non-ASCII letters (Python and TypeScript accept them; NFKC-normalised as Python does).
Names that come out the same (``chat.send``, ``chat_send``, ``chat-send``) are told apart by a
:class:`Namespace`, which hands out numbered variants in the order it is asked; callers ask in a
sorted order, so the result does not depend on dict order or on the run.
"""

from __future__ import annotations

import keyword
import re
import unicodedata

__all__ = ["Namespace", "ascii_snake_case", "is_identifier", "pascal_case", "snake_case"]

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_CAMEL_BOUNDARY = re.compile(r"(?<=[^\W_])(?=[A-Z][a-z])|(?<=[a-z0-9])(?=[A-Z])")
_RESERVED = frozenset({"None", "True", "False", "_"}) | frozenset(keyword.kwlist) | frozenset(keyword.softkwlist)


def _words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text)
    words: list[str] = []
    for word in _WORD.findall(text):
        words.extend(part for part in _CAMEL_BOUNDARY.split(word) if part)
    return [word for word in words if word]


def _start(identifier: str, prefix: str) -> str:
    if not identifier:
        return prefix
    if not identifier[0].isidentifier():
        return prefix + identifier
    return identifier


def pascal_case(text: str, *, fallback: str = "Message") -> str:
    """``chat.message_posted`` -> ``ChatMessagePosted``; a leading digit gets ``fallback`` in front."""
    name = "".join(word[:1].upper() + word[1:] for word in _words(text))
    name = "".join(char for char in name if ("a" + char).isidentifier())
    return _start(name, fallback) if name else fallback


def snake_case(text: str, *, fallback: str = "message") -> str:
    """``chat.messagePosted`` -> ``chat_message_posted``; keywords get a trailing underscore."""
    name = "_".join(word.lower() for word in _words(text))
    name = "".join(char for char in name if ("a" + char).isidentifier())
    name = _start(name, fallback + "_") if name else fallback
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        name += "_"
    return name


_ASCII_FOLDS = str.maketrans(
    {"ł": "l", "Ł": "L", "ß": "ss", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "æ": "ae", "œ": "oe"}
)


def ascii_snake_case(text: str, *, fallback: str = "action") -> str:
    """:func:`snake_case` in ASCII (``czat.wyślij`` -> ``czat_wyslij``): for module and file names.

    Accents are dropped; letters with no ASCII form (CJK, ...) are left out, down to ``fallback``.
    """
    folded = unicodedata.normalize("NFKD", text.translate(_ASCII_FOLDS))
    ascii_text = "".join(char if char.isascii() else " " for char in folded if not unicodedata.combining(char))
    return snake_case(ascii_text, fallback=fallback)


def is_identifier(name: str) -> bool:
    """A valid Python identifier that is not a keyword."""
    return name.isidentifier() and not keyword.iskeyword(name) and name not in _RESERVED


class Namespace:
    """Hands out distinct identifiers: the first request for ``Foo`` gets ``Foo``, the next ``Foo2``."""

    def __init__(self, reserved: frozenset[str] | set[str] = frozenset()) -> None:
        self._taken: set[str] = set(_RESERVED) | set(reserved)

    def take(self, wanted: str) -> str:
        """Reserve and return ``wanted`` or, when taken, the first free ``wanted2``, ``wanted3``..."""
        name = wanted
        counter = 2
        while name in self._taken or not name.isidentifier():
            name = f"{wanted}{counter}"
            counter += 1
        self._taken.add(name)
        return name

    def __contains__(self, name: object) -> bool:
        return name in self._taken
