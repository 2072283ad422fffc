"""Pages that tell the truth (issue 21), in the browser: a queued COGS run finished while its page
is open shows 100 % and its entries without a reload (the <progress> element: the CSP blocks the
inline width a Bootstrap bar needs); a list scrolls inside its own box on a phone-sized screen."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from cogs import services as cogs
from core import roles
from orders.services import create_order
from tests.cogs.conftest import ship
from tests.conftest import adjust_in
from tests.factories import CustomerFactory, LicFactory, OfficeFactory, user_with_role

from .conftest import CHROMIUM, MISSING_REASON
from .pages import log_in

if CHROMIUM is None:
    pytest.skip(MISSING_REASON, allow_module_level=True)

pytestmark = pytest.mark.django_db(transaction=True)

DAY = datetime.date(2026, 3, 1)


def test_a_queued_run_finished_while_its_page_is_open_shows_100_and_its_entries(page):
    office = OfficeFactory(code="HQ", name="Headquarters")
    lic = LicFactory(code="WIDGET", description="Widget")
    order = create_order(customer=CustomerFactory(code="CUST", name="A Customer"), office=office, date=DAY)
    adjust_in(office=office, lic=lic, quantity="5", unit_cost="10.00", date=DAY)
    ship(lic=lic, office=office, quantity="3", source=order, date=DAY)
    accountant = user_with_role(roles.ACCOUNTANT, "accountant")
    run = cogs.start_cogs_run(actor=accountant, date=datetime.date(2026, 3, 31))  # queued, no worker

    log_in(page, accountant)
    page.goto(run.get_absolute_url())
    expect(page.locator("#run-status")).to_have_text("Queued")
    expect(page.locator("#run-percent")).to_have_text("0%")
    expect(page.locator("#run-entries .table-container table tbody tr")).to_have_count(0)
    cogs.execute_run(run_id=run.pk)  # a worker processes it while the page is open

    expect(page.locator("#run-status")).to_have_text("Done", timeout=10_000)
    expect(page.locator("#run-percent")).to_have_text("100%")
    assert page.locator("#run-progress-bar").evaluate("el => [el.value, el.max]") == [100, 100]
    entries = page.locator("#run-entries .table-container table tbody tr")
    expect(entries).to_have_count(1, timeout=10_000)  # the entries came without a reload
    assert Decimal(entries.first.locator("td").nth(8).inner_text()) == Decimal("30.00")
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1


def test_a_list_scrolls_in_its_own_box_on_a_phone(page):
    office = OfficeFactory(code="HQ", name="Headquarters")
    lic = LicFactory(code="WIDGET", description="A widget with a rather long description to widen the table")
    adjust_in(office=office, lic=lic, quantity="5", unit_cost="10.00", date=DAY)
    viewer = user_with_role(roles.VIEWER, "viewer")
    page.set_viewport_size({"width": 375, "height": 740})
    log_in(page, viewer)
    page.goto("/lots/")
    box = page.locator(".table-responsive").first
    widths = box.evaluate("el => [el.scrollWidth, el.clientWidth, getComputedStyle(el).overflowX]")
    assert widths[0] > widths[1] and widths[2] == "auto", widths  # the table is wider than its box, which scrolls
    page_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert page_width[0] <= page_width[1], page_width  # the page itself does not scroll sideways
