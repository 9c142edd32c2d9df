"""Payload models: the bundled ``$defs`` through datamodel-code-generator, made strict.

datamodel-code-generator writes one pydantic v2 model per schema (and per inline object or enum).
On top of its output this module:

- makes every model strict (``ConfigDict(strict=True)``): the runtime validates raw JSON frames,
  and JSON Schema never turns ``"1"`` into ``1``; JSON strings still validate as enums, UUIDs and
  datetimes, as strict JSON mode allows;
- makes sure each bundled definition keeps the class name the IR chose for it: when an inline
  model took that name first, the inline model is renamed (parent name + its own) and the
  generation runs once more.

- keeps the models exact (see :mod:`.fidelity`): datamodel-code-generator sees *relaxed*
  schemas whose models accept at least what the schemas accept, and each field or model whose
  pydantic type is not exact gets a check of its original schema from
  ``beeflow_websocket.core.constraints`` (``INTEGRAL``, ``NOT_NULL``, ``_SCHEMAS.check(...)``, a
  ``model_validator``).
"""

from __future__ import annotations

import ast
import json
import re
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from beeflow_websocket_codegen.errors import Diagnostic, SpecError
from beeflow_websocket_codegen.naming import pascal_case

from .fidelity import Plan, plan

__all__ = ["GeneratedModels", "generate_models"]

_CONFIG_OPEN = re.compile(r"^(?P<indent>[ \t]*)model_config = ConfigDict\($", re.MULTILINE)
_ROOT_MODEL = re.compile(r"^(?P<indent>[ \t]*)class \w+\(RootModel\[.*\]\):$", re.MULTILINE)


@dataclass(frozen=True)
class GeneratedModels:
    """The models module (unformatted) and the class name of each bundled definition."""

    source: str
    class_names: dict[str, str]


def _options(metadata: Path, model_name_map: dict[str, str]) -> dict[str, Any]:
    from datamodel_code_generator.enums import DataModelType, InputFileType, NamingStrategy, StrictTypes
    from datamodel_code_generator.format import PythonVersion

    return {
        "input_file_type": InputFileType.JsonSchema,
        "output_model_type": DataModelType.PydanticV2BaseModel,
        "target_python_version": PythonVersion.PY_312,
        "disable_timestamp": True,
        "field_constraints": True,
        "use_annotated": True,
        "snake_case_field": True,
        "capitalise_enum_members": True,
        "use_schema_description": True,
        "use_field_description": False,
        "strict_types": [StrictTypes.str, StrictTypes.int, StrictTypes.float, StrictTypes.bool, StrictTypes.bytes],
        "allow_population_by_field_name": True,
        "use_standard_collections": True,
        "use_union_operator": True,
        "use_double_quotes": True,
        "formatters": [],
        "skip_root_model": True,
        "collapse_root_models": True,
        "set_default_enum_member": True,
        "naming_strategy": NamingStrategy.PrimaryFirst,
        "custom_file_header": "",
        "emit_model_metadata": metadata,
        "model_name_map": model_name_map or None,
    }


def _run(definitions: dict[str, Any], model_name_map: dict[str, str]) -> tuple[str, list[dict[str, Any]]]:
    from datamodel_code_generator import generate

    document = json.dumps({"$defs": definitions}, ensure_ascii=False, sort_keys=False)
    with tempfile.TemporaryDirectory(prefix="beeflow-codegen-") as directory:
        metadata = Path(directory) / "models.json"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                source = generate(document, **_options(metadata, model_name_map))
            except (RecursionError, MemoryError):
                raise
            except Exception as error:  # the library's errors come in many classes
                raise SpecError(
                    Diagnostic(f"the payload schemas cannot be turned into models (datamodel-code-generator: {error})")
                ) from None
        models = json.loads(metadata.read_text(encoding="utf-8")).get("models", [])
    if not isinstance(source, str):  # pragma: no cover - one input, one module
        raise TypeError("datamodel-code-generator returned several modules")
    return source, models


