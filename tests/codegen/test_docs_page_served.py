"""The adapters serve the page ``beeflow-websocket docs`` wrote, as it is, with a policy that forbids scripts."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from flask import Flask

from beeflow_websocket.fastapi import serve_protocol_docs as serve_on_fastapi
from beeflow_websocket.flask import serve_protocol_docs as serve_on_flask

from .helpers import REPO, cli

CHAT = REPO / "examples" / "chat" / "asyncapi.yaml"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    assert cli("docs", CHAT, "--out", out).exit_code == 0
    return out


def test_fastapi_serves_the_page_and_keeps_it_out_of_openapi(site: Path) -> None:
    app = FastAPI()
    serve_on_fastapi(app, "/ws-docs", site)
    with TestClient(app) as client:
        page = client.get("/ws-docs")
        assert page.status_code == 200
        assert page.content == (site / "index.html").read_bytes()
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert "script-src" not in page.headers["content-security-policy"]
        assert page.headers["content-security-policy"].startswith("default-src 'none'")
        again = client.get("/ws-docs", headers={"If-None-Match": page.headers["etag"]})
        assert (again.status_code, again.content) == (304, b"")
        assert "/ws-docs" not in client.get("/openapi.json").text


def test_flask_serves_the_page_from_a_file(site: Path) -> None:
    app = Flask("docs_test")
    serve_on_flask(app, "/ws-docs", site / "index.html")
    client = app.test_client()
    page = client.get("/ws-docs")
    assert page.status_code == 200
    assert page.data == (site / "index.html").read_bytes()
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/ws-docs", headers={"If-None-Match": page.headers["ETag"]}).status_code == 304
    assert client.post("/ws-docs").status_code == 405


def test_a_missing_page_fails_at_setup_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"index\.html: no protocol reference page here"):
        serve_on_fastapi(FastAPI(), "/ws-docs", tmp_path)
