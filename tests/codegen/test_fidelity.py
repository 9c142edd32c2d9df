"""Schema fidelity: the JSON-Schema-Test-Suite (draft 2020-12 and draft-07, each schema inside a
member and as the payload itself) through generator and runtime, plus focused checks per keyword
family (see ``fidelity_suite`` for how the suite is run)."""

from __future__ import annotations

import os
import urllib.error
from pathlib import Path
from typing import Any

import pytest

from . import fidelity_suite

#: The issue's target: at least this share of the included tests agree with JSON Schema.
THRESHOLD = 0.99


@pytest.fixture(scope="module", params=list(fidelity_suite.DIALECTS))
def suite_result(request: pytest.FixtureRequest) -> dict[str, fidelity_suite.Result]:
    try:
        fidelity_suite.suite_archive()
    except (urllib.error.URLError, OSError) as error:  # pragma: no cover - CI reaches PyPI
        reason = f"cannot download the jsonschema sdist (the test suite) from PyPI: {error}"
        if os.environ.get("CI"):
            pytest.fail(f"the fidelity run is required in CI, but {reason}")
        pytest.skip(reason)
    return fidelity_suite.run_isolated(request.param)


@pytest.mark.parametrize("placement", fidelity_suite.PLACEMENTS)
def test_the_suite_agrees_with_json_schema(suite_result: dict[str, fidelity_suite.Result], placement: str) -> None:
    result = suite_result[placement]
    print(f"\n{placement} placement\n" + result.table())
    assert sum(result.total.values()) > 200, "the suite was not read"
    assert result.rate >= THRESHOLD, "\n".join(result.failures)


def test_core_keywords_agree_fully(suite_result: dict[str, fidelity_suite.Result]) -> None:
    result = suite_result["member"]
    for name in sorted(fidelity_suite.STRICT_FILES):
        assert result.total.get(name), f"{name} was not run"
        assert result.agreed.get(name) == result.total[name], [
            failure for failure in result.failures if failure.startswith(name)
        ]


def test_only_what_cannot_apply_to_a_payload_is_excluded(suite_result: dict[str, fidelity_suite.Result]) -> None:
    words = ("$dynamicRef", "remote", "vocabulary", "meta-schema", "admits no object")
    for result in suite_result.values():
        for group in result.excluded_groups:
            assert any(word in group for word in words), group


# -- focused tests per keyword family -------------------------------------------------------------

FOCUSED = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "count"],
    "properties": {
        "name": {"type": "string", "pattern": "^\\p{L}+$", "minLength": 2, "maxLength": 3},
        "count": {"type": "integer", "minimum": 0, "multipleOf": 2},
        "ratio": {"type": "number", "multipleOf": 0.0001, "exclusiveMaximum": 1},
        "color": {"enum": ["red", "green"]},
        "level": {"enum": [1, "high", None]},
        "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True, "maxItems": 3},
        "point": {
            "type": "object",
            "required": ["x"],
            "properties": {"x": {"type": "integer"}, "y": {"type": "integer"}},
            "dependentRequired": {"y": ["x"]},
            "minProperties": 1,
        },
        "shape": {
            "oneOf": [
                {"type": "object", "required": ["r"], "properties": {"r": {"type": "number"}}},
                {"type": "object", "required": ["w"], "properties": {"w": {"type": "number"}}},
            ]
        },
        "pair": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}], "items": False},
        "code": {"type": "string", "not": {"const": "forbidden"}},
        "meta": {"type": "object", "patternProperties": {"^x-": {"type": "string"}}, "additionalProperties": False},
        "kind": {"type": "string"},
        "when": {"type": "string", "format": "date-time"},
    },
    "if": {"required": ["kind"], "properties": {"kind": {"const": "circle"}}},
    "then": {"required": ["shape"]},
}