def generate_models(
    definitions: dict[str, Any], *, roots: frozenset[str] = frozenset(), format_assertion: bool = False
) -> GeneratedModels:
    """Models for ``definitions`` (a ``$defs`` mapping whose keys are the wanted class names).

    ``roots`` are the payload definitions (always objects on the wire); with ``format_assertion``,
    ``format`` is checked where a pydantic type exists for it (else it is an annotation).
    """
    if not definitions:
        return GeneratedModels("", {})
    fidelity = plan(definitions, roots=roots, format_assertion=format_assertion)
    verify_checks(definitions, fidelity)
    renames: dict[str, str] = {}
    for _ in range(3):
        source, models = _run(fidelity.relaxed, renames)
        by_ref = {model["source_ref"]: model["class_name"] for model in models}
        taken = {model["class_name"]: model["source_ref"] for model in models}
        wanted = {name: by_ref.get(f"#/$defs/{name}", name) for name in definitions}
        clashes = {name: got for name, got in wanted.items() if got != name and name in taken}
        if not clashes:
            break
        for name in sorted(clashes):
            intruder = taken[name]
            if intruder in renames or intruder == f"#/$defs/{name}":
                continue
            parts = intruder.removeprefix("#/$defs/").split("/")
            candidate = pascal_case(parts[0]) + pascal_case(parts[-1])
            counter = 2
            while candidate in taken or candidate in definitions or candidate in renames.values():
                candidate = f"{pascal_case(parts[0])}{pascal_case(parts[-1])}{counter}"
                counter += 1
            renames[intruder] = candidate
    return GeneratedModels(_attach(_wire_enums(_strict(source)), models, fidelity, definitions), wanted)


def _strict(source: str) -> str:
    """Add ``strict=True`` to every model's config (and a config to root models that have none)."""
    source = _CONFIG_OPEN.sub(lambda match: f"{match[0]}\n{match['indent']}    strict=True,", source)

    def root_config(match: re.Match[str]) -> str:
        return f"{match[0]}\n{match['indent']}    model_config = ConfigDict(strict=True)\n"

    source = _ROOT_MODEL.sub(root_config, source)
    if "ConfigDict" in source:
        source = source.replace(
            "from __future__ import annotations\n",
            "from __future__ import annotations\n\nfrom pydantic import ConfigDict\n",
            1,
        )
    return source


_STR_ENUM = re.compile(r"^(class \w+)\(StrEnum\):$", re.MULTILINE)


def _wire_enums(source: str) -> str:
    """Base every string enum on the runtime's ``WireEnum``: its plain values work from Python too."""
    source, count = _STR_ENUM.subn(r"\1(WireEnum):", source)
    if count and not re.search(r"\bStrEnum\b", source.replace("from enum import StrEnum\n", "")):
        source = source.replace("from enum import StrEnum\n", "", 1)
    return source


_VALIDATOR = """
    @model_validator(mode="before")
    @classmethod
    def _json_schema(cls, data: Any, info: ValidationInfo) -> Any:
        return _SCHEMAS.validate({pointer}, data, info)
"""


def _pointer_of(model: dict[str, Any]) -> str:
    return "/".join(part.replace("~", "~0").replace("/", "~1") for part in model.get("source_path", [])[1:])


