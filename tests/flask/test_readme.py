"""The Flask section of the 0.3.0 README runs as written, on a real werkzeug server."""

from __future__ import annotations

import re
import textwrap
import tomllib
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask, g

from beeflow_websocket.flask import configure_beeflow_websocket, get_dispatcher

from .conftest import Served, action, open_ws, recv
from .kit import register

ROOT = Path(__file__).resolve().parents[2]
# The 0.3.0 README's sections, copied verbatim from ../shared/seed (a test checks they still match).
README_SECTIONS = Path(__file__).with_name("readme_0_3_0_flask.md")
SEED_README = ROOT.parent / "shared" / "seed" / "beeflow-websocket-0.3.0-README.md"


def readme_blocks(section: str, language: str = "python") -> list[str]:
    text = README_SECTIONS.read_text()
    body = text.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    return re.findall(rf"```{language}\n(.*?)```", body, re.S)


@pytest.mark.skipif(not SEED_README.exists(), reason="the 0.3.0 README lives in ../shared/seed beside the checkout")
def test_copied_sections_match_the_seed_readme() -> None:
    seed = SEED_README.read_text()
    for section in ("Plugin Autodiscover", "Flask Setup"):
        for block in readme_blocks(section) + readme_blocks(section, "bash"):
            assert block in seed


def test_readme_install_line_names_an_extra_that_brings_flask_sock() -> None:
    [install] = readme_blocks("Flask Setup", "bash")
    assert install.strip() == 'uv add "beeflow-websocket[flask]"'
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["flask"]
    assert {re.split(r"[<>=!~ ]", requirement, maxsplit=1)[0] for requirement in extra} >= {"flask", "flask-sock"}


def test_readme_flask_section_runs_as_written(served: Any) -> None:
    register()
    [app_block] = readme_blocks("Flask Setup")
    namespace: dict[str, Any] = {"__name__": "readme_flask_app"}
    exec(compile(textwrap.dedent(app_block), "README.md", "exec", dont_inherit=True), namespace)
    app: Flask = namespace["app"]

    @app.before_request
    def authenticate() -> None:
        g.user = SimpleNamespace(id=7)  # the project's own auth layer, which the README leaves to the app

    server: Served = served(app)
    with open_ws(server.url()) as ws:  # a 0.3.0 client: no subprotocol, so no completion frames
        assert ws.subprotocol is None
        frame = action()
        ws.send(frame)
        event = recv(ws)
        assert (event["event"], event["seq"], event["payload"]) == ("health", 1, {"status": "ok"})
        ws.send(action("whoami"))
        assert recv(ws)["payload"] == {"user_id": 7, "app": "readme_flask_app"}
        ws.send(action("no.such.action"))
        problem = recv(ws)
        assert problem["type"] == "https://example.com/problems/websocket/unknown-action"
        with pytest.raises(TimeoutError):
            ws.recv(timeout=0.3)


def test_readme_autodiscover_snippet_configures_a_flask_app() -> None:
    [snippet] = [block for block in readme_blocks("Plugin Autodiscover") if "configure_beeflow_websocket" in block]
    app = Flask("snippet")
    namespace: dict[str, Any] = {"app": app, "configure_beeflow_websocket": configure_beeflow_websocket}
    exec(compile(snippet, "README.md", "exec", dont_inherit=True), namespace)
    assert get_dispatcher(app).config.problem_type_base_url == "https://example.com/problems/websocket"
