"""Reading one YAML or JSON file, keeping the line and column of every value.

JSON is parsed as JSON (a YAML parser would read ``1e-08`` as a string); its positions come from
a scan made only when a diagnostic needs one. YAML is parsed once, with libyaml when available,
into a node tree that gives both the data and the positions. YAML follows the 1.2 core schema
here: ``yes``/``no``/``on``/``off`` stay strings and dates stay strings, as JSON Schema expects.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from beeflow_websocket_codegen.errors import Diagnostic, SpecError

__all__ = ["SourceFile", "escape_pointer", "load_source", "pointer_parts"]

try:
    _BaseLoader: type[Any] = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader


class _Loader(_BaseLoader):  # type: ignore[misc]
    """A safe loader with YAML 1.2 booleans, no timestamps, and duplicate keys reported."""

    yaml_implicit_resolvers: dict[str, list[tuple[str, re.Pattern[str]]]] = {}

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key = key_node.value
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        "while reading a mapping",
                        node.start_mark,
                        f"found the key {key!r} twice (first at line {seen[key].start_mark.line + 1})",
                        key_node.start_mark,
                    )
                seen[key] = key_node
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


_YAML11_ONLY = {
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:timestamp",
}
for _first, _resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items():
    _kept = [(tag, regexp) for tag, regexp in _resolvers if tag not in _YAML11_ONLY]
    if _kept:
        _Loader.yaml_implicit_resolvers[_first] = _kept
# YAML 1.2 core schema: what JSON would read as booleans and numbers, and nothing else.
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?(?:0|[1-9][0-9]*)|0x[0-9a-fA-F]+)$"), list("-+0123456789")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*|[0-9]+(?=[eE]))(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


def escape_pointer(token: str) -> str:
    """Escape one JSON pointer reference token (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")


def pointer_parts(pointer: str) -> list[str]:
    """The unescaped reference tokens of a JSON pointer (``""`` is the root)."""
    if not pointer:
        return []
    return [part.replace("~1", "/").replace("~0", "~") for part in pointer.lstrip("/").split("/")]


@dataclass
class SourceFile:
    """One loaded file: its data and a way to find where a JSON pointer points in its text."""

    path: Path
    text: str
    data: Any
    kind: str  # "json" or "yaml"
    _yaml_root: yaml.Node | None = None
    _json_positions: dict[str, int] | None = field(default=None, repr=False)
    _line_starts: list[int] | None = field(default=None, repr=False)

    def position(self, pointer: str) -> tuple[int, int] | None:
        """1-based (line, column) of the value at ``pointer`` (its key, for an object member)."""
        if self.kind == "yaml":
            return self._yaml_position(pointer)
        return self._json_position(pointer)

    def nearest_position(self, pointer: str) -> tuple[int, int] | None:
        """The position of ``pointer``, or of its closest ancestor that exists."""
        parts = pointer_parts(pointer)
        while True:
            current = "".join("/" + escape_pointer(part) for part in parts)
            found = self.position(current)
            if found is not None or not parts:
                return found
            parts.pop()

    def _yaml_position(self, pointer: str) -> tuple[int, int] | None:
        node = self._yaml_root
        if node is None:
            return None
        mark = node.start_mark
        for part in pointer_parts(pointer):
            if isinstance(node, yaml.MappingNode):
                for key_node, value_node in node.value:
                    if isinstance(key_node, yaml.ScalarNode) and key_node.value == part:
                        mark, node = key_node.start_mark, value_node
                        break
                else:
                    return None
            elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
                node = node.value[int(part)]
                mark = node.start_mark
            else:
                return None
        return mark.line + 1, mark.column + 1

    def _json_position(self, pointer: str) -> tuple[int, int] | None:
        if self._json_positions is None:
            self._json_positions = {}
            # The text parsed as JSON already: a scan error would leave positions unknown, nothing worse.
            with contextlib.suppress(IndexError, ValueError):
                _JsonScanner(self.text, self._json_positions).scan()
        offset = self._json_positions.get(pointer)
        if offset is None:
            return None
        return self._line_column(offset)

    def _line_column(self, offset: int) -> tuple[int, int]:
        if self._line_starts is None:
            self._line_starts = [0] + [match.end() for match in re.finditer("\n", self.text)]
        line = bisect.bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1


_WHITESPACE = re.compile(r"[ \t\n\r]*")
_SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null|NaN|-?Infinity")


class _JsonScanner:
    """Records the offset of every value (of its key, for object members) of valid JSON text."""

    def __init__(self, text: str, positions: dict[str, int]) -> None:
        self.text = text
        self.positions = positions
        self.index = 0

    def skip(self) -> None:
        self.index = _WHITESPACE.match(self.text, self.index).end()  # type: ignore[union-attr]

    def scan(self) -> None:
        self.skip()
        if self.text.startswith("\ufeff", self.index):  # pragma: no cover - stripped when read
            self.index += 1
        self.value("", self.index)

    def string(self) -> str:
        value, self.index = json.decoder.scanstring(self.text, self.index + 1)  # type: ignore[attr-defined]
        return str(value)

    def value(self, pointer: str, key_offset: int) -> None:
        self.skip()
        self.positions[pointer] = key_offset
        char = self.text[self.index]
        if char == "{":
            more = self.opened("}")
            while more:
                self.skip()
                start = self.index
                key = self.string()
                self.skip()
                self.index += 1  # ':'
                self.skip()
                self.value(f"{pointer}/{escape_pointer(key)}", start)
                more = self.continued("}")
        elif char == "[":
            more = self.opened("]")
            position = 0
            while more:
                self.skip()
                self.value(f"{pointer}/{position}", self.index)
                position += 1
                more = self.continued("]")
        elif char == '"':
            self.string()
        else:
            match = _SCALAR.match(self.text, self.index)
            if match is None:  # pragma: no cover - the text parsed as JSON already
                raise ValueError(f"unexpected {char!r} at {self.index}")
            self.index = match.end()

    def opened(self, closing: str) -> bool:
        """Step past ``{`` or ``[``; ``False`` when it holds nothing (and then past ``closing`` too)."""
        self.index += 1
        self.skip()
        if self.text[self.index] == closing:
            self.index += 1
            return False
        return True

    def continued(self, closing: str) -> bool:
        """Step past the ``,`` after a member or an item, or past ``closing``; ``True`` while more follow."""
        self.skip()
        char = self.text[self.index]
        self.index += 1
        return char != closing


def _is_json(path: Path, text: str) -> bool:
    suffix = path.suffix.lower()
    if suffix == ".json":
        return True
    if suffix in (".yaml", ".yml"):
        return False
    return text.lstrip().startswith(("{", "["))


def load_source(path: Path) -> SourceFile:
    """Read and parse ``path``; raise :class:`SpecError` saying where it is broken."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SpecError(Diagnostic("file not found", path)) from None
    except IsADirectoryError:
        raise SpecError(Diagnostic("expected a file, found a directory", path)) from None
    except OSError as error:
        raise SpecError(Diagnostic(f"cannot read the file: {error.strerror}", path)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SpecError(
            Diagnostic(f"expected UTF-8 text, found byte 0x{raw[error.start]:02x} at offset {error.start}", path)
        ) from None
    if _is_json(path, text):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise SpecError(
                Diagnostic(f"invalid JSON: {error.msg}", path, line=error.lineno, column=error.colno)
            ) from None
        except RecursionError:
            raise SpecError(Diagnostic("invalid JSON: nested too deeply", path)) from None
        return SourceFile(path, text, data, "json")
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = " ".join(part for part in (error.context, error.problem) if part)
        raise SpecError(
            Diagnostic(
                f"invalid YAML: {problem}",
                path,
                line=mark.line + 1 if mark else None,
                column=mark.column + 1 if mark else None,
            )
        ) from None
    except yaml.YAMLError as error:
        raise SpecError(Diagnostic(f"invalid YAML: {error}", path)) from None
    except RecursionError:
        raise SpecError(Diagnostic("invalid YAML: nested too deeply", path)) from None
    finally:
        loader.dispose()
    _check_json_compatible(data, path, node)
    return SourceFile(path, text, data, "yaml", _yaml_root=node)


def _check_json_compatible(data: Any, path: Path, root: yaml.Node | None) -> None:
    """YAML can say things JSON cannot: non-string keys, binary, sets. Reject them with a place."""
    source = SourceFile(path, "", data, "yaml", _yaml_root=root)
    stack: list[tuple[Any, str]] = [(data, "")]
    while stack:
        value, pointer = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str):
                    line_column = source.nearest_position(pointer)
                    raise SpecError(
                        Diagnostic(
                            f"expected string keys (as in JSON), found the key {key!r}: quote it",
                            path,
                            pointer,
                            *(line_column or (None, None)),
                        )
                    )
                stack.append((item, f"{pointer}/{escape_pointer(key)}"))
        elif isinstance(value, list):
            stack.extend((item, f"{pointer}/{index}") for index, item in enumerate(value))
        elif not isinstance(value, str | int | float | bool) and value is not None:
            line_column = source.nearest_position(pointer)
            raise SpecError(
                Diagnostic(
                    f"expected a JSON value, found YAML {type(value).__name__}",
                    path,
                    pointer,
                    *(line_column or (None, None)),
                )
            )
