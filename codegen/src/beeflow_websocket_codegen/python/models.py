"""Payload models: the bundled ``$defs`` through datamodel-code-generator, made strict.

datamodel-code-generator writes one pydantic v2 model per schema (and per inline object or enum).
On top of its output this module:

- makes every model strict (``ConfigDict(strict=True)``): the runtime validates raw JSON frames,
  and JSON Schema never turns ``"1"`` into ``1``; JSON strings still validate as enums, UUIDs and
  datetimes, as strict JSON mode allows;
- makes sure each bundled definition keeps the class name the IR chose for it: when an inline
  model took that name first, the inline model is renamed (parent name + its own) and the
  generation runs once more.

Later fidelity work (``uniqueItems``, ``multipleOf`` on floats, ...) can add validators here,
after generation, without touching the emitters that use the models.
"""

from __future__ import annotations

import json
import re
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from beeflow_websocket_codegen.errors import Diagnostic, SpecError
from beeflow_websocket_codegen.naming import pascal_case

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


def generate_models(definitions: dict[str, Any]) -> GeneratedModels:
    """Models for ``definitions`` (a ``$defs`` mapping whose keys are the wanted class names)."""
    if not definitions:
        return GeneratedModels("", {})
    renames: dict[str, str] = {}
    for _ in range(3):
        source, models = _run(definitions, renames)
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
    return GeneratedModels(_strict(source), wanted)


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
