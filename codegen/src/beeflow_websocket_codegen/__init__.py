"""Code generator for beeflow-websocket: AsyncAPI 3.x + JSON Schema to Python and TypeScript."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("beeflow-websocket-codegen")
except PackageNotFoundError:  # pragma: no cover
    __version__ = "0.0.0"

__all__ = ["__version__"]
