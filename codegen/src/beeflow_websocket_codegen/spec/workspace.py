"""The files of one spec and the ``$ref``\\s between them.

A :class:`Workspace` loads the root document and, on demand, every local file a ``$ref`` names,
relative to the file (or the ``$id``) that holds it. Lookups go through ``referencing`` (JSON
pointers, ``$id``\\s, anchors); the workspace adds what a code generator needs on top: where each
value lives (:class:`Location`), so a diagnostic can name the file, line and column. Nothing is
fetched from the network: a ``$ref`` to ``https://...`` works only when a local file declares that
``$id`` (or sits next to one that declares a sibling ``$id``).
"""

from __future__ import annotations

import posixpath
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

# What urllib.request.url2pathname is on each platform, without importing urllib.request (and with
# it http.client, email and socket: a tenth of what validate imports).
if sys.platform == "win32":  # pragma: no cover
    from nturl2path import url2pathname
else:
    url2pathname = unquote

from referencing import Registry, Resource
from referencing.exceptions import CannotDetermineSpecification, Unresolvable

from beeflow_websocket_codegen.dialects import ASYNCAPI_DEFAULT, format_dialect, id_of, specification
from beeflow_websocket_codegen.errors import Diagnostic, SpecError

from .source import SourceFile, escape_pointer, load_source, pointer_parts

__all__ = ["Location", "Workspace", "kind_of"]

_MAX_REF_HOPS = 64


@dataclass(frozen=True, slots=True, order=True)
class Location:
    """Where a value lives: the URI of its document and a JSON pointer inside it.

    ``pointer`` is ``None`` when the value was reached through an anchor, whose position the
    workspace does not track.
    """

    uri: str
    pointer: str | None

    def child(self, *tokens: str | int) -> Location:
        """The location of a member or item below this one."""
        if self.pointer is None:
            return self
        return Location(self.uri, self.pointer + "".join("/" + escape_pointer(str(token)) for token in tokens))

    @property
    def key(self) -> str:
        """A string naming this location (stable, sortable)."""
        return f"{self.uri}#{self.pointer}" if self.pointer is not None else self.uri


def _file_uri(path: Path) -> str:
    return path.resolve().as_uri()


def _path_of(uri: str) -> Path | None:
    parts = urlsplit(uri)
    if parts.scheme != "file":
        return None
    return Path(url2pathname(unquote(parts.path)))


