"""What gets published: both Python distributions (wheel and sdist each) and the npm package.

The distributions are built with the release workflow's own command (``uv build --all-packages``)
into a temporary folder, or read from ``$BEEFLOW_DIST`` when the workflow has built them already,
so the files checked here are the files uploaded.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tarfile
import tomllib
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CODEGEN = ROOT / "codegen" / "src" / "beeflow_websocket_codegen"
TS_CLIENT = ROOT / "clients" / "typescript"
UV = os.environ.get("UV") or shutil.which("uv")


def _project(path: Path) -> dict[str, object]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))["project"]
    assert isinstance(data, dict)
    return data


RUNTIME_VERSION = str(_project(ROOT / "pyproject.toml")["version"])
CODEGEN_VERSION = str(_project(ROOT / "codegen" / "pyproject.toml")["version"])


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get("BEEFLOW_DIST")
    if given:
        return Path(given)
    if UV is None:  # pragma: no cover - the project is developed with uv; CI installs it
        pytest.skip("uv is not on PATH and $UV is not set: cannot run `uv build`")
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [UV, "build", "--all-packages", "--out-dir", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return out


def _one(dist: Path, pattern: str) -> Path:
    found = sorted(dist.glob(pattern))
    assert len(found) == 1, f"expected one {pattern} in {dist}, found {[path.name for path in found]}"
    return found[0]


def _wheel_names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def _sdist_names(sdist: Path) -> set[str]:
    with tarfile.open(sdist) as archive:
        # drop the leading "name-version/" folder
        return {member.name.split("/", 1)[1] for member in archive.getmembers() if "/" in member.name}


def _metadata(wheel: Path) -> dict[str, list[str]]:
    with zipfile.ZipFile(wheel) as archive:
        name = next(item for item in archive.namelist() if item.endswith(".dist-info/METADATA"))
        message = Parser().parsestr(archive.read(name).decode("utf-8"))
    return {key: message.get_all(key) or [] for key in set(message.keys())}


def _sources(folder: Path, pattern: str) -> set[str]:
    return {path.name for path in folder.glob(pattern)}


def test_both_python_distributions_are_built_as_wheel_and_sdist(dist: Path) -> None:
    _one(dist, f"beeflow_websocket-{RUNTIME_VERSION}-py3-none-any.whl")
    _one(dist, f"beeflow_websocket-{RUNTIME_VERSION}.tar.gz")
    _one(dist, f"beeflow_websocket_codegen-{CODEGEN_VERSION}-py3-none-any.whl")
    _one(dist, f"beeflow_websocket_codegen-{CODEGEN_VERSION}.tar.gz")


def test_the_runtime_wheel_is_typed_and_holds_only_the_runtime(dist: Path) -> None:
    names = _wheel_names(_one(dist, "beeflow_websocket-*.whl"))
    assert "beeflow_websocket/py.typed" in names
    for module in ("core/dispatcher.py", "django/apps.py", "fastapi/adapter.py", "flask/adapter.py", "testing.py"):
        assert f"beeflow_websocket/{module}" in names
    assert not any(name.startswith("beeflow_websocket_codegen/") for name in names)
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)


def test_the_generator_wheel_carries_its_templates_and_the_typescript_runtime(dist: Path) -> None:
    names = _wheel_names(_one(dist, "beeflow_websocket_codegen-*.whl"))
    assert "beeflow_websocket_codegen/py.typed" in names
    for folder in ("python/templates", "typescript/templates"):
        templates = _sources(CODEGEN / folder, "*.jinja")
        assert templates
        assert {f"beeflow_websocket_codegen/{folder}/{name}" for name in templates} <= names
    runtime = _sources(TS_CLIENT / "src", "*.ts")
    assert runtime
    assert {f"beeflow_websocket_codegen/typescript/runtime/{name}" for name in runtime} <= names
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)
    metadata = _metadata(_one(dist, "beeflow_websocket_codegen-*.whl"))
    assert metadata["Name"] == ["beeflow-websocket-codegen"]
    with zipfile.ZipFile(_one(dist, "beeflow_websocket_codegen-*.whl")) as archive:
        entry_points = next(item for item in archive.namelist() if item.endswith("entry_points.txt"))
        assert "beeflow-websocket = beeflow_websocket_codegen.launcher:main" in archive.read(entry_points).decode()


def test_the_sdists_hold_what_their_wheels_are_built_from_and_nothing_of_the_repository_else(dist: Path) -> None:
    runtime = _sdist_names(_one(dist, "beeflow_websocket-*.tar.gz"))
    assert {"pyproject.toml", "README.md", "LICENSE", "src/beeflow_websocket/py.typed"} <= runtime
    assert not any(name.startswith(("codegen/", "tests/", "docs/", "examples/", "clients/")) for name in runtime)
    codegen = _sdist_names(_one(dist, "beeflow_websocket_codegen-*.tar.gz"))
    assert {"pyproject.toml", "README.md", "LICENSE", "src/beeflow_websocket_codegen/py.typed"} <= codegen
    assert "src/beeflow_websocket_codegen/typescript/runtime/index.ts" in codegen
    assert "src/beeflow_websocket_codegen/python/templates/actions.py.jinja" in codegen


def test_the_generator_requires_the_runtime_version_it_generates_for(dist: Path) -> None:
    requirements = _metadata(_one(dist, "beeflow_websocket_codegen-*.whl"))["Requires-Dist"]
    runtime = [item for item in requirements if re.match(r"beeflow-websocket\b(?!-)", item)]
    assert runtime == [f"beeflow-websocket>={RUNTIME_VERSION}"]


def test_the_generated_runtime_api_level_is_one_the_runtime_provides() -> None:
    from beeflow_websocket_codegen.python.emitter import RUNTIME_API as GENERATED_FOR

    from beeflow_websocket.core.compat import RUNTIME_API

    assert GENERATED_FOR <= RUNTIME_API


def test_the_license_files_of_the_published_packages_are_the_repository_s() -> None:
    license_text = (ROOT / "LICENSE").read_bytes()
    assert (ROOT / "codegen" / "LICENSE").read_bytes() == license_text
    assert (TS_CLIENT / "LICENSE").read_bytes() == license_text


def _npm_version(python_version: str) -> str:
    """``0.4.0.dev0`` -> ``0.4.0-dev.0``; ``0.4.0`` stays."""
    match = re.fullmatch(r"(\d+\.\d+\.\d+)(?:\.?(dev|a|b|rc)(\d+))?", python_version)
    assert match, python_version
    release, kind, number = match.groups()
    return release if kind is None else f"{release}-{kind}.{number}"


def test_the_npm_package_is_publishable() -> None:
    package = json.loads((TS_CLIENT / "package.json").read_text(encoding="utf-8"))
    assert package["name"] == "@beeflow/websocket-client"
    assert package["version"] == _npm_version(RUNTIME_VERSION)
    assert package["license"] == "MIT"
    assert package.get("private") is not True
    # a scoped package is private on npm unless published with public access
    assert package["publishConfig"]["access"] == "public"
    assert package["types"] == "./dist/index.d.ts"
    assert package["exports"]["."]["types"] == package["types"]
    assert package["main"] == package["exports"]["."]["default"] == "./dist/index.js"
    assert "dist" in package["files"]
    # `npm publish` builds dist/ first, so a fresh checkout publishes the compiled files
    assert "npm run build" in package["scripts"]["prepack"]
    assert package["repository"]["directory"] == "clients/typescript"


def test_npm_pack_lists_the_runtime_sources_license_and_readme() -> None:
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed (the TypeScript client's tests need it too)")
    result = subprocess.run(
        [npm, "pack", "--dry-run", "--json", "--ignore-scripts"],
        cwd=TS_CLIENT,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    files = {item["path"] for item in json.loads(result.stdout)[0]["files"]}
    assert {"package.json", "README.md", "LICENSE"} <= files
    assert {f"src/{name}" for name in _sources(TS_CLIENT / "src", "*.ts")} <= files
    assert not any(path.startswith(("test/", "scripts/", "node_modules/")) for path in files)


def test_the_version_in_the_code_is_the_one_in_pyproject() -> None:
    import beeflow_websocket_codegen

    import beeflow_websocket

    assert beeflow_websocket.__version__ == RUNTIME_VERSION
    assert beeflow_websocket_codegen.__version__ == CODEGEN_VERSION
