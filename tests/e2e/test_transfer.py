"""A transfer between offices in a real browser (issue 20): the clerk fills the form (adding a line
with the add-line control), posts, lands on the transfer, and follows its Go-To link to the new lot in
the destination office, whose "Transferred from" section links back."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from core import roles
from tests.conftest import adjust_in
from tests.factories import LicFactory, OfficeFactory, user_with_role

from .conftest import CHROMIUM, MISSING_REASON
from .pages import log_in, path_of, submit, success_message, table_rows

if CHROMIUM is None:
    pytest.skip(MISSING_REASON, allow_module_level=True)

pytestmark = pytest.mark.django_db(transaction=True)

DAY = datetime.date.today() - datetime.timedelta(days=5)


def test_a_clerk_transfers_two_lics_to_another_office(page):
    hq = OfficeFactory(code="HQ", name="Headquarters")
    OfficeFactory(code="BR", name="Branch")
    widget, bolt = LicFactory(code="WIDGET"), LicFactory(code="BOLT")
    adjust_in(office=hq, lic=widget, quantity="10", unit_cost="3.00", date=DAY)
    adjust_in(office=hq, lic=bolt, quantity="4", unit_cost="5.00", date=DAY)
    log_in(page, user_with_role(roles.CLERK, "clerk"))
    page.goto("/transfers/new/")
    page.select_option("#id_from_office", "HQ")
    page.select_option("#id_to_office", "BR")
    page.fill("#id_date", DAY.isoformat())
    before = int(page.locator("#id_lines-TOTAL_FORMS").input_value())
    page.click("#add-line")
    expect(page.locator("#id_lines-TOTAL_FORMS")).to_have_value(str(before + 1))
    page.fill("#id_lines-0-lic", "WIDGET")
    page.fill("#id_lines-0-quantity", "6")
    page.fill(f"#id_lines-{before}-lic", "BOLT")  # the added line
    page.fill(f"#id_lines-{before}-quantity", "1")
    submit(page, "Post transfer")
    number = re.fullmatch(r"Transfer (TR-\d+) posted\.", success_message(page)).group(1)
    transfer_path = path_of(page)
    rows = table_rows(page, "#transfer-lines")
    assert [(r[1], r[2]) for r in rows] == [("WIDGET", "6"), ("BOLT", "1")]
    page.locator("#transfer-lines tbody tr").first.locator("td").nth(6).locator("a").click()  # the lot
    page.wait_for_url(re.compile(r"/lots/\d+/"))
    section = page.locator("#section-transferred_from")
    expect(section).to_contain_text(number)
    section.get_by_role("link", name=number).click()
    page.wait_for_url(re.compile(re.escape(transfer_path) + "$"))


def test_the_serial_search_says_where_a_transferred_serial_is_now(page):
    """The serial search shows a transferred serial once, in the lot it is in now, and the lot it was
    carried out of apart, greyed, as its history."""
    from transfers.services import TransferLineInput, post_transfer

    hq = OfficeFactory(code="HQ", name="Headquarters")
    branch = OfficeFactory(code="BR", name="Branch")
    scanner = LicFactory(code="SCAN", serialized=True)
    source = adjust_in(office=hq, lic=scanner, quantity="2", unit_cost="20.00", date=DAY, serial_numbers=["S1", "S2"])
    moved = post_transfer(
        from_office=hq,
        to_office=branch,
        date=DAY,
        lines=[TransferLineInput(lic=scanner, quantity=Decimal("1"), serial_numbers=["S1"])],
        actor=None,
    ).lines.get()
    log_in(page, user_with_role(roles.VIEWER, "viewer"))
    page.goto("/trace/serials/?serial_number=S1")
    current = table_rows(page, "#serial-results")
    assert [(r[0], r[1], r[2], r[3]) for r in current] == [("S1", "SCAN", moved.lot.number, "BR")]
    history = table_rows(page, "#serial-history")
    assert [(r[0], r[2], r[3]) for r in history] == [("S1", source.number, "HQ")]
    expect(page.locator("#serial-history")).to_contain_text(moved.transfer.number)
