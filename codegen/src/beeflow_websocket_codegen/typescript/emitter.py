"""The TypeScript client generated from a :class:`~beeflow_websocket_codegen.ir.Protocol`.

Layout of ``--ts-out web/src/api``::

    web/src/api/index.ts      the typed client: Protocol map, replies table, createClient, re-exports
    web/src/api/models.ts     one declaration per payload schema (see .declarations)
    web/src/api/runtime/*.ts  a copy of the @beeflow/websocket-client sources (zero dependencies),
                              left out with --ts-runtime @beeflow/websocket-client (the npm package)

Every file is generated: the folder compiles on its own (``tsc --strict``) and nothing in it is
meant to be edited. ``--ts-out protocol.ts`` (a path ending in ``.ts``) writes only the
declarations, in one file: that is how ``clients/typescript/src/protocol.ts`` is made from
``schema/``.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

import jinja2

from beeflow_websocket_codegen import __version__
from beeflow_websocket_codegen.ir import Action, Event, Protocol
from beeflow_websocket_codegen.templates import template_environment

from .declarations import (
    Atom,
    Declarations,
    Member,
    ObjectType,
    declarations,
    doc_comment,
    property_key,
    render_type,
    string_literal,
    union,
)
from .layout import CHECKOUT_RUNTIME, HEADER_MARK, RUNTIME_DIR

__all__ = [
    "HEADER_MARK",
    "NPM_PACKAGE",
    "RUNTIME_API",
    "RUNTIME_DIR",
    "emit_declarations",
    "emit_typescript",
    "header",
    "runtime_sources",
]

#: The runtime on npm; ``--ts-runtime`` names it (or another module specifier) instead of the copy.
NPM_PACKAGE = "@beeflow/websocket-client"
#: The runtime API level the generated client needs (``RUNTIME_API`` in the runtime's ``compat.ts``).
RUNTIME_API = 2


def header(spec: str) -> str:
    """The first lines of every generated file."""
    return (
        f"{HEADER_MARK} {__version__}, do not edit.\n"
        f"// Source: {spec}\n"
        "// Change the schema, then run `beeflow-websocket generate`."
    )


@cache
def runtime_sources() -> dict[str, str]:
    """The runtime's ``src/*.ts`` files, by name.

    An installed generator carries them in its package (``hatch_build.py`` puts them there); an
    editable install from the repository reads ``clients/typescript/src``.
    """
    folder: Traversable = resources.files("beeflow_websocket_codegen.typescript").joinpath(RUNTIME_DIR)
    if not folder.is_dir():
        folder = CHECKOUT_RUNTIME
    sources = {
        item.name: item.read_text(encoding="utf-8")
        for item in sorted(folder.iterdir(), key=lambda item: item.name)
        if item.name.endswith(".ts")
    }
    if not sources:
        raise RuntimeError(f"the TypeScript runtime is missing from {folder}: reinstall beeflow-websocket-codegen")
    return sources


def _runtime_copy(name: str, source: str) -> str:
    return (
        f"{HEADER_MARK} {__version__}, do not edit: a copy of {NPM_PACKAGE}/src/{name}.\n"
        f"// To import the npm package instead, generate with --ts-runtime {NPM_PACKAGE}.\n\n{source}"
    )


@cache
def _environment() -> jinja2.Environment:
    environment = template_environment("beeflow_websocket_codegen.typescript")
    environment.filters["tsstr"] = lambda value: string_literal(str(value))
    return environment


def _tidy(text: str) -> str:
    """No trailing white space, exactly one newline at the end."""
    return "\n".join(line.rstrip() for line in text.rstrip("\n").split("\n")) + "\n"


def _join(parts: list[str]) -> str:
    return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else "".join(parts)


def payload_names(protocol: Protocol) -> frozenset[str]:
    """The ``$defs`` names of the payloads (JSON objects on the wire, whatever else their schema admits)."""
    return frozenset(
        message.payload for message in [*(a.message for a in protocol.actions), *(e.message for e in protocol.events)]
    )


def emit_declarations(protocol: Protocol, *, spec: str, width: int = 100, source: Declarations | None = None) -> str:
    """The declarations of every schema, as one module (``models.ts``, or the file of ``--ts-out x.ts``)."""
    source = source or declarations(protocol.schemas, width=width, roots=payload_names(protocol))
    title = protocol.title or "this protocol"
    version = f" {protocol.version}" if protocol.version else ""
    intro = (
        f"The types of {title}{version}: one declaration per schema (the payloads, and every schema under "
        "components/schemas), named as the Python models are. Members keep their wire names."
    )
    return _tidy(f"{header(spec)}\n\n{doc_comment(intro, width=width)}\n{source.source}")


def _action_view(action: Action, protocol: Protocol, names: dict[str, str], width: int) -> dict[str, Any]:
    message = action.message
    notes = []
    if action.replies:
        notes.append("Replies: " + _join([f"`{name}`" for name in action.replies]) + ".")
    if action.problems:
        problems = [protocol.problem(code) for code in action.problems]
        notes.append("Problems: " + _join([f"`{item.code}` ({item.status})" for item in problems]) + ".")
    doc = "\n\n".join(
        part
        for part in (
            message.summary or message.title or f"The `{action.name}` action.",
            message.description,
            " ".join(notes),
        )
        if part
    )
    key = property_key(action.name)
    node = ObjectType(
        (
            Member("payload", Atom("models." + names.get(action.payload, action.payload))),
            Member("replies", union([Atom(string_literal(name)) for name in action.replies])),
        )
    )
    used = len(key) + 2
    reply_list = ", ".join(string_literal(name) for name in action.replies)
    return {
        "key": key,
        "doc": doc_comment(doc, indent=4, width=width),
        "type": render_type(node, indent=4, used=used, width=width),
        "replies": reply_list,
    }


def _event_view(event: Event, names: dict[str, str], width: int) -> dict[str, Any]:
    message = event.message
    doc = "\n\n".join(
        part for part in (message.summary or message.title or f"The `{event.name}` event.", message.description) if part
    )
    return {
        "key": property_key(event.name),
        "doc": doc_comment(doc, indent=4, width=width),
        "type": "models." + names.get(event.payload, event.payload),
    }


def _module_doc(protocol: Protocol, width: int) -> str:
    title = protocol.title or "this protocol"
    version = f" {protocol.version}" if protocol.version else ""
    lines = [f"The typed client of {title}{version}, over the {NPM_PACKAGE} runtime.", ""]
    if protocol.description:
        lines += [protocol.description.strip(), ""]
    lines += ["```ts", 'const client = createClient("wss://example.com/ws/", { token: () => auth.accessToken() });']
    if protocol.actions:
        action = protocol.actions[0]
        lines.append(f"const events = await client.request({string_literal(action.name)}, payload);")
    if protocol.events:
        event = protocol.events[0]
        lines.append(f"client.on({string_literal(event.name)}, (event) => show(event.payload));")
    lines.append("```")
    return doc_comment("\n".join(lines), width=width).rstrip("\n")


def emit_typescript(protocol: Protocol, *, spec: str, width: int = 100, runtime: str | None = None) -> dict[str, str]:
    """Every file of the client folder by relative path (nothing is written here).

    ``runtime`` is the module the client imports the runtime from; ``None`` copies the runtime
    into ``runtime/`` and imports that.
    """
    models = declarations(protocol.schemas, width=width, roots=payload_names(protocol))
    names = models.names
    specifier = runtime if runtime is not None else f"./{RUNTIME_DIR}/index.js"
    context = {
        "header": header(spec),
        "module_doc": _module_doc(protocol, width),
        "runtime": specifier,
        "runtime_api": RUNTIME_API,
        "actions": [_action_view(action, protocol, names, width) for action in protocol.actions],
        "events": [_event_view(event, names, width) for event in protocol.events],
    }
    files = {
        "index.ts": _tidy(_environment().get_template("index.ts.jinja").render(**context)),
        "models.ts": emit_declarations(protocol, spec=spec, width=width, source=models),
    }
    if runtime is None:
        for name, source in runtime_sources().items():
            files[f"{RUNTIME_DIR}/{name}"] = _runtime_copy(name, source)
    return files
