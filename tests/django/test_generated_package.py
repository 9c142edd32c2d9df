"""How a Django project gets its generated package imported at start-up.

Inside an installed app as ``<app>/ws`` (what ``init`` and the guide recommend), autodiscovery
imports it; anywhere else, ``BEEFLOW_WEBSOCKET_AUTODISCOVER_PACKAGES`` (0.3.0's setting) names
it. Each case starts a real Django project in a fresh interpreter, so its settings and registries
are its own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from beeflow_websocket_codegen.scaffold import SAMPLE_SCHEMA

SETTINGS = """\
SECRET_KEY = "generated-package-test"
INSTALLED_APPS = ["channels", "beeflow_websocket.django", "shop"]
DATABASES = {{}}
USE_TZ = True
{extra}
"""

# Which class serves the action "greet" once Django is ready (the user's handler module, or None).
PROBE = """\
import django
django.setup()
from beeflow_websocket.core.action_registry import ActionRegistryMeta
served = ActionRegistryMeta.get("greet")
print(served.__module__ if served is not None else None)
"""


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package ``beeflow-websocket generate`` writes for init's sample schema."""
    root = tmp_path_factory.mktemp("generated")
    spec = root / "asyncapi.yaml"
    spec.write_text(SAMPLE_SCHEMA, encoding="utf-8")
    command = [str(Path(sys.executable).with_name("beeflow-websocket")), "generate", str(spec)]
    subprocess.run([*command, "--python-out", str(root / "package")], check=True, capture_output=True, timeout=300)
    return root / "package"


def _project(tmp_path: Path, generated: Path, package: str, extra: str = "") -> Path:
    """A Django project: ``mysite`` (its settings), the installed app ``shop``, the generated package."""
    for folder in ("mysite", "shop"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "mysite" / "settings.py").write_text(SETTINGS.format(extra=extra), encoding="utf-8")
    shutil.copytree(generated, tmp_path / package)
    return tmp_path


def _served_by(project: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(project), "DJANGO_SETTINGS_MODULE": "mysite.settings"}
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(PROBE)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_a_generated_package_in_an_installed_app_is_imported_by_autodiscovery(tmp_path: Path, generated: Path) -> None:
    project = _project(tmp_path, generated, "shop/ws")
    assert _served_by(project) == "shop.ws.greet"


def test_a_generated_package_outside_the_installed_apps_is_not_imported_by_itself(
    tmp_path: Path, generated: Path
) -> None:
    project = _project(tmp_path, generated, "mysite/api")
    assert _served_by(project) == "None"


def test_autodiscover_packages_imports_a_generated_package_anywhere(tmp_path: Path, generated: Path) -> None:
    extra = 'BEEFLOW_WEBSOCKET_AUTODISCOVER_PACKAGES = ["mysite.api"]'
    project = _project(tmp_path, generated, "mysite/api", extra=extra)
    assert _served_by(project) == "mysite.api.greet"


def test_without_autodiscovery_the_packages_setting_imports_nothing(tmp_path: Path, generated: Path) -> None:
    extra = 'BEEFLOW_WEBSOCKET_AUTODISCOVER = False\nBEEFLOW_WEBSOCKET_AUTODISCOVER_PACKAGES = ["mysite.api"]'
    project = _project(tmp_path, generated, "mysite/api", extra=extra)
    assert _served_by(project) == "None"


@pytest.mark.parametrize(
    ("value", "message"),
    [('"mysite.api"', "must be a list of package names"), ('["mysite.missing"]', "No module named 'mysite.missing'")],
)
def test_a_wrong_autodiscover_packages_setting_fails_start_up(
    tmp_path: Path, generated: Path, value: str, message: str
) -> None:
    project = _project(tmp_path, generated, "mysite/api", extra=f"BEEFLOW_WEBSOCKET_AUTODISCOVER_PACKAGES = {value}")
    env = {**os.environ, "PYTHONPATH": str(project), "DJANGO_SETTINGS_MODULE": "mysite.settings"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode != 0
    assert message in result.stderr
