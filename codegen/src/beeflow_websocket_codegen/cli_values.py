"""Command-line values converted without pydantic, for the value types the CLI declares.

Typer converts every parameter with a pydantic ``TypeAdapter``: importing pydantic and building the
adapters is most of the start-up time of ``validate`` or a no-op ``generate``. The values this CLI
takes (a path, a string, a whole number, a choice, a list of strings) are converted here the way
typer's adapters convert them; any value these rules are not sure of (a malformed number, an unknown
choice, a path that a conversion would change) goes to typer's own conversion, so what is accepted
and every error message stay typer's.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from typer._coercion import RuntimeParam, build_runtime_param, resolve_type_descriptor
from typer._param_types import coerce_cli_choice, coerce_cli_path, routes_to_path

if TYPE_CHECKING:
    import typer.core
    from typer._click import Context

__all__ = ["convert_without_pydantic"]

_UNSURE = object()


@dataclass(frozen=True)
class _PlainValue(RuntimeParam):
    """A parameter's conversion: the plain rules when they are sure, else typer's."""

    def _coerce_value(self, value: Any, param: typer.core._TyperParameter, ctx: Context) -> Any:
        try:
            result = self._plain(value, param, ctx)
        except (TypeError, ValueError):
            result = _UNSURE
        if result is _UNSURE:
            descriptor = resolve_type_descriptor(self.annotation, self.parameter_info)
            return build_runtime_param(descriptor)._coerce_value(value, param=param, ctx=ctx)
        return result

    def _plain(self, value: Any, param: typer.core._TyperParameter, ctx: Context) -> Any:
        annotation, info = self.annotation, self.parameter_info
        if info.parser is not None:
            return _UNSURE
        if getattr(annotation, "__origin__", None) is list:
            (item,) = annotation.__args__
            if item is str and isinstance(value, list | tuple) and all(type(part) is str for part in value):
                return list(value)
            return _UNSURE
        if isinstance(annotation, type) and issubclass(annotation, Enum):
            # Raises ValueError on an unknown choice: typer's conversion then words the refusal.
            return coerce_cli_choice(value, choices=tuple(annotation), case_sensitive=info.case_sensitive, ctx=ctx)
        if annotation is bool:
            return value if type(value) is bool else _UNSURE
        if annotation is str:
            return value if type(value) is str else _UNSURE
        if annotation is int:
            if type(value) is int:
                return value
            if type(value) is str and value.isascii() and value.isdigit():
                return int(value)
            return _UNSURE
        if annotation is Path and info.path_type is None and routes_to_path(annotation, info):
            if type(value) is str and "\0" not in value and str(Path(value)) == value:
                value = Path(value)
            if type(value) is not type(Path()):
                return _UNSURE
            # Typer's own checks (exists, file or folder, readable) and messages, on the path it would make.
            return coerce_cli_path(value, info, path_type=Path, param=param, ctx=ctx)
        return _UNSURE


def convert_without_pydantic(params: list[Any]) -> None:
    """Give each typer parameter of a command the plain conversion (other parameters are left alone)."""
    for param in params:
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is not None and getattr(param, "_runtime_param", False) is None:
            param._runtime_param = _PlainValue(
                parameter_info=descriptor.parameter_info, annotation=descriptor.annotation
            )
