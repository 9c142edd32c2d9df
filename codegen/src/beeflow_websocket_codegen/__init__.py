"""Code generator for beeflow-websocket: AsyncAPI 3.x + JSON Schema to Python and TypeScript."""

#: The distribution's version, written here rather than read from its metadata (reading it costs
#: tens of milliseconds, a quarter of ``--version``); tests/test_build.py keeps it equal to
#: codegen/pyproject.toml's.
__version__ = "0.4.0.dev0"
#: What ``beeflow-websocket --version`` prints.
VERSION_LINE = f"beeflow-websocket-codegen {__version__}"

__all__ = ["VERSION_LINE", "__version__"]
