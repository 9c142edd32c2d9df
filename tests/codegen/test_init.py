"""``init`` writes the generated package into the project's own package: src layout, flat layout, or none."""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from .helpers import cli, run_python

UV = os.environ.get("UV") or shutil.which("uv")


def _uv_init(parent: Path, name: str, *flags: str) -> Path:
    """A project made by ``uv init`` itself (no network needed: no lock, no sync)."""
    if UV is None:  # pragma: no cover - the project is developed with uv; CI installs it
        pytest.skip("uv is not on PATH and $UV is not set: cannot create projects with `uv init`")
    subprocess.run(
        [UV, "init", *flags, "--no-workspace", "--vcs", "none", "--no-pin-python", "--author-from", "none", name],
        cwd=parent,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "UV_OFFLINE": "1"},
    )
    return parent / name


def _python_out(project: Path) -> str:
    table = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["beeflow-websocket"]
    return str(table["python-out"])


def _init_and_generate(project: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    result = cli("init", project)
    assert result.exit_code == 0, result.output
    monkeypatch.chdir(project)
    generated = cli("generate")
    assert generated.exit_code == 0, generated.output
    return result.output


@pytest.mark.parametrize(
    ("flags", "package"),
    [(("--app",), "my_app"), (("--lib",), "my_lib"), (("--package",), "my_package")],
    ids=["app", "lib", "package"],
)
def test_init_writes_into_the_package_of_a_src_layout_made_by_uv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flags: tuple[str, ...], package: str
) -> None:
    project = _uv_init(tmp_path, package.replace("_", "-"), *flags)
    assert (project / "src" / package / "__init__.py").is_file()  # what uv made
    output = _init_and_generate(project, monkeypatch)
    assert _python_out(project) == f"src/{package}/ws"
    assert f"{package}.ws" in output
    assert (project / "src" / package / "ws" / "_generated" / "actions.py").is_file()
    assert not (project / "websocket_api").exists()
    imported = run_python(f"import {package}.ws as api; print(api.__name__)", cwd=project / "src")
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == f"{package}.ws"


def test_init_writes_into_a_flat_layout_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "shop"
    (project / "shop_server").mkdir(parents=True)
    (project / "shop_server" / "__init__.py").write_text("", encoding="utf-8")
    (project / "pyproject.toml").write_text('[project]\nname = "Shop.Server"\nversion = "1.0"\n', encoding="utf-8")
    _init_and_generate(project, monkeypatch)
    assert _python_out(project) == "shop_server/ws"
    assert (project / "shop_server" / "ws" / "_generated" / "actions.py").is_file()
    imported = run_python("import shop_server.ws", cwd=project)
    assert imported.returncode == 0, imported.stderr


def test_init_keeps_the_root_for_a_script_project_without_a_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _uv_init(tmp_path, "script-app", "--app", "--no-package")
    assert (project / "main.py").is_file()
    _init_and_generate(project, monkeypatch)
    assert _python_out(project) == "websocket_api"
    assert (project / "websocket_api" / "_generated" / "actions.py").is_file()


def test_init_uses_the_only_package_under_src_when_the_name_differs(tmp_path: Path) -> None:
    (tmp_path / "src" / "engine").mkdir(parents=True)
    (tmp_path / "src" / "engine" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "acme-engine"\n', encoding="utf-8")
    assert cli("init", tmp_path).exit_code == 0
    assert _python_out(tmp_path) == "src/engine/ws"


def test_fastapi_autodiscovery_imports_the_package_init_placed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``<package>/ws`` is where the adapters look: an app module of the package finds it with no import."""
    project = _uv_init(tmp_path, "shop", "--package")
    _init_and_generate(project, monkeypatch)
    (project / "src" / "shop" / "server.py").write_text(
        "from fastapi import FastAPI\n"
        "from beeflow_websocket.fastapi import configure_beeflow_websocket\n\n"
        "app = FastAPI()\n"
        "configure_beeflow_websocket(app)\n",
        encoding="utf-8",
    )
    served = run_python(
        """
        import shop.server
        from beeflow_websocket.core.action_registry import ActionRegistryMeta
        print(ActionRegistryMeta.get("greet").__module__)
        """,
        cwd=project / "src",
    )
    assert served.returncode == 0, served.stderr
    assert served.stdout.strip() == "shop.ws.greet"
