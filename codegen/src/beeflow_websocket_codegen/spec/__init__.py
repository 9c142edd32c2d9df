"""Reading an AsyncAPI 3 document: files, positions, ``$ref``\\s and the document's shape.

:func:`load_spec` is the entry point: it returns a :class:`Workspace` whose root is a structurally
valid AsyncAPI 3.0 or 3.1 document, or raises :class:`~beeflow_websocket_codegen.errors.SpecError`.
"""

from __future__ import annotations

import re
from pathlib import Path

from beeflow_websocket_codegen.errors import SpecError

from .structure import check_structure
from .workspace import Location, Workspace, kind_of

__all__ = ["SUPPORTED_VERSIONS", "Location", "Workspace", "load_spec"]

#: AsyncAPI versions this generator reads.
SUPPORTED_VERSIONS = ("3.0", "3.1")
_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)(?:-[0-9A-Za-z.-]+)?$")


def load_spec(path: Path) -> Workspace:
    """Load the document at ``path`` and check that it is an AsyncAPI 3.0/3.1 document."""
    workspace = Workspace(path)
    data = workspace.root.data
    root = Location(workspace.root_uri, "")
    if not isinstance(data, dict):
        raise SpecError(
            workspace.diagnostic(
                f"not an AsyncAPI document: expected an object with an 'asyncapi' key, found {kind_of(data)}",
                root,
            )
        )
    if "asyncapi" not in data:
        found = "an OpenAPI document" if "openapi" in data or "swagger" in data else "no 'asyncapi' key"
        raise SpecError(
            workspace.diagnostic(
                f"not an AsyncAPI document: {found}; expected 'asyncapi: 3.0.0' (or 3.1.0) at the root", root
            )
        )
    version = data["asyncapi"]
    where = root.child("asyncapi")
    if not isinstance(version, str):
        raise SpecError(
            workspace.diagnostic(
                f"expected the AsyncAPI version as a string such as '3.0.0' (quote it in YAML), found {version!r}",
                where,
            )
        )
    match = _VERSION.match(version)
    if match is None:
        raise SpecError(workspace.diagnostic(f"expected an AsyncAPI version such as '3.0.0', found {version!r}", where))
    major_minor = f"{match[1]}.{match[2]}"
    if match[1] in ("1", "2"):
        raise SpecError(
            workspace.diagnostic(
                f"AsyncAPI {version} is not supported: this generator reads AsyncAPI 3.0 and 3.1. Convert the "
                "document first, for example with `asyncapi convert <file> --target-version=3.0.0` (AsyncAPI CLI)",
                where,
            )
        )
    if major_minor not in SUPPORTED_VERSIONS:
        raise SpecError(
            workspace.diagnostic(
                f"AsyncAPI {version} is not supported: this generator reads AsyncAPI 3.0.x and 3.1.x", where
            )
        )
    check_structure(workspace)
    return workspace
