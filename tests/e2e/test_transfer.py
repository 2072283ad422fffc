"""A transfer between offices in a real browser (issue 20): the clerk fills the form (adding a line
with the add-line control), posts, lands on the transfer, and follows its Go-To link to the new lot in
the destination office, whose "Transferred from" section links back."""

from __future__ import annotations

import datetime
import re

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
