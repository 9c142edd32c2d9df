"""``beeflow-websocket docs SPEC --out DIR``: a static protocol reference page, looked at in Chromium.

Set ``BEEFLOW_DOCS_SCREENSHOT=docs/images/protocol-reference.png`` to keep the screenshot (that is how
the one in the docs is made).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from .helpers import BASE, REPO, cli, write_spec

CHAT = REPO / "examples" / "chat" / "asyncapi.yaml"
CHROMIUM = os.environ.get("BEEFLOW_E2E_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="module")
def chat_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reference")
    result = cli("docs", CHAT, "--out", out)
    assert result.exit_code == 0, result.output
    assert "index.html" in result.output
    return out / "index.html"


def test_the_page_lists_messages_problems_and_schemas_with_their_names(chat_page: Path) -> None:
    html = chat_page.read_text(encoding="utf-8")
    for name in ("chat.join", "chat.send", "chat.joined", "chat.message_posted", "too_many_rooms", "not_in_room"):
        assert f"<code>{name}</code>" in html
    # The names the generated code gives each message, in Python and in TypeScript.
    assert "ChatSend(ChatSendBase) in chat_send.py" in html
    assert "actions.ChatSendReply" in html
    assert "events.ChatMessagePosted" in html
    assert "problems.TooManyRooms" in html
    assert "await client.request(&#34;chat.send&#34;, payload)" in html
    assert "models.ChatSendPayload" in html
    # Payload constraints, also those of a named scalar (RoomName) a member refers to.
    assert "length ≥ 1, length ≤ 2000" in html
    assert "matches &#34;^[a-z0-9-]{1,32}$&#34;" in html
    assert "Lower-case letters, digits and dashes." in html


def test_readable_without_javascript(chat_page: Path) -> None:
    html = chat_page.read_text(encoding="utf-8")
    assert "<script" not in html
    assert "<details>" in html  # the raw schemas fold away with HTML alone


def test_examples_are_shown_and_text_is_escaped(tmp_path: Path) -> None:
    text = BASE.replace(
        "      name: chat.send\n",
        "      name: chat.send\n      description: Sends <b>bold</b> text.\n"
        "      examples:\n        - name: greeting\n          payload: {text: hello, count: 2}\n",
    ).replace("            minimum: 1\n", "            minimum: 1\n            examples: [3, 4]\n")
    result = cli("docs", write_spec(tmp_path, text), "--out", tmp_path / "site")
    assert result.exit_code == 0, result.output
    html = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "Example: greeting" in html
    assert "≥ 1, e.g. 3, 4" in html  # a member's own examples, next to its constraints
    assert "&#34;text&#34;: &#34;hello&#34;" in html
    assert "Sends &lt;b&gt;bold&lt;/b&gt; text." in html


def test_a_bad_spec_is_an_error(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, "asyncapi: 3.0.0\ninfo: {title: x, version: '1'}\n")
    result = cli("docs", spec, "--out", tmp_path / "site")
    assert result.exit_code == 1
    assert "no operations" in result.output
    assert not (tmp_path / "site").exists()


def _chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[bytes]:
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, timeout=120, check=False)


@pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not os.environ.get("BEEFLOW_E2E_REQUIRED"),
    reason=f"no Chromium at {CHROMIUM}: apt-get install -y chromium",
)
def test_chromium_renders_the_page(chat_page: Path, tmp_path: Path) -> None:
    """The page has no script (see above), so what Chromium renders is what a browser without JavaScript shows.

    (Headless Chromium's --dump-dom and --screenshot themselves need scripting on, so it cannot be switched off.)
    """
    url = chat_page.as_uri()
    dom = _chromium("--dump-dom", url, profile=tmp_path / "profile-dom")
    assert dom.returncode == 0, dom.stderr.decode(errors="replace")[-2000:]
    rendered = dom.stdout.decode()
    assert "Chat <span" in rendered
    assert "chat.message_posted" in rendered
    shot = tmp_path / "reference.png"
    made = _chromium("--window-size=1280,1900", f"--screenshot={shot}", url, profile=tmp_path / "profile-shot")
    assert made.returncode == 0, made.stderr.decode(errors="replace")[-2000:]
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert int.from_bytes(data[16:20], "big") == 1280  # the PNG's width: the window, as asked
    assert len(data) > 50_000  # a styled page with text, not a blank one (an empty page is a few KB)
    keep = os.environ.get("BEEFLOW_DOCS_SCREENSHOT")
    if keep:
        shutil.copyfile(shot, REPO / keep)
