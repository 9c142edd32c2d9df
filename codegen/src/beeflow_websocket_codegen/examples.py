"""The spec's own examples, checked against their schemas.

A message's ``examples`` (each ``payload``), and every ``examples``, ``example`` and ``const`` of a
payload schema or a schema it reaches (``components/schemas`` too), are validated with
``jsonschema`` in the schema's own dialect: the ``$schema`` of the schema, else the version of the
payload's ``schemaFormat``, else draft-07 (AsyncAPI's Schema Object). ``format`` is asserted where
``jsonschema`` can check it. ``default`` is left to the bundler (:meth:`~.schemas.SchemaBundle.drop_invalid_defaults`
warns and leaves it out of the generated code), so a default is checked in one place.

:func:`check_examples` returns one :class:`~.errors.Diagnostic` per failing example, pointing at
the offending value (file, line:column, JSON pointer); ``check`` makes them errors, ``validate``
warnings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import validators  # type: ignore[import-untyped]
from jsonschema.exceptions import best_match  # type: ignore[import-untyped]

from .errors import Diagnostic, SpecError
from .ir import Protocol, build_protocol
from .schemas import SchemaBundle, dialect_uri
from .spec import Location, Workspace, load_spec

__all__ = ["check_examples"]

_DRAFT_07 = "http://json-schema.org/draft-07/schema#"
_VERSION = re.compile(r"version=([\w.-]+)", re.IGNORECASE)
_SUBSCHEMA = ("additionalProperties", "items", "contains", "not", "if", "then", "else", "propertyNames")
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems", "items")
_SUBSCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")


@dataclass(frozen=True)
class _Task:
    value: Any
    where: Location
    schema: Location
    #: the keyword whose value is checked (``const`` is checked against the rest of its schema)
    keyword: str
    label: str


class _Examples:
    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.bundle = SchemaBundle(workspace)
        self.names: dict[str, str] = {}  # schema location key -> bundle name
        self.dialects: dict[str, str] = {}
        self.tasks: list[_Task] = []
        self.walked: set[str] = set()

    def value_at(self, location: Location) -> tuple[Any, Location, str]:
        return self.workspace.resolve("#" + (location.pointer or ""), location.uri, location)

    def schema(self, node: Any, location: Location, base: str, dialect: str) -> str | None:
        """Bundle the schema at ``location`` (once); return its ``$defs`` name, or ``None`` when it cannot be."""
        known = self.names.get(location.key)
        if known is not None:
            return known
        if isinstance(node, dict) and isinstance(node.get("$schema"), str):
            dialect = node["$schema"]
        try:
            name = self.bundle.add(node, location, base, name="Example", dialect=dialect)
        except SpecError:
            return None  # a schema generation does not use and that is broken: not ours to report here
        self.names[location.key] = name
        self.dialects[name] = dialect
        return name

    def walk(self, node: Any, location: Location, base: str, dialect: str) -> None:
        """Collect the examples and constants of the schema at ``location`` and of every schema below it."""
        if location.key in self.walked or len(self.walked) > 100_000:
            return
        self.walked.add(location.key)
        if not isinstance(node, dict):
            return
        if isinstance(node.get("$schema"), str):
            dialect = node["$schema"]
        if isinstance(node.get("$ref"), str):
            try:
                target, target_location, target_base = self.workspace.resolve(
                    node["$ref"], base, location.child("$ref")
                )
            except SpecError:
                target = None
            if target is not None:
                self.walk(target, target_location, target_base, dialect)
        tasks = []
        if isinstance(node.get("examples"), list):
            tasks += [
                (value, location.child("examples", index), "examples", f"example {index + 1}")
                for index, value in enumerate(node["examples"])
            ]
        if "example" in node:
            tasks.append((node["example"], location.child("example"), "example", "example"))
        if "const" in node:
            tasks.append((node["const"], location.child("const"), "const", "const"))
        if tasks and self.schema(node, location, base, dialect) is not None:
            self.tasks += [_Task(value, where, location, keyword, label) for value, where, keyword, label in tasks]
        for keyword in _SUBSCHEMA:
            if isinstance(node.get(keyword), dict):
                self.walk(node[keyword], location.child(keyword), base, dialect)
        for keyword in _SUBSCHEMA_LISTS:
            if isinstance(node.get(keyword), list):
                for index, item in enumerate(node[keyword]):
                    self.walk(item, location.child(keyword, index), base, dialect)
        for keyword in _SUBSCHEMA_MAPS:
            if isinstance(node.get(keyword), dict):
                for name, item in node[keyword].items():
                    self.walk(item, location.child(keyword, name), base, dialect)

    def message(self, location: Location) -> None:
        """Collect a message's payload examples, then walk its payload schema."""
        if location.pointer is None:
            return
        message, location, base = self.value_at(location)
        if not isinstance(message, dict) or "payload" not in message:
            return
        payload, where, payload_base = self.workspace.deref(message["payload"], location.child("payload"), base)
        dialect = _DRAFT_07
        if isinstance(payload, dict) and "schemaFormat" in payload and "schema" in payload:
            dialect = _format_dialect(payload["schemaFormat"])
            payload, where, payload_base = self.workspace.deref(payload["schema"], where.child("schema"), payload_base)
        sources = [(message.get("examples"), location.child("examples"))]
        for index, trait_ref in enumerate(message.get("traits") or []):
            trait, trait_location, _ = self.workspace.deref(trait_ref, location.child("traits", index), base)
            if isinstance(trait, dict) and "examples" not in message:
                sources.append((trait.get("examples"), trait_location.child("examples")))
        examples = [
            (item, examples_location.child(index, "payload"), item.get("name"), index)
            for found, examples_location in sources
            if isinstance(found, list)
            for index, item in enumerate(found)
            if isinstance(item, dict) and "payload" in item
        ]
        if examples and self.schema(payload, where, payload_base, dialect) is not None:
            for item, item_location, name, index in examples:
                label = f"message example {name!r}" if isinstance(name, str) else f"message example {index + 1}"
                self.tasks.append(_Task(item["payload"], item_location, where, "payload", label))
        self.walk(payload, where, payload_base, dialect)

    def failures(self) -> list[Diagnostic]:
        definitions = self.bundle.definitions
        found = []
        for task in self.tasks:
            name = self.names[task.schema.key]
            dialect = self.dialects[name]
            cls = validators.validator_for({"$schema": dialect}, default=validators.Draft7Validator)
            schema = dict(definitions.get(name, {}))
            if task.keyword == "const":
                schema.pop("const", None)
            validator = cls({**schema, "$defs": definitions}, format_checker=cls.FORMAT_CHECKER)
            error = best_match(validator.iter_errors(task.value))
            if error is None:
                continue
            where = task.where.child(*error.absolute_path)
            found.append(self.workspace.diagnostic(f"{task.label} does not match its schema: {error.message}", where))
        return found


