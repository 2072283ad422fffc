"""Everyday use of the forms in a real browser (issue 21, "Forms"): the posting date arrives
pre-filled (ISO, so the browser keeps it), "Add line" (static/js/forms.js, no inline script under
the CSP) adds lines past the ones shown and raises TOTAL_FORMS, the code pickers name their
datalists, and closing a PO asks for confirmation before it happens."""

from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import expect

from core import roles
from tests.factories import LicFactory, OfficeFactory, VendorFactory, user_with_role

from .conftest import CHROMIUM, MISSING_REASON
from .pages import log_in, path_of, submit, success_message, table_rows

if CHROMIUM is None:
    pytest.skip(MISSING_REASON, allow_module_level=True)

pytestmark = pytest.mark.django_db(transaction=True)


def test_six_line_po_with_add_line_pickers_today_and_a_confirmed_close(page):
    OfficeFactory(code="HQ", name="Headquarters")
    VendorFactory(code="ACME", name="Acme Supply")
    for i in range(1, 7):
        LicFactory(code=f"PART{i}", description=f"Part {i}")
    clerk = user_with_role(roles.CLERK, "clerk")
    accountant = user_with_role(roles.ACCOUNTANT, "accountant")
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    log_in(page, clerk)
    page.goto("/purchasing/po/new/")
    # the date is there (before: "Dec. 1, 2026", which the browser dropped: an empty field)
    expect(page.locator("#id_date")).to_have_value(datetime.date.today().isoformat())
    # pickers: the code inputs name a datalist holding the codes with their descriptions
    expect(page.locator("#id_vendor")).to_have_attribute("list", "picker-vendor")
    expect(page.locator("#picker-vendor option[value='ACME']")).to_have_text("Acme Supply")
    expect(page.locator("#id_lines-0-lic")).to_have_attribute("list", "picker-lineitemcode")
    expect(page.locator("#picker-lineitemcode option")).to_have_count(6)

    expect(page.locator("#lines-table tbody tr[data-line]")).to_have_count(5)  # 4 extra + 1 required
    expect(page.locator("#id_lines-TOTAL_FORMS")).to_have_value("5")
    page.click("#add-line")
    expect(page.locator("#id_lines-TOTAL_FORMS")).to_have_value("6")
    expect(page.locator("#id_lines-5-lic")).to_be_focused()
    expect(page.locator("#id_lines-5-lic")).to_have_attribute("list", "picker-lineitemcode")

    page.fill("#id_vendor", "ACME")
    page.select_option("#id_office", "HQ")
    for i in range(6):
        page.fill(f"#id_lines-{i}-lic", f"PART{i + 1}")
        page.fill(f"#id_lines-{i}-quantity", str(i + 1))
        page.fill(f"#id_lines-{i}-unit_cost", "2.50")
    submit(page, "Create purchase order")
    po_number = re.fullmatch(r"Purchase order (PO-\d+) created\.", success_message(page)).group(1)
    po_path = path_of(page)
    rows = table_rows(page, "#po-lines")
    assert [row[1] for row in rows] == [f"PART{i}" for i in range(1, 7)]
    assert [row[3] for row in rows] == ["1", "2", "3", "4", "5", "6"]

    # closing asks first, saying what becomes impossible; only the second click closes
    log_in(page, accountant)
    page.goto(po_path)
    page.click("#close")
    expect(page.locator("#id_date")).to_have_value(datetime.date.today().isoformat())
    submit(page, "Close purchase order")
    expect(page.locator("#confirm-title")).to_have_text(
        f"Close purchase order {po_number} on {datetime.date.today().isoformat()}?"
    )
    expect(page.locator("#confirm-text")).to_contain_text("it cannot be reopened")
    page.goto(po_path)
    expect(page.locator("#po-status")).to_have_text("Open")
    page.click("#close")
    submit(page, "Close purchase order")
    submit(page, "Yes, close it")
    assert success_message(page) == f"Purchase order {po_number} closed."
    expect(page.locator("#po-status")).to_have_text("Closed")

    # the printable PO: the print stylesheet, no navigation, the lines
    page.goto(f"{po_path}print/")
    expect(page.locator("nav")).to_have_count(0)
    expect(page.locator("#print-lines tbody tr")).to_have_count(6)
    expect(page.locator("#print-total")).to_have_text("52.50")
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors
