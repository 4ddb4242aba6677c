"""The built book, served on 127.0.0.1, and a headless Chromium driven by Playwright.

Chromium is Debian's package (``apt-get install -y chromium``, which ``.ci/run`` runs as root), driven
through its executable path: ``playwright install`` (a download) is never run. Without Chromium the
browser tests skip and say how to install it, except under ``CI=true``, where they fail.

The book is built once per session from the executed chapters: the chapter fixture of
``tests/chapters/conftest.py`` executes every chapter through the real pipeline (free when its cache is
fresh), then the generated pages are written and Jupyter Book renders ``_build/html``.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from overparam.book import pages, pipeline
from tests.chapters.conftest import PATHS, executed  # noqa: F401  (the session fixture that runs every chapter)

CHROMIUM = Path("/usr/bin/chromium")
INSTALL = "sudo apt-get install -y chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = PATHS.root / "_build" / "screenshots"


def _missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not CHROMIUM.exists():
        return f"Chromium is not installed at {CHROMIUM}: install it with `{INSTALL}`"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed: `pip install -e '.[test]'` (never `playwright install`)"
    return None


@pytest.fixture(scope="session", autouse=True)
def _require_browser() -> None:
    """Skip (fail under CI=true) before any chapter is executed when there is no browser."""
    why = _missing_browser()
    if why is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but the browser test cannot run: {why}", pytrace=False)
    pytest.skip(why)


@pytest.fixture(scope="session")
def built_book(executed) -> Path:  # noqa: F811  (the imported fixture, asked for by name)
    """Every chapter of the table of contents executed, the generated pages written, the HTML built."""
    in_toc = set(pipeline.toc_chapters(PATHS))
    failed = {k: str(v) for k, v in executed.items() if v is not None and k in in_toc}
    if failed:
        pytest.fail(f"chapters failed, the book cannot be built: {failed}", pytrace=False)
    pages.write_generated_pages(PATHS)
    index = pipeline.build(PATHS, strict=True, echo=lambda *_: None)
    return index.parent


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # no access log on the test's output
        pass


@pytest.fixture(scope="session")
def serve():
    """``serve(folder)`` -> base URL of a static server of ``folder`` on 127.0.0.1 (a free port)."""
    servers = []

    def start(folder: Path) -> str:
        handler = functools.partial(_Quiet, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def book_url(built_book, serve) -> str:
    return serve(built_book)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """A headless Chromium context with a fresh profile; every request is routed and recorded, and any
    request that would leave 127.0.0.1 is aborted (``context.outside`` lists them)."""
    from urllib.parse import urlparse

    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    try:
        with sync_playwright() as p:
            context = p.chromium.launch_persistent_context(
                profile, executable_path=str(CHROMIUM), headless=True, args=FLAGS,
                viewport={"width": 1280, "height": 900})
            context.outside = []

            def route(r) -> None:
                url = urlparse(r.request.url)
                if url.scheme in ("http", "https", "ws", "wss") and url.hostname != "127.0.0.1":
                    context.outside.append(r.request.url)
                    r.abort()
                else:
                    r.continue_()

            context.route("**/*", route)
            yield context
            context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
