"""A ``default`` its own schema refuses is left out with a warning; generated code still type-checks.

The official AsyncAPI example ``operation-security-asyncapi.yml`` has ``default: 'false'`` on a
boolean: generated as is, ``enabled: StrictBool | None = "false"`` fails ``mypy --strict``.
"""

from __future__ import annotations

from pathlib import Path

from .helpers import cli, mypy_strict, run_python, write_spec
from .test_typescript import _tsc

SPEC = """\
asyncapi: 3.0.0
info: {title: Settings, version: 1.0.0}
channels:
  ws:
    address: /ws/
    messages:
      save: {$ref: '#/components/messages/Save'}
operations:
  receiveSave:
    action: receive
    channel: {$ref: '#/channels/ws'}
    messages: [{$ref: '#/channels/ws/messages/save'}]
components:
  schemas:
    Level: {type: string, enum: [low, high]}
    Settings:
      type: object
      properties:
        enabled:
          type: boolean
          default: 'false'
        limit:
          type: integer
          default: 10
        level:
          $ref: '#/components/schemas/Level'
          default: medium
        mode:
          allOf: [{$ref: '#/components/schemas/Level'}]
          default: high
  messages:
    Save: {name: settings.save, payload: {$ref: '#/components/schemas/Settings'}}
"""


def test_an_invalid_default_is_a_warning_and_is_left_out(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, SPEC)
    outcome = cli("generate", spec, "--python-out", tmp_path / "settings_api", "--ts-out", tmp_path / "web")
    assert outcome.exit_code == 0, outcome.output
    warnings = [line for line in outcome.output.splitlines() if line.startswith("warning:")]
    assert warnings == [
        f"warning: {spec}:21:11 #/components/schemas/Settings/properties/enabled/default: the default does not "
        "match its schema ('false' is not of type 'boolean'): left out of the generated code",
        f"warning: {spec}:27:11 #/components/schemas/Settings/properties/level/default: the default does not "
        "match its schema ('medium' is not one of ['low', 'high']): left out of the generated code",
    ]
    models = (tmp_path / "settings_api" / "_generated" / "models.py").read_text(encoding="utf-8")
    assert "false" not in models
    assert "medium" not in models
    assert "= 10\n" in models
    checked = mypy_strict(tmp_path / "settings_api")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    types = (tmp_path / "web" / "models.ts").read_text(encoding="utf-8")
    assert "@default 10" in types
    assert "false" not in types
    assert "medium" not in types
    compiled = _tsc("--strict", "--noEmit", "--target", "es2020", "--lib", "es2020,dom", "web/index.ts", cwd=tmp_path)
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    result = run_python(
        "from settings_api import models\nprint(models.Settings.model_validate_json('{}').model_dump_json())\n",
        cwd=tmp_path,
    )
    assert result.stdout.strip() == '{"limit":10,"mode":"high"}', result.stderr


def test_validate_shows_the_warning_too(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, SPEC)
    outcome = cli("validate", spec)
    assert outcome.exit_code == 0, outcome.output
    assert "#/components/schemas/Settings/properties/enabled/default: the default does not match" in outcome.output


VALID = """\
asyncapi: 3.0.0
info: {title: Valid defaults, version: 1.0.0}
channels:
  ws:
    address: /ws/
    messages:
      save: {$ref: '#/components/messages/Save'}
operations:
  receiveSave:
    action: receive
    channel: {$ref: '#/channels/ws'}
    messages: [{$ref: '#/channels/ws/messages/save'}]
components:
  schemas:
    Window: {type: object, required: [x], properties: {x: {type: integer}}}
    Settings:
      type: object
      properties:
        count: {type: integer, default: 1.0}
        window: {$ref: '#/components/schemas/Window', default: {x: 1}}
        since: {type: string, format: date-time, default: '2020-01-01T00:00:00Z'}
        id: {type: string, format: uuid, default: 9b2a4b6e-3c1d-4f00-8a5e-1c2d3e4f5a6b}
  messages:
    Save: {name: settings.save, payload: {$ref: '#/components/schemas/Settings'}}
"""


def test_valid_defaults_that_are_not_python_literals_of_the_type_still_type_check(tmp_path: Path) -> None:
    """``1.0`` for an integer, a dict for a model, strings for a datetime and a UUID."""
    spec = write_spec(tmp_path, VALID)
    outcome = cli("generate", spec, "--python-out", tmp_path / "valid_api", "--format-assertion")
    assert outcome.exit_code == 0, outcome.output
    assert "warning" not in outcome.output
    checked = mypy_strict(tmp_path / "valid_api")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    result = run_python(
        "from valid_api import models\n"
        "settings = models.Settings.model_validate_json('{}')\n"
        "print([type(value).__name__ for value in settings.__dict__.values()])\n"
        "print(settings.model_dump_json())\n"
        "print(models.Settings().window is not models.Settings().window)\n",
        cwd=tmp_path,
    )
    assert result.stdout.splitlines() == [
        "['int', 'Window', 'datetime', 'UUID']",
        '{"count":1,"window":{"x":1},"since":"2020-01-01T00:00:00Z","id":"9b2a4b6e-3c1d-4f00-8a5e-1c2d3e4f5a6b"}',
        "True",
    ], result.stderr