class Workspace:
    """The loaded files of a spec, with ``$ref`` resolution that remembers locations."""

    def __init__(self, root: Path) -> None:
        self._files: dict[str, SourceFile] = {}
        #: document URI (file URI or ``$id``) -> (file, pointer of that document inside the file)
        self._documents: dict[str, tuple[SourceFile, str]] = {}
        self._id_dirs: list[tuple[str, Path]] = []
        self._registry: Registry[Any] = Registry()
        self._resolved: dict[tuple[str, str], tuple[Any, Location, str]] = {}
        #: things the generator accepts but the user should know about (printed as warnings)
        self.warnings: list[Diagnostic] = []
        self.root_uri = _file_uri(root)
        self.root = self._load(root, is_root=True)

    @property
    def files(self) -> list[Path]:
        """Every file loaded so far, sorted."""
        return sorted(source.path for source in self._files.values())

    # -- loading ---------------------------------------------------------------------------

    def _load(self, path: Path, *, is_root: bool = False, dialect: str = ASYNCAPI_DEFAULT) -> SourceFile:
        """Load a file; a JSON Schema file is read in its ``$schema``'s dialect, else in ``dialect``."""
        uri = _file_uri(path)
        source = self._files.get(uri)
        if source is not None:
            return source
        source = load_source(path.resolve() if not is_root else path)
        self._files[uri] = source
        self._documents[uri] = (source, "")
        if not isinstance(source.data, dict):
            resource: Resource[Any] = Resource.opaque(source.data)
        elif is_root:
            resource = Resource.opaque(source.data)  # an AsyncAPI document: its schemas are crawled below
        else:
            try:
                resource = Resource.from_contents(source.data, default_specification=specification(dialect))
            except CannotDetermineSpecification:
                resource = specification(dialect).create_resource(source.data)
        resources = [(uri, resource)]
        own_dialect = source.data.get("$schema") if isinstance(source.data, dict) else None
        own_id = id_of(source.data, own_dialect if isinstance(own_dialect, str) else dialect)
        if own_id and not is_root:
            id_uri = urldefrag(urljoin(uri, own_id)).url
            if id_uri != uri:
                resources.append((id_uri, resource))
                self._documents.setdefault(id_uri, (source, ""))
                self._id_dirs.append((posixpath.dirname(id_uri) + "/", path.resolve().parent))
        if is_root:
            # The document's schemas first, under its URI (their $ids and anchors join onto it), then
            # the document itself again, so that JSON pointers still start at its root.
            resources = [*_embedded_schemas(source.data, uri), *resources]
        self._crawl(resources, source)
        return source

    def _crawl(self, resources: list[tuple[str, Resource[Any]]], source: SourceFile) -> None:
        """Add ``resources`` and every resource their ``$id`` values embed; a schema ``referencing``
        cannot crawl (a value of the wrong type under a keyword) is still found by JSON pointer."""
        registry = self._registry
        for uri, resource in resources:
            try:
                registry = registry.with_resource(uri, resource).crawl()
            except _CRAWL_ERRORS:  # a value of the wrong type under a keyword: still found by JSON pointer
                registry = registry.with_resource(uri, Resource.opaque(resource.contents)).crawl()
        # Embedded resources ($id inside a file) keep their place in the file, for diagnostics.
        pointers = _pointers(source.data)
        for uri, resource in registry.items():
            if uri not in self._documents and isinstance(resource.contents, dict):
                pointer = pointers.get(id(resource.contents))
                if pointer is not None:
                    self._documents[uri] = (source, pointer)
        self._registry = registry

    def _ensure_document(self, document: str, site: Location | None, dialect: str = ASYNCAPI_DEFAULT) -> str:
        """Load the document ``document`` if needed; return its canonical URI."""
        if document in self._documents:
            return document
        if document and self._registry.get(document) is not None:
            return document  # a subschema with an $id of its own, in a file already loaded
        path = _path_of(document)
        if path is None:
            for id_dir, directory in self._id_dirs:
                if document.startswith(id_dir):
                    candidate = directory / url2pathname(unquote(document[len(id_dir) :]))
                    if candidate.is_file():
                        source = self._load(candidate, dialect=dialect)
                        self._documents.setdefault(document, (source, ""))
                        if document not in {uri for uri, _ in self._registry.items()}:
                            resource = Resource.from_contents(source.data, default_specification=specification(dialect))
                            self._registry = self._registry.with_resource(document, resource).crawl()
                        return document
            raise SpecError(
                self.diagnostic(
                    f"cannot follow $ref to {document!r}: only local files are supported "
                    "(the generator does not use the network); point the $ref at a file relative to this one",
                    site,
                )
            )
        canonical = _file_uri(path)
        if canonical not in self._files:
            if not path.is_file():
                raise SpecError(self.diagnostic(f"dangling $ref: the file {str(path)!r} does not exist", site))
            self._load(path, dialect=dialect)
        return canonical

    # -- resolution ------------------------------------------------------------------------

    def resolve(
        self, ref: Any, base: str, site: Location, dialect: str = ASYNCAPI_DEFAULT, *, _hops: int = 0
    ) -> tuple[Any, Location, str]:
        """Follow one ``$ref`` found at ``site`` in a document whose base URI is ``base``.

        Returns the target value, its location and the base URI that applies inside it. A JSON
        pointer may pass through Reference Objects (``#/channels/chat/messages/send`` where
        ``chat`` is itself a ``$ref``): they are followed on the way, as AsyncAPI tools do. A file
        loaded to follow it is read as a JSON Schema of ``dialect`` unless it names its own.
        """
        if not isinstance(ref, str):
            raise SpecError(self.diagnostic(f"expected $ref to be a string, found {kind_of(ref)}", site))
        cached = self._resolved.get((ref, base))
        if cached is not None:
            return cached
        if _hops > _MAX_REF_HOPS:
            raise SpecError(self.diagnostic(f"cannot follow $ref {ref!r}: it leads to a cycle of references", site))
        # urljoin does not join fragments onto URNs (urn:uuid:...): a same-document ref is joined by hand.
        target = urldefrag(base).url + ref if ref.startswith("#") else urljoin(base, ref)
        document, fragment = urldefrag(target)
        document = self._ensure_document(document, site, dialect)
        if fragment == "" or fragment.startswith("/"):
            found = self._walk(ref, document, unquote(fragment), site, _hops, dialect)
            own_id = id_of(found[0], dialect) if fragment == "" and document in self._files else None
            if own_id is not None:  # a file with an $id: its refs join onto the $id
                found = (found[0], found[1], urldefrag(urljoin(document, own_id)).url)
        else:
            try:
                resolved = self._registry.resolver().lookup(f"{document}#{fragment}")
            except Unresolvable as error:
                raise SpecError(self.diagnostic(f"dangling $ref {ref!r}: {_unresolvable(error)}", site)) from None
            found = (resolved.contents, Location(document, None), document)
        self._resolved[ref, base] = found
        return found

    def _walk(
        self, ref: str, document: str, pointer: str, site: Location, hops: int, dialect: str
    ) -> tuple[Any, Location, str]:
        """The value at ``pointer`` in ``document``, following Reference Objects met on the way."""
        try:
            value = self._registry.resolver().lookup(document).contents
        except Unresolvable as error:
            raise SpecError(self.diagnostic(f"dangling $ref {ref!r}: {_unresolvable(error)}", site)) from None
        location, base = Location(document, ""), document
        for token in pointer_parts(pointer):
            if isinstance(value, dict) and token not in value and "$ref" in value:
                value, location, base = self.resolve(
                    value["$ref"], base, location.child("$ref"), dialect, _hops=hops + 1
                )
            if isinstance(value, dict):
                if token not in value:
                    raise SpecError(
                        self.diagnostic(
                            f"dangling $ref {ref!r}: {_place(location, site)} has no member {token!r}", site
                        )
                    )
                value = value[token]
            elif isinstance(value, list):
                if not (token.isdigit() and int(token) < len(value) and (token == "0" or token[0] != "0")):
                    raise SpecError(
                        self.diagnostic(
                            f"dangling $ref {ref!r}: {_place(location, site)} is an array of {len(value)} item(s), "
                            f"it has no item {token!r}",
                            site,
                        )
                    )
                value = value[int(token)]
            else:
                raise SpecError(
                    self.diagnostic(
                        f"dangling $ref {ref!r}: {_place(location, site)} is {kind_of(value)}, not an object or "
                        f"an array, so it has no member {token!r}",
                        site,
                    )
                )
            location = location.child(token)
        return value, location, base

    def identifies(self, uri: str, schema: Any) -> bool:
        """Whether ``uri`` is the URI of ``schema`` itself (its ``$id`` is already applied to it)."""
        resource = self._registry.get(urldefrag(uri).url)
        return resource is not None and resource.contents is schema

    def deref(
        self, value: Any, location: Location, base: str, dialect: str = ASYNCAPI_DEFAULT
    ) -> tuple[Any, Location, str]:
        """Follow ``$ref`` objects (``{"$ref": ...}``) until a value that is not one."""
        seen: set[str] = set()
        while isinstance(value, dict) and "$ref" in value:
            if location.key in seen or len(seen) > _MAX_REF_HOPS:
                raise SpecError(self.diagnostic("this $ref refers to itself (a cycle of references)", location))
            seen.add(location.key)
            value, location, base = self.resolve(value["$ref"], base, location.child("$ref"), dialect)
        return value, location, base

    def warn(self, message: str, location: Location | None) -> None:
        """Record a warning (once per message and place)."""
        diagnostic = self.diagnostic(message, location)
        if diagnostic not in self.warnings:
            self.warnings.append(diagnostic)

    # -- positions -------------------------------------------------------------------------

    def source_of(self, location: Location) -> tuple[SourceFile, str | None] | None:
        """The file holding ``location`` and the pointer of the value inside that file."""
        found = self._documents.get(location.uri)
        if found is None:
            return None
        source, prefix = found
        return source, (prefix + location.pointer if location.pointer is not None else None)

    def diagnostic(self, message: str, location: Location | None) -> Diagnostic:
        """A diagnostic pointing at ``location`` (file, line, column and JSON pointer)."""
        if location is None:
            return Diagnostic(message)
        found = self.source_of(location)
        if found is None:
            path = _path_of(location.uri)
            return Diagnostic(message, path, location.pointer)
        source, pointer = found
        if pointer is None:
            return Diagnostic(message, source.path)
        position = source.nearest_position(pointer)
        line, column = position if position is not None else (None, None)
        return Diagnostic(message, source.path, pointer, line, column)


