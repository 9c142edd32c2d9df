"""Django serves the protocol reference page through ``protocol_docs_view``."""

from __future__ import annotations

from pathlib import Path

from django.test import RequestFactory

from beeflow_websocket.django.docs import protocol_docs_view


def test_the_view_serves_the_page_with_its_headers(tmp_path: Path) -> None:
    page = tmp_path / "index.html"
    page.write_text("<!doctype html><title>Chat protocol</title><p>Żółw</p>", encoding="utf-8")
    view = protocol_docs_view(tmp_path)
    requests = RequestFactory()
    answer = view(requests.get("/ws-docs/"))
    assert answer.status_code == 200
    assert answer.content == page.read_bytes()
    assert answer["Content-Type"] == "text/html; charset=utf-8"
    assert answer["Content-Security-Policy"].startswith("default-src 'none'")
    assert view(requests.get("/ws-docs/", HTTP_IF_NONE_MATCH=answer["ETag"])).status_code == 304
    assert view(requests.head("/ws-docs/")).status_code == 200
    assert view(requests.post("/ws-docs/")).status_code == 405
