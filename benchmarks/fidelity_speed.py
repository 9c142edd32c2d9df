"""Validation cost of a generated payload model against a hand-written pydantic model and jsonschema.

The payload is typical: an object with ten members (strings with patterns, numbers with bounds, an
enum, a nested object, an array of objects). The generated model comes from the generator (with
its fidelity checks), the hand-written model is what one would write with pydantic for the same
shape, and jsonschema validates the parsed JSON with ``Draft202012Validator``. Every variant starts
from the raw JSON text, as the runtime does.

    uv run --all-extras --all-packages python -m benchmarks.fidelity_speed
"""

from __future__ import annotations

import importlib.util
import json
import sys
import tempfile
import timeit
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr

SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["room", "author", "text", "priority", "location", "attachments"],
    "properties": {
        "room": {"type": "string", "pattern": "^[a-z0-9-]{1,32}$"},
        "author": {"type": "string", "pattern": "^[A-Za-z\u00c0-\u024f][A-Za-z\u00c0-\u024f .'-]{0,63}$"},
        "text": {"type": "string", "minLength": 1, "maxLength": 2000},
        "count": {"type": "integer", "minimum": 0, "maximum": 1000},
        "score": {"type": "number", "minimum": 0, "maximum": 1},
        "priority": {"enum": ["low", "normal", "high"]},
        "sent_at": {"type": "string", "format": "date-time"},
        "silent": {"type": "boolean"},
        "location": {
            "type": "object",
            "required": ["lat", "lon"],
            "properties": {
                "lat": {"type": "number", "minimum": -90, "maximum": 90},
                "lon": {"type": "number", "minimum": -180, "maximum": 180},
            },
        },
        "attachments": {
            "type": "array",
            "maxItems": 10,
            "items": {
                "type": "object",
                "required": ["name", "size"],
                "properties": {
                    "name": {"type": "string", "pattern": "^[\\w.-]+$"},
                    "size": {"type": "integer", "minimum": 0},
                },
            },
        },
    },
}

PAYLOAD = json.dumps(
    {
        "room": "general",
        "author": "Zoë O'Neil",
        "text": "Hello, everyone: the build is green again.",
        "count": 3,
        "score": 0.75,
        "priority": "normal",
        "sent_at": "2025-01-01T12:00:00Z",
        "silent": False,
        "location": {"lat": 52.23, "lon": 21.01},
        "attachments": [{"name": "report.pdf", "size": 12345}, {"name": "photo.jpg", "size": 2048}],
    }
)


# -- the hand-written model ---------------------------------------------------------------------


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


class Location(BaseModel):
    model_config = ConfigDict(strict=True)
    lat: Annotated[StrictFloat, Field(ge=-90, le=90)]
    lon: Annotated[StrictFloat, Field(ge=-180, le=180)]


class Attachment(BaseModel):
    model_config = ConfigDict(strict=True)
    name: Annotated[StrictStr, Field(pattern=r"^[0-9A-Za-z_.-]+$")]
    size: Annotated[StrictInt, Field(ge=0)]


class HandWritten(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    room: Annotated[StrictStr, Field(pattern=r"^[a-z0-9-]{1,32}$")]
    author: Annotated[StrictStr, Field(pattern="^[A-Za-z\u00c0-\u024f][A-Za-z\u00c0-\u024f .'-]{0,63}$")]
    text: Annotated[StrictStr, Field(min_length=1, max_length=2000)]
    count: Annotated[StrictInt | None, Field(ge=0, le=1000)] = None
    score: Annotated[StrictFloat | None, Field(ge=0, le=1)] = None
    priority: Priority
    sent_at: StrictStr | None = None
    silent: StrictBool | None = None
    location: Location
    attachments: Annotated[list[Attachment], Field(max_length=10)]


# -- the generated model --------------------------------------------------------------------------


#: The same schema with two keywords pydantic types cannot express, so the generated model checks
#: them in Python: what a check costs.
CHECKED: dict[str, Any] = json.loads(json.dumps(SCHEMA))
CHECKED["properties"]["score"]["multipleOf"] = 0.01
CHECKED["properties"]["attachments"]["uniqueItems"] = True


def generated_model(schema: dict[str, Any] = SCHEMA, name: str = "bench_generated") -> tuple[type[BaseModel], str]:
    """The generator's model for ``schema`` (as the payload of a message) and its source."""
    from beeflow_websocket_codegen.python.formatting import format_python
    from beeflow_websocket_codegen.python.models import generate_models

    models = generate_models({"TypicalPayload": schema}, roots=frozenset({"TypicalPayload"}))
    source = format_python({"models.py": models.source}, line_length=120)["models.py"]
    # Loaded as a lone module, not inside its _generated package: import the runtime directly.
    source = source.replace("from ._runtime import", "from beeflow_websocket.core.constraints import")
    directory = Path(tempfile.mkdtemp(prefix="beeflow-bench-"))
    path = directory / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    model: type[BaseModel] = module.TypicalPayload
    return model, source


def _best(function: Any, number: int) -> float:
    """Best of five runs, in microseconds per call."""
    return min(timeit.repeat(function, number=number, repeat=5)) / number * 1e6


def measure(number: int = 20000) -> dict[str, float]:
    from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

    generated, _ = generated_model()
    checked, _ = generated_model(CHECKED, "bench_checked")
    validator = Draft202012Validator(SCHEMA)
    # All three agree on the payload before they are timed.
    generated.model_validate_json(PAYLOAD)
    checked.model_validate_json(PAYLOAD)
    HandWritten.model_validate_json(PAYLOAD)
    assert validator.is_valid(json.loads(PAYLOAD))
    return {
        "hand-written pydantic model": _best(lambda: HandWritten.model_validate_json(PAYLOAD), number),
        "generated model": _best(lambda: generated.model_validate_json(PAYLOAD), number),
        "generated model + 2 Python checks (multipleOf 0.01, uniqueItems)": _best(
            lambda: checked.model_validate_json(PAYLOAD), number
        ),
        "jsonschema (json.loads + Draft202012Validator.is_valid)": _best(
            lambda: validator.is_valid(json.loads(PAYLOAD)), max(1000, number // 10)
        ),
    }


def table(results: dict[str, float]) -> str:
    base = results["hand-written pydantic model"]
    lines = ["| validator | µs per message | vs hand-written |", "| --- | ---: | ---: |"]
    for name, value in results.items():
        lines.append(f"| {name} | {value:.2f} | {value / base:.2f}x |")
    return "\n".join(lines)


if __name__ == "__main__":
    if "--source" in sys.argv:
        print(generated_model()[1])
    print(table(measure()))