_CRAWL_ERRORS = (AttributeError, TypeError, ValueError, KeyError)
#: Keys of AsyncAPI objects whose value is a schema (a Multi Format Schema Object or a Schema Object).
_SCHEMA_KEYS = frozenset({"payload", "headers"})


def _embedded_schemas(document: Any, uri: str) -> list[tuple[str, Resource[Any]]]:
    """The schemas of an AsyncAPI document, as resources to crawl for the ``$id`` values and anchors
    they embed (keyed by the document's URI, which is their base).

    Only the schemas (payloads, headers, ``components/schemas``) are crawled, each in its own
    dialect, so an ``$id`` anywhere else (inside an ``enum`` value, an example) is not an identifier.
    """
    found: list[tuple[str, Resource[Any]]] = []

    def add(schema: Any, dialect: str) -> None:
        if isinstance(schema, dict) and "schemaFormat" in schema and "schema" in schema:
            text = schema["schemaFormat"]
            named = format_dialect(text) if isinstance(text, str) else None
            if named is None and not (isinstance(text, str) and text.startswith("application/vnd.aai.asyncapi")):
                return  # Avro, RAML, ...: not JSON Schema
            add(schema["schema"], named or dialect)
            return
        if not isinstance(schema, dict) or ("$ref" in schema and len(schema) == 1):
            return
        own = schema.get("$schema")
        spec = specification(own if isinstance(own, str) else dialect)
        found.append((uri, spec.create_resource(schema)))

    def walk(node: Any, pointer: str, depth: int) -> None:
        if depth > 12 or not isinstance(node, dict):
            return
        for key, value in node.items():
            child = f"{pointer}/{escape_pointer(str(key))}"
            if key in _SCHEMA_KEYS or pointer == "/components/schemas":
                add(value, ASYNCAPI_DEFAULT)
            elif isinstance(value, dict):
                walk(value, child, depth + 1)

    walk(document, "", 0)
    return found


def _pointers(document: Any) -> dict[int, str]:
    """The JSON pointer of every object in ``document``, by ``id()``."""
    found: dict[int, str] = {}
    stack: list[tuple[Any, str]] = [(document, "")]
    while stack:
        node, pointer = stack.pop()
        if isinstance(node, dict):
            found.setdefault(id(node), pointer)
            stack.extend((value, f"{pointer}/{escape_pointer(str(key))}") for key, value in node.items())
        elif isinstance(node, list):
            stack.extend((value, f"{pointer}/{index}") for index, value in enumerate(node))
    return found


def kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__  # pragma: no cover


def _place(location: Location, site: Location) -> str:
    """``'#/channels/ping'`` (with the file's name when it is not the file of ``site``)."""
    file = "" if location.uri == site.uri else location.uri.rstrip("/").rsplit("/", 1)[-1]
    if not location.pointer:
        return f"the root of {file}" if file else "the document root"
    return f"'{file}#{location.pointer}'"


def _unresolvable(error: Unresolvable) -> str:
    text = str(error)
    name = type(error).__name__
    if name == "PointerToNowhere":
        return "nothing exists at that JSON pointer"
    if name == "NoSuchAnchor":
        return "no such anchor"
    return text or name
