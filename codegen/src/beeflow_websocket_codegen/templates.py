"""Jinja as every emitter uses it: the templates of a package, laid out as written."""

from __future__ import annotations

import jinja2

__all__ = ["template_environment"]


def template_environment(
    package: str, *, autoescape: bool = False, keep_trailing_newline: bool = True
) -> jinja2.Environment:
    """Jinja over the ``templates`` folder of ``package``: a name a template uses but the context
    lacks is an error, and block tags leave neither blank lines nor indentation behind.
    ``autoescape`` is for HTML."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader(package, "templates"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=keep_trailing_newline,
        autoescape=autoescape,
    )
