"""A physical count and a reversal in a real browser (issue 20): the clerk opens the count sheet of an
office and date, sees each LIC's book quantity, types the counted figures (a shortage and an overage,
one LIC left blank), posts, and lands on the count adjustment; the printable sheet has no navigation;
an accountant reverses a shipment after confirming it, and both documents link to each other."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from core import roles
from orders.services import ShipmentLineInput, create_order, post_shipment
from tests.conftest import adjust_in
from tests.factories import CustomerFactory, LicFactory, OfficeFactory, user_with_role

from .conftest import CHROMIUM, MISSING_REASON
from .pages import log_in, path_of, submit, success_message, table_rows

if CHROMIUM is None:
    pytest.skip(MISSING_REASON, allow_module_level=True)

pytestmark = pytest.mark.django_db(transaction=True)

DAY = datetime.date.today() - datetime.timedelta(days=5)


def test_a_count_with_a_shortage_and_an_overage(page):
    office = OfficeFactory(code="HQ", name="Headquarters")
    widget, bolt, nut = LicFactory(code="WIDGET"), LicFactory(code="BOLT"), LicFactory(code="NUT")
    adjust_in(office=office, lic=widget, quantity="10", unit_cost="3.00", date=DAY)
    adjust_in(office=office, lic=bolt, quantity="4", unit_cost="5.00", date=DAY)
    adjust_in(office=office, lic=nut, quantity="1", unit_cost="1.00", date=DAY)
    clerk = user_with_role(roles.CLERK, "clerk")
    log_in(page, clerk)
    page.goto("/counts/new/")
    page.fill("#id_office", "HQ")
    page.fill("#id_date", DAY.isoformat())
    submit(page, "Show the sheet")
    expect(page.locator('[data-figure="book_WIDGET"]')).to_have_text("10")
    expect(page.locator('[data-figure="book_BOLT"]')).to_have_text("4")
    printable = page.locator("#print-link").get_attribute("href")
    page.fill("#counted_WIDGET", "8")
    page.fill("#counted_BOLT", "5")  # NUT left blank: not counted
    submit(page, "Post the count")
    assert path_of(page).startswith("/adjustments/")
    assert "Count posted as adjustment" in success_message(page)
    rows = table_rows(page, "table")
    assert [r[1:3] for r in rows] == [["BOLT", "1"], ["WIDGET", "-2"]]  # the sheet's order: by code
    page.goto(printable if printable.startswith("/") else "/counts/new/" + printable)
    expect(page.locator("nav")).to_have_count(0)
    expect(page.locator("#print-button")).to_be_visible()
    expect(page.locator("#print-lines tbody tr")).to_have_count(3)


def test_an_accountant_reverses_a_shipment_after_confirming(page):
    office = OfficeFactory(code="HQ", name="Headquarters")
    widget = LicFactory(code="WIDGET")
    adjust_in(office=office, lic=widget, quantity="10", unit_cost="3.00", date=DAY)
    order = create_order(customer=CustomerFactory(code="CUST"), office=office, date=DAY)
    shipment = post_shipment(
        order=order, date=DAY, lines=[ShipmentLineInput(lic=widget, quantity=Decimal("2"))], actor=None
    )
    log_in(page, user_with_role(roles.ACCOUNTANT, "accountant"))
    page.goto(f"/orders/shipments/{shipment.pk}/")
    page.click("#reverse")
    page.fill("#id_reason", "Shipped to the wrong customer")
    submit(page, "Reverse shipment")
    expect(page.get_by_text("cannot be undone")).to_be_visible()
    submit(page, "Yes, reverse it")
    assert path_of(page).startswith("/orders/returns/")
    expect(page.locator("#reverses")).to_contain_text(shipment.number)
    page.click("#reverses a")
    expect(page.locator("#reversed-by")).to_contain_text("Reversed by RT-")
    expect(page.locator("#reverse")).to_have_count(0)
