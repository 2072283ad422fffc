"""Who sees what in a real browser (DOMAIN.md 11): a warehouse clerk who posts in EAST, may only
view WEST and does not see costs logs in, reads the header badge, finds EAST's and WEST's lots in
the lot list and nothing of NORTH, no cost anywhere on the list or a lot's page, only EAST in the
adjustment form's offices, and a shipment posted on a WEST order refused with the reason."""

from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import expect

from core import roles
from orders.services import create_order
from tests.conftest import adjust_in
from tests.factories import CustomerFactory, LicFactory, OfficeFactory, user_with_role

from .conftest import CHROMIUM, MISSING_REASON
from .pages import log_in, submit, table_rows

if CHROMIUM is None:
    pytest.skip(MISSING_REASON, allow_module_level=True)

pytestmark = pytest.mark.django_db(transaction=True)

DAY = datetime.date.today() - datetime.timedelta(days=5)
COSTS = {"EAST": "428.19", "WEST": "913.57", "NORTH": "271.83"}


def test_a_restricted_clerk_sees_east_and_west_without_costs_and_cannot_post_in_west(page):
    offices = {code: OfficeFactory(code=code, name=f"{code.title()} depot") for code in COSTS}
    widget = LicFactory(code="WIDGET")
    lots = {
        code: adjust_in(office=o, lic=widget, quantity="10", unit_cost=COSTS[code], date=DAY)
        for code, o in offices.items()
    }
    west_order = create_order(customer=CustomerFactory(code="CUST"), office=offices["WEST"], date=DAY)
    clerk = user_with_role(
        roles.CLERK, "clerk", all_offices=False, offices={offices["EAST"]: True, offices["WEST"]: False}
    )
    log_in(page, clerk)

    badge = page.get_by_test_id("scope-badge")
    expect(badge).to_contain_text("EAST")
    expect(badge).to_contain_text("WEST · view")
    expect(badge).to_contain_text("No costs")
    expect(badge).not_to_contain_text("NORTH")

    page.goto("/lots/")
    numbers = {cell for row in table_rows(page, "table") for cell in row if re.fullmatch(r"(PL|PR|TL)-\d{6}", cell)}
    assert numbers == {lots["EAST"].number, lots["WEST"].number}, numbers
    text = page.locator("main").inner_text()
    assert lots["NORTH"].number not in text
    assert not any(cost in text for cost in COSTS.values()), text
    assert "Unit cost" not in text and "value available" not in text

    page.goto(f"/lots/{lots['WEST'].pk}/")
    assert COSTS["WEST"] not in page.locator("main").inner_text()
    assert page.goto(f"/lots/{lots['NORTH'].pk}/").status == 404

    page.goto("/adjustments/new/")
    offered = page.locator("#id_office option").evaluate_all("options => options.map(o => o.value).filter(v => v)")
    assert offered == ["EAST"], offered

    page.goto(f"/orders/{west_order.pk}/ship/")
    page.fill("#id_date", DAY.isoformat())
    page.fill("#id_lines-0-lic", "WIDGET")
    page.fill("#id_lines-0-quantity", "1")
    submit(page, "Post shipment")
    expect(page.locator("#error-message")).to_contain_text("You may view office WEST but not post in it")
    expect(page.locator("#error-message")).to_contain_text("Nothing was saved.")
    assert not west_order.shipments.exists()
