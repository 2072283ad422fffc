"""The home page (the books at a glance, server-drawn SVG charts) and the close page, in the
browser: exact figures, the charts drawn with no CSP refusal, the lock date moved through the close
page's confirmation step. "Today" is 10 May 2026 (``inventory_lots.dates.today``, the clock: the
live server runs in this process)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from cogs.services import run_cogs_now
from core import roles
from inventory_lots import dates
from inventory_lots.selectors import current_lock_date
from inventory_lots.services import set_lock_date
from orders.services import create_order
from purchasing import services as purchasing
from reports.services import check_ledger_now, write_snapshots_now
from tests.cogs.conftest import ship
from tests.conftest import adjust_in
from tests.factories import CustomerFactory, LicFactory, OfficeFactory, VendorFactory, user_with_role

from .conftest import CHROMIUM, MISSING_REASON
from .pages import figures, log_in, shot, submit, success_message, table_rows

if CHROMIUM is None:
    pytest.skip(MISSING_REASON, allow_module_level=True)

pytestmark = pytest.mark.django_db(transaction=True)
TODAY = datetime.date(2026, 5, 10)


def day(month: int, n: int) -> datetime.date:
    return datetime.date(2026, month, n)


@pytest.fixture
def books(monkeypatch):
    """tests/reports/test_home_and_close.py's ledger: WIDGET 10 @ 2.00 in January, GADGET 5 @ 4.00
    received in February (not invoiced), 4 shipped in March, 8 in April (2 short), runs dated 31
    March and 30 April, books closed through 31 March."""
    monkeypatch.setattr(dates, "today", lambda: TODAY)
    hq = OfficeFactory(code="HQ", name="Headquarters")
    widget, gadget = LicFactory(code="WIDGET", description="Widget"), LicFactory(code="GADGET", description="Gadget")
    order = create_order(customer=CustomerFactory(code="CUST", name="A Customer"), office=hq, date=day(1, 10))
    adjust_in(office=hq, lic=widget, quantity="10", unit_cost="2.00", date=day(1, 10))
    po = purchasing.create_purchase_order(
        vendor=VendorFactory(code="ACME"),
        office=hq,
        date=day(2, 5),
        actor=None,
        lines=[purchasing.POLineInput(lic=gadget, quantity=Decimal(5), unit_cost=Decimal("4.00"))],
    )
    purchasing.receive_purchase_order(
        purchase_order=po,
        date=day(2, 5),
        actor=None,
        lines=[purchasing.ReceiptLineInput(po_line=po.lines.get(), quantity=Decimal(5))],
    )
    ship(lic=widget, office=hq, quantity="4", source=order, date=day(3, 3))
    run_cogs_now(actor=None, date=day(3, 31))
    ship(lic=widget, office=hq, quantity="8", source=order, date=day(4, 2))
    run_cogs_now(actor=None, date=day(4, 30))
    set_lock_date(date=day(3, 31), actor=None)
    write_snapshots_now()  # the jobs a worker would run: the stored figures, then the ledger check
    check_ledger_now()


def test_home_page_shows_the_books_and_charts(page, books, screenshot_dir):
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    log_in(page, user_with_role(roles.VIEWER, "viewer"))
    page.goto("/")
    shown = figures(page, "#books")
    assert {
        k: shown[k]
        for k in (
            "value_now",
            "value_month_end",
            "open_lots",
            "unallocated_quantity",
            "accrued_cogs",
            "accrued_inventory",
            "lock_date",
            "next_close",
        )
    } == {
        "value_now": "20.00",
        "value_month_end": "20.00",
        "open_lots": "1",
        "unallocated_quantity": "2",
        "accrued_cogs": "4.00",
        "accrued_inventory": "20.00",
        "lock_date": "2026-03-31",
        "next_close": "2026-04-30",
    }
    assert table_rows(page, "#table-value")[-4:] == [
        ["2026-01-31", "20.00"],
        ["2026-02-28", "40.00"],
        ["2026-03-31", "32.00"],
        ["2026-04-30", "20.00"],
    ]
    assert table_rows(page, "#table-cogs")[-2:] == [["2026-03", "8.00"], ["2026-04", "12.00"]]
    # the charts are drawn: 12 bars each (5 for the aging buckets), the tallest the full plot height
    expect(page.locator("#chart-value-svg rect")).to_have_count(12)
    expect(page.locator("#chart-aging-svg rect")).to_have_count(5)
    box = page.locator("#chart-value-svg rect").nth(9).bounding_box()
    assert box is not None and box["height"] > 50
    shot(page, screenshot_dir, "home")
    page.locator("#chart-cogs").get_by_role("link", name="Roll-forward ›").click()
    expect(page.locator("h1")).to_contain_text("Roll-forward")
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors


def test_close_page_checklist_and_lock_date_move(page, books):
    log_in(page, user_with_role(roles.ACCOUNTANT, "accountant"))
    page.goto("/")
    page.locator("#card-lock").get_by_role("link", name="2026-04-30").click()
    states = page.locator("#close-checklist [data-state]").evaluate_all("els => els.map(e => e.dataset.state)")
    assert states == ["ok", "review", "ok", "todo"]  # run, unallocated usage, check_ledger, journal
    assert figures(page, "#close-figures") == {
        "unallocated_quantity": "2",
        "accrued_value": "4.00",
        "run_status": "Done",
    }
    submit(page, "Close the books through 2026-04-30…")
    expect(page.locator("#confirm-open-items")).to_have_text("2 items of the checklist are not done.")
    submit(page, "Yes, close the books through 2026-04-30")
    assert success_message(page) == "Books closed through 2026-04-30."
    expect(page.locator("[data-figure=lock]")).to_have_text("2026-04-30")
    assert current_lock_date() == day(4, 30)