def _attach(source: str, models: list[dict[str, Any]], fidelity: Plan, definitions: dict[str, Any]) -> str:
    """Add the markers and checks of ``fidelity`` to the fields and classes of ``source``."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def at(line: int, column: int) -> int:
        return offsets[line - 1] + len(lines[line - 1].encode("utf-8")[:column].decode("utf-8"))

    by_class = {model["class_name"]: model for model in models}
    edits: list[tuple[int, int, str]] = []
    found: set[str] = set()
    used: set[str] = set()
    for node in tree.body:
        if not isinstance(node, ast.ClassDef) or node.name not in by_class:
            continue
        model = by_class[node.name]
        pointer = _pointer_of(model)
        found.add(pointer)
        wire = {item["name"]: item.get("original_name") or item["name"] for item in model.get("fields", [])}
        checks = fidelity.member_checks.get(pointer, {})
        not_null = fidelity.not_null.get(pointer, set())
        for statement in node.body:
            if not isinstance(statement, ast.AnnAssign) or not isinstance(statement.target, ast.Name):
                continue
            annotation = statement.annotation
            name = wire.get(statement.target.id, statement.target.id)
            start = at(annotation.lineno, annotation.col_offset)
            end = at(annotation.end_lineno or annotation.lineno, annotation.end_col_offset or 0)
            # A slice, not ast.get_source_segment: that splits the whole module on every call.
            text = source[start:end]
            default = _typed_default(statement, source, at)
            if default is not None:
                edits.append(default)
                used.update(["json_default"] if "json_default(" in default[2] else [])
            extras = []
            if re.search(r"\bStrictInt\b", text):
                extras.append("INTEGRAL")
            if name in checks:
                where, _, keywords = checks[name].partition("#")
                arguments = [where, *(keywords.split(",") if keywords else [])]
                extras.append(
                    f"_SCHEMAS.check({', '.join(json.dumps(item, ensure_ascii=False) for item in arguments)})"
                )
            if name in not_null and statement.value is not None:
                extras.append("NOT_NULL")  # last: None skips the other checks (it means absent)
            if not extras:
                continue
            used.update(extra.split(".", 1)[0].split("(", 1)[0] for extra in extras)
            is_annotated = (
                isinstance(annotation, ast.Subscript)
                and isinstance(annotation.value, ast.Name)
                and annotation.value.id == "Annotated"
            )
            if is_annotated:
                edits.append((end - 1, end - 1, ", " + ", ".join(extras)))
            else:
                edits.append((start, end, f"Annotated[{text}, {', '.join(extras)}]"))
        if pointer in fidelity.object_checks:
            used.add("_SCHEMAS")
            end = at(node.end_lineno or node.lineno, node.end_col_offset or 0)
            checked = json.dumps(_object_check(fidelity, pointer), ensure_ascii=False)
            edits.append((end, end, "\n" + _VALIDATOR.format(pointer=checked)))
    wanted = set(fidelity.member_checks) | set(fidelity.not_null) | fidelity.object_checks
    classes = [_subschema(definitions, pointer) for pointer in found]
    missing = sorted(pointer for pointer in wanted - found if not _shares_a_class(pointer, classes, definitions))
    if missing:
        raise SpecError(
            Diagnostic(
                f"the inline object schema at #/$defs/{missing[0]} differs from another one only in keywords "
                "that are checked after validation (such as uniqueItems or multipleOf), and the model "
                "generator merged the two into one class: move them to components/schemas under names of "
                "their own"
            )
        )
    for start, end, text in sorted(edits, reverse=True):
        source = source[:start] + text + source[end:]
    return _imports(source, used, fidelity, definitions)


#: Names in annotations whose values a JSON literal (``"a"``, ``1``, ``[1]``, ``{}``) already is.
_LITERAL_TYPES = frozenset(
    {
        "StrictStr",
        "StrictInt",
        "StrictFloat",
        "StrictBool",
        "Any",
        "Literal",
        "list",
        "dict",
        "str",
        "int",
        "float",
        "bool",
    }
)


def _typed_default(statement: ast.AnnAssign, source: str, at: Callable[[int, int], int]) -> tuple[int, int, str] | None:
    """An edit that makes a JSON default fit the field's Python type, or ``None`` when it does.

    datamodel-code-generator writes a default as its JSON literal: ``1.0`` for an integer, a string
    for a UUID or a datetime, a dict for a model. Integers get ``1``; the others become
    ``json_default(lambda: Type, "<json>")``, validated like a frame member whenever it is used.
    """
    value = statement.value
    if value is None:
        return None
    try:
        literal = ast.literal_eval(value)
    except ValueError:
        return None  # an enum member or a Field(...): typed already
    if literal is None:
        return None
    inner = statement.annotation
    if isinstance(inner, ast.Subscript) and isinstance(inner.value, ast.Name) and inner.value.id == "Annotated":
        inner = inner.slice.elts[0] if isinstance(inner.slice, ast.Tuple) else inner.slice

    def segment(node: ast.expr) -> tuple[int, int]:
        return at(node.lineno, node.col_offset), at(node.end_lineno or node.lineno, node.end_col_offset or 0)

    start, end = segment(value)
    names = {node.id for node in ast.walk(inner) if isinstance(node, ast.Name)}
    if names <= _LITERAL_TYPES:
        fixed = _integral(literal) if "StrictInt" in names and "StrictFloat" not in names else literal
        return (start, end, repr(fixed)) if repr(fixed) != repr(literal) else None
    members = []
    stack = [inner]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            stack.extend([node.right, node.left])
        elif not (isinstance(node, ast.Constant) and node.value is None):
            members.append(source[slice(*segment(node))])
    text = json.dumps(json.dumps(literal, ensure_ascii=False), ensure_ascii=False)
    return start, end, f"json_default(lambda: {' | '.join(members)}, {text})"


def _integral(value: Any) -> Any:
    """``value`` with integral floats as ints (JSON Schema counts ``1.0`` as an integer)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_integral(item) for item in value]
    if isinstance(value, dict):
        return {key: _integral(item) for key, item in value.items()}
    return value


def _subschema(definitions: dict[str, Any], pointer: str) -> Any:
    node: Any = definitions
    for part in pointer.split("/"):
        key = part.replace("~1", "/").replace("~0", "~")
        node = node[int(key)] if isinstance(node, list) else node.get(key) if isinstance(node, dict) else None
    return node


