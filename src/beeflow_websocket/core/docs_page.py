"""The protocol reference page (``beeflow-websocket docs``) as an HTTP response any adapter can serve.

The page is one self-contained HTML file with inline styles and no JavaScript, so it is served with
a Content-Security-Policy that forbids scripts and every outside resource. It is read once, when the
application sets the route up: a missing page fails at start-up, naming the file, not at the first
request; rebuild the page and restart to publish a new one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DocsPage", "load_docs_page"]

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


@dataclass(frozen=True, slots=True)
class DocsPage:
    """The page's bytes and the headers to send with them."""

    body: bytes
    etag: str

    @property
    def headers(self) -> dict[str, str]:
        return {
            "Content-Type": "text/html; charset=utf-8",
            "Content-Security-Policy": _CSP,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-cache",
            "ETag": self.etag,
        }

    def answer(self, if_none_match: str | None) -> tuple[int, bytes, dict[str, str]]:
        """Status, body and headers for a GET with this ``If-None-Match`` (304 when it names the page)."""
        if if_none_match and any(tag.strip() in (self.etag, "*") for tag in if_none_match.split(",")):
            return 304, b"", {"ETag": self.etag, "Cache-Control": "no-cache"}
        return 200, self.body, self.headers


def load_docs_page(page: str | Path) -> DocsPage:
    """Read the page: a file, or a directory holding ``index.html`` (what ``docs --out DIR`` writes)."""
    path = Path(page)
    if path.is_dir():
        path = path / "index.html"
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: no protocol reference page here; write it with `beeflow-websocket docs SPEC --out DIR`"
        )
    body = path.read_bytes()
    return DocsPage(body, f'"{hashlib.sha256(body).hexdigest()[:32]}"')