def _format_dialect(schema_format: Any) -> str:
    text = schema_format if isinstance(schema_format, str) else ""
    if text.lower().startswith("application/schema"):
        match = _VERSION.search(text)
        return dialect_uri(match[1] if match else "2020-12") or _DRAFT_07
    return _DRAFT_07


def check_examples(spec: Path, loaded: tuple[Workspace, Protocol] | None = None) -> list[Diagnostic]:
    """Every example, ``example`` and ``const`` in the spec that its schema refuses, in document order.

    ``loaded``: the spec's workspace and protocol, when the caller has them already.
    """
    if loaded is None:
        workspace = load_spec(spec)
        loaded = workspace, build_protocol(workspace, spec)
    workspace, protocol = loaded
    checker = _Examples(workspace)
    locations = {action.message.location for action in protocol.actions}
    locations.update(event.message.location for event in protocol.events)
    for location in sorted(locations):
        checker.message(location)
    components = workspace.root.data.get("components") or {}
    root = Location(workspace.root_uri, "")
    for key, value in (components.get("schemas") or {}).items():
        if isinstance(value, dict) and "schemaFormat" not in value:
            checker.walk(value, root.child("components", "schemas", key), workspace.root_uri, _DRAFT_07)
    return sorted(checker.failures(), key=lambda item: (str(item.file), item.line or 0, item.column or 0))