FOCUSED_CASES: list[tuple[dict[str, Any], str | None]] = [
    ({"name": "ab", "count": 2}, None),
    ({"name": "ab", "count": 2.0}, None),
    ({"name": "żó", "count": 0}, None),
    ({"name": "a1", "count": 0}, "/payload/name"),
    ({"name": "abcd", "count": 0}, "/payload/name"),
    ({"name": "ab", "count": "2"}, "/payload/count"),
    ({"name": "ab", "count": True}, "/payload/count"),
    ({"name": "ab", "count": 3}, "/payload/count"),
    ({"name": "ab", "count": 2, "ratio": 0.0075}, None),
    ({"name": "ab", "count": 2, "ratio": 0.00751}, "/payload/ratio"),
    ({"name": "ab", "count": 2, "color": "red"}, None),
    ({"name": "ab", "count": 2, "color": "blue"}, "/payload/color"),
    ({"name": "ab", "count": 2, "color": None}, "/payload/color"),
    ({"name": "ab", "count": 2, "level": 1.0}, None),
    ({"name": "ab", "count": 2, "level": None}, None),
    ({"name": "ab", "count": 2, "level": True}, "/payload/level"),
    ({"name": "ab", "count": 2, "tags": ["a", "b"]}, None),
    ({"name": "ab", "count": 2, "tags": ["a", "a"]}, "/payload/tags"),
    ({"name": "ab", "count": 2, "point": {"x": 1, "y": 2}}, None),
    ({"name": "ab", "count": 2, "point": {"y": 2}}, "/payload/point"),
    ({"name": "ab", "count": 2, "shape": {"r": 1}}, None),
    ({"name": "ab", "count": 2, "shape": {"r": 1, "w": 2}}, "/payload/shape"),
    ({"name": "ab", "count": 2, "pair": ["a", 1]}, None),
    ({"name": "ab", "count": 2, "pair": ["a", 1, 2]}, "/payload/pair/2"),
    ({"name": "ab", "count": 2, "code": "ok"}, None),
    ({"name": "ab", "count": 2, "code": "forbidden"}, "/payload/code"),
    ({"name": "ab", "count": 2, "meta": {"x-a": "b"}}, None),
    ({"name": "ab", "count": 2, "meta": {"y": "b"}}, "/payload/meta"),
    ({"name": "ab", "count": 2, "kind": "circle"}, "/payload"),
    ({"name": "ab", "count": 2, "kind": "circle", "shape": {"w": 1}}, None),
    ({"name": "ab", "count": 2, "when": "not a date"}, None),
    ({"name": "ab", "count": 2, "extra": 1}, "/payload/extra"),
]


@pytest.fixture(scope="module")
def focused(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import json

    from .helpers import cli

    root = tmp_path_factory.mktemp("focused")
    spec = fidelity_suite._spec({"focus": {"name": "focus", "payload": FOCUSED}})
    (root / "asyncapi.json").write_text(json.dumps(spec), encoding="utf-8")
    result = cli("generate", root / "asyncapi.json", "--python-out", root / "focus_api", "--line-length", "120")
    assert result.exit_code == 0, result.output
    return root


def test_each_keyword_family_is_enforced_with_pointers(focused: Path) -> None:
    import json

    from .helpers import run_python

    result = run_python(
        f"""
        import asyncio, json
        import focus_api
        from beeflow_websocket.testing import AsyncWebSocketTestClient

        cases = json.loads({json.dumps(json.dumps(FOCUSED_CASES))})

        async def main():
            async with AsyncWebSocketTestClient() as client:
                for payload, pointer in cases:
                    reply = await client.request("focus", payload)
                    problem = reply.problem
                    if pointer is None:
                        assert problem["status"] == 501, (payload, problem)
                    else:
                        assert problem["status"] == 422, (payload, problem)
                        pointers = [item["pointer"] for item in problem["errors"]]
                        assert any(p == pointer or p.startswith(pointer + "/") for p in pointers), (payload, pointers)
            print("OK")

        asyncio.run(main())
        """,
        cwd=focused,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "OK"


def test_types_stay_ergonomic(focused: Path) -> None:
    models = (focused / "focus_api" / "_generated" / "models.py").read_text(encoding="utf-8")
    assert "class FocusPayload(BaseModel):" in models
    assert "color: Annotated[Color | None, NOT_NULL] = None" in models
    assert "point: Annotated[Point | None, NOT_NULL] = None" in models
    assert "shape: Annotated[Shape | Shape1 | None, _SCHEMAS.check(" in models
    assert "count: Annotated[StrictInt, Field(ge=0, multiple_of=2), INTEGRAL]" in models
    assert "when: Annotated[StrictStr | None, NOT_NULL] = None" in models  # format is an annotation
    assert "jsonschema" not in models
    # The model validators check only what the classes cannot (members are typed, extra="forbid").
    assert '_SCHEMAS.validate("FocusPayload#if,then", data, info)' in models
    assert '_SCHEMAS.validate("FocusPayload/properties/point#dependentRequired,minProperties", data, info)' in models


def test_format_assertion_is_opt_in(tmp_path: Path) -> None:
    import json

    from .helpers import cli

    spec = fidelity_suite._spec(
        {
            "when": {
                "name": "when",
                "payload": {"type": "object", "properties": {"at": {"type": "string", "format": "date-time"}}},
            }
        }
    )
    (tmp_path / "asyncapi.json").write_text(json.dumps(spec), encoding="utf-8")
    result = cli("generate", tmp_path / "asyncapi.json", "--python-out", tmp_path / "api", "--format-assertion")
    assert result.exit_code == 0, result.output
    models = (tmp_path / "api" / "_generated" / "models.py").read_text(encoding="utf-8")
    assert "at: Annotated[AwareDatetime | None, NOT_NULL] = None" in models