def _shares_a_class(pointer: str, classes: list[Any], definitions: dict[str, Any]) -> bool:
    """Whether datamodel-code-generator gave ``pointer`` the class of an identical schema.

    ``classes`` are the original schemas of the classes it wrote. It reuses one class for identical
    inline schemas (the same ``options`` object in two payloads). That is right only when the
    ORIGINAL schemas are identical, so that the attached checks are the same too; relaxed schemas
    can be identical while the originals differ.
    """
    schema = _subschema(definitions, pointer)
    return schema is not None and schema in classes


def _needed(definitions: dict[str, Any], names: set[str]) -> dict[str, Any]:
    """``names`` and every definition they reference, in the order of ``definitions``."""
    seen: set[str] = set()
    stack = list(names)
    while stack:
        name = stack.pop()
        if name in seen or name not in definitions:
            continue
        seen.add(name)
        stack.extend(_refs(definitions[name]))
    return {name: definitions[name] for name in definitions if name in seen}


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"].removeprefix("#/$defs/")] if isinstance(node.get("$ref"), str) else []
        for value in node.values():
            found.extend(_refs(value))
        return found
    if isinstance(node, list):
        return [name for item in node for name in _refs(item)]
    return []


def _imports(source: str, used: set[str], fidelity: Plan, definitions: dict[str, Any]) -> str:
    if re.search(r"^class \w+\(WireEnum\):$", source, re.MULTILINE):
        used = used | {"WireEnum"}
    if not used:
        return source
    names = sorted(
        ({"INTEGRAL", "NOT_NULL", "WireEnum", "json_default"} & used)
        | ({"JsonSchemas"} if "_SCHEMAS" in used else set())
    )
    # Through a sibling module: a relative import sorts the same whether the project counts
    # beeflow_websocket as first- or third-party.
    block = f"from ._runtime import {', '.join(names)}\n"
    if "_SCHEMAS" in used:
        pointers = [*(pointer for checks in fidelity.member_checks.values() for pointer in checks.values())]
        pointers.extend(fidelity.object_checks)
        roots = {pointer.split("/", 1)[0].replace("~1", "/").replace("~0", "~") for pointer in pointers}
        schemas = _needed(definitions, roots)
        block += "from pydantic import ValidationInfo, model_validator\n" if fidelity.object_checks else ""
        block += (
            "\n\n#: The JSON Schemas behind the checks that pydantic types cannot express (JSON Schema 2020-12).\n"
            f"_SCHEMAS = JsonSchemas({_literal(schemas)}{_models_argument(fidelity)})\n"
        )
        if fidelity.object_checks and not re.search(r"^from typing import .*\bAny\b", source, re.MULTILINE):
            block = "from typing import Any\n" + block
    if used - {"WireEnum", "json_default"} and not re.search(
        r"^from typing import .*\bAnnotated\b", source, re.MULTILINE
    ):
        block = "from typing import Annotated\n" + block
    # After the last top-level import.
    tree = ast.parse(source)
    last = max((node.end_lineno or 0 for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)), default=0)
    lines = source.splitlines(keepends=True)
    return "".join(lines[:last]) + block + "".join(lines[last:])


def _object_check(fidelity: Plan, pointer: str) -> str:
    """What an object's model validator checks: its schema, or only the keywords its class cannot enforce."""
    keywords = fidelity.object_keywords.get(pointer)
    return f"{pointer}#{','.join(keywords)}" if keywords else pointer


def _models_argument(fidelity: Plan) -> str:
    """The pointers of the model validators, compiled when the module is imported."""
    if not fidelity.object_checks:
        return ""
    checks = sorted(_object_check(fidelity, pointer) for pointer in fidelity.object_checks)
    return ", models=(" + "".join(f"{json.dumps(check, ensure_ascii=False)}, " for check in checks) + ")"


def verify_checks(definitions: dict[str, Any], fidelity: Plan) -> None:
    """Compile every check the models will run, as their import will: a schema the runtime cannot
    check is refused here, not on the first frame."""
    from beeflow_websocket.jsonschema import JsonSchemas

    schemas = JsonSchemas(definitions)
    pointers = [pointer for checks in fidelity.member_checks.values() for pointer in checks.values()]
    for pointer in [*pointers, *sorted(_object_check(fidelity, pointer) for pointer in fidelity.object_checks)]:
        try:
            schemas.validator(pointer)
        except (RecursionError, MemoryError):
            raise
        except Exception as error:
            where = pointer.partition("#")[0]
            raise SpecError(
                Diagnostic(
                    f"the schema at #/$defs/{where} cannot be checked at run time ({type(error).__name__}: {error})"
                )
            ) from None


def _literal(value: Any) -> str:
    """``value`` (JSON) as a Python literal."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_literal(key)}: {_literal(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(item) for item in value) + "]"
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return f"float({str(value)!r})"
    return repr(value)
