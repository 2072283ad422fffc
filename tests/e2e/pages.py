"""What the e2e tests do on a page: log in through the form, read a section's figures, save a
screenshot. Every figure is compared as the exact text a person sees."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

PASSWORD = "pw-Secret-123"  # tests.factories.UserFactory's password
SCREENSHOT_MAX_BYTES = 300_000


def log_in(page: Page, user) -> None:
    """Log in through the login form (dropping any earlier session first)."""
    page.context.clear_cookies()
    page.goto("/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # (the office badge, shown to users limited to some offices, is navbar text too)
    expect(page.locator("nav .navbar-text:not([data-testid='scope-badge'])")).to_have_text(user.username)


def submit(page: Page, button: str) -> None:
    """Click a form's submit button and wait for the page it leads to."""
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def success_message(page: Page) -> str:
    alert = page.locator("main .alert-success")
    expect(alert).to_have_count(1)
    return alert.inner_text().strip()


def figures(page: Page, scope: str) -> dict[str, str]:
    """``{data-figure name: shown text}`` of every figure cell inside ``scope`` (a CSS selector)."""
    pairs = page.locator(f"{scope} [data-figure]").evaluate_all(
        "els => els.map(e => [e.dataset.figure, e.textContent.trim()])"
    )
    names = [name for name, _ in pairs]
    assert len(names) == len(set(names)), f"duplicate figure names in {scope}: {names}"
    return dict(pairs)


def section_ids(page: Page) -> list[str]:
    return page.locator("div.section-card").evaluate_all("els => els.map(e => e.id)")


def section_titles(page: Page) -> list[str]:
    return [t.strip() for t in page.locator("div.section-card > .card-header").all_inner_texts()]


def table_rows(page: Page, selector: str) -> list[list[str]]:
    """Cell texts of each body row of the table(s) matched by ``selector``."""
    return page.locator(f"{selector} tbody tr").evaluate_all(
        "rows => rows.map(r => Array.from(r.cells).map(c => c.textContent.trim()))"
    )


def path_of(page: Page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url)


def shot(page: Page, directory: Path | None, name: str) -> None:
    """Save ``<directory>/<name>.png`` (full page) when screenshots were asked for."""
    if directory is None:
        return
    target = directory / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    size = target.stat().st_size
    assert size <= SCREENSHOT_MAX_BYTES, f"{target} is {size} bytes"
