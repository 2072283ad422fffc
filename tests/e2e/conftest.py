"""Real-browser end-to-end tests: pytest-playwright drives Debian's ``chromium`` (never a
browser Playwright downloads) against pytest-django's ``live_server``.

- The browser is ``/usr/bin/chromium`` (or ``$LOTLEDGER_CHROMIUM``, or ``chromium`` on PATH),
  headless. ``make browser`` (a prerequisite of ``make test``) installs it with apt-get where it
  can; without it the e2e modules skip with "chromium not installed: ...".
- Playwright's sync API runs an asyncio event loop in the main thread for the whole session, so
  Django's "async unsafe" guard has to be switched off for the ORM calls the tests make; the e2e
  tests are also moved to the end of the run, so no other test ever runs beside that loop.
- ``LOTLEDGER_SCREENSHOTS=<dir>`` makes the tests save PNGs of the key pages there
  (``tests/e2e/screenshots.py`` refreshes docs/screenshots/ that way).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

DEFAULT_CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-dev-shm-usage",
]
VIEWPORT = {"width": 1280, "height": 900}


def find_chromium() -> str | None:
    """The chromium executable to drive, or None when this machine has none."""
    for candidate in (os.environ.get("LOTLEDGER_CHROMIUM"), DEFAULT_CHROMIUM, shutil.which("chromium")):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


CHROMIUM = find_chromium()
MISSING_REASON = (
    f"chromium not installed: no executable at {DEFAULT_CHROMIUM} (nor $LOTLEDGER_CHROMIUM, nor chromium on PATH); "
    "`make browser` installs Debian's chromium when run as root with apt-get"
)


def pytest_collection_modifyitems(config, items):
    """Run the e2e tests last: Playwright's session-wide event loop then never overlaps others."""
    e2e = [item for item in items if item.nodeid.startswith("tests/e2e/")]
    if e2e and len(e2e) != len(items):
        others = [item for item in items if not item.nodeid.startswith("tests/e2e/")]
        items[:] = others + e2e


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        "headless": True,
        **browser_type_launch_args,
        "executable_path": CHROMIUM or DEFAULT_CHROMIUM,
        "args": LAUNCH_ARGS,
    }


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    """Page paths (``page.goto("/lots/")``) go to the live server."""
    return live_server.url


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": VIEWPORT, "accept_downloads": True}


@pytest.fixture
def screenshot_dir() -> Path | None:
    target = os.environ.get("LOTLEDGER_SCREENSHOTS")
    if not target:
        return None
    path = Path(target)
    path.mkdir(parents=True, exist_ok=True)
    return path
