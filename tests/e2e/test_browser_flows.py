"""End to end in a real browser (headless Debian chromium via pytest-playwright, against
``live_server``): people log in through the login form and work through the pages.

1. Receive, ship, run COGS (DOMAIN.md 6 "Receive, ship, return", shipping 4 of the 10): a clerk
   creates the PO through the PO form and receives it through the receive form, ships from the
   order page, an accountant runs COGS from the COGS page; the PO page and every section of the
   purchase lot page show the exact figures, and no "Released" message.
2. The chair (DOMAIN.md 5), made through production.services: the COGS page's run costs its
   components, the released production lot page shows every section's exact figures and the
   "Released into general inventory." message, and the lot list's "Export CSV" button downloads
   the lots with exact values.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from decimal import Decimal

import pytest
from django.db.models import F
from playwright.sync_api import expect

from core import roles
from inventory_lots.models import InventoryUsage, Lot
from orders.services import create_order
from production import services as production
from tests.conftest import adjust_in
from tests.factories import CustomerFactory, LicFactory, OfficeFactory, ServiceLicFactory, VendorFactory, user_with_role

from .conftest import CHROMIUM, MISSING_REASON
from .pages import (
    figures,
    log_in,
    path_of,
    section_ids,
    section_titles,
    shot,
    submit,
    success_message,
    table_rows,
)

if CHROMIUM is None:
    pytest.skip(MISSING_REASON, allow_module_level=True)

pytestmark = pytest.mark.django_db(transaction=True)

D = Decimal
DAY = datetime.date(2026, 3, 1)
RELEASED = "Released into general inventory."
PURCHASE_SECTIONS = [
    "section-general",
    "section-ordered_purchased",
    "section-ordered_received",
    "section-accrued",
    "section-current",
    "section-cogs",
]
PRODUCTION_SECTIONS = [
    "section-general",
    "section-estimated_produced",
    "section-current",
    "section-costs_inventoried",
    "section-costs_capitalized",
    "section-cogs",
]


def check_sections(page, expected: list[str], cost_history: dict[str, str]) -> None:
    """The page shows exactly the expected sections in order, then (when the traceability app is
    installed) Cost History with exactly ``cost_history``'s figures and Trace (links only)."""
    ids, titles = section_ids(page), section_titles(page)
    assert ids[: len(expected)] == expected, ids
    assert titles[len(expected) :] in ([], ["Cost History", "Trace"]), titles
    if "Cost History" in titles:
        assert ids[len(expected)] == "section-cost_history", ids
        assert figures(page, "#section-cost_history") == cost_history
        assert figures(page, "div.section-card:last-child") == {}


def run_cogs_from_page(page, date: str) -> str:
    """Start a COGS run in the request from the COGS page's run form; returns the run page path."""
    page.goto("/cogs/runs/")
    page.fill("#id_date", date)
    page.check("#id_wait")
    submit(page, "Run COGS")
    assert re.fullmatch(r"COGS run \S+ done\.", success_message(page)), success_message(page)
    expect(page.locator("#run-status")).to_have_text("Done")
    return path_of(page)


@pytest.fixture
def people(db):
    return {
        "clerk": user_with_role(roles.CLERK, "clerk", see_costs=True),  # the flow reads the lot's money
        "accountant": user_with_role(roles.ACCOUNTANT, "accountant"),
        "production": user_with_role(roles.PRODUCTION, "production"),
    }


@pytest.fixture
def hq(db):
    return OfficeFactory(code="HQ", name="Headquarters")


@pytest.fixture
def customer_order(hq):
    return create_order(customer=CustomerFactory(code="CUST", name="A Customer"), office=hq, date=DAY)


def test_receive_ship_cogs_and_purchase_lot_page(page, people, hq, customer_order, screenshot_dir):
    LicFactory(code="TEXTBOOK", description="Textbook")
    VendorFactory(code="ACME", name="Acme Supply")

    # a clerk creates the PO through the PO form ...
    log_in(page, people["clerk"])
    page.goto("/purchasing/po/new/")
    page.fill("#id_vendor", "ACME")
    page.select_option("#id_office", "HQ")
    page.fill("#id_date", "2026-03-01")
    page.fill("#id_lines-0-lic", "TEXTBOOK")
    page.fill("#id_lines-0-quantity", "100")
    page.fill("#id_lines-0-unit_cost", "29.99")
    submit(page, "Create purchase order")
    message = success_message(page)
    po_number = re.fullmatch(r"Purchase order (PO-\d+) created\.", message).group(1)
    po_path = path_of(page)
    expect(page.locator("h1")).to_have_text(f"Purchase order {po_number}")
    expect(page.locator("#po-status")).to_have_text("Open")

    # ... and receives 10 through the receive form
    page.click("#receive")
    page.fill("#id_date", "2026-03-02")
    page.fill("#id_lines-0-quantity", "10")
    submit(page, "Post receipt")
    assert re.fullmatch(r"Receipt \S+ posted: 1 lot\(s\) created\.", success_message(page)), success_message(page)

    page.goto(po_path)
    assert figures(page, "#po-lines #line-1") == {
        "ordered_qty": "100",
        "ordered_value": "2,999.00",
        "received_qty": "10",
        "purchased_qty": "0",
        "purchased_value": "0.00",
        "freight_allocated": "0.00",
        "accrued_qty": "10",
        "accrued_value": "299.90",
    }
    lot_link = page.locator("#receipts a[href^='/lots/']")
    expect(lot_link).to_have_count(1)
    lot_number = lot_link.inner_text().strip()
    lot_path = lot_link.get_attribute("href")

    # the clerk ships 4 from the order page's shipment form
    page.goto(customer_order.get_absolute_url())
    page.click("#ship-link")
    page.fill("#id_date", "2026-03-03")
    page.fill("#id_lines-0-lic", "TEXTBOOK")
    page.fill("#id_lines-0-quantity", "4")
    submit(page, "Post shipment")
    assert re.fullmatch(r"Shipment SH-\d+ posted\.", success_message(page)), success_message(page)
    usage = InventoryUsage.objects.get(kind="shipment")

    # an accountant runs COGS from the COGS page
    log_in(page, people["accountant"])
    run_path = run_cogs_from_page(page, "2026-03-31")
    assert figures(page, "#run-progress") == {
        "allocated_quantity": "4",
        "given_back_quantity": "0",
        "unallocated_quantity": "0",
        "value_posted": "119.96",
        "accrued_value_posted": "0.00",
        "entries_posted": "1",
    }
    shot(page, screenshot_dir, "cogs_run")
    run_pk = int(re.search(r"/cogs/runs/(\d+)/", run_path).group(1))

    # the purchase lot page: every section, exact figures
    page.goto(lot_path)
    expect(page.locator("h1")).to_have_text(f"Lot {lot_number}")
    expect(page.locator("#lot-status")).to_have_text("Open")
    check_sections(page, PURCHASE_SECTIONS, cost_history={})
    assert figures(page, "#section-general") == {}
    assert figures(page, "#section-ordered_purchased") == {
        "ordered_qty": "100",
        "ordered_value": "2,999.00",
        "purchased_qty": "0",
        "purchased_value": "0.00",
        "freight_allocated": "0.00",
    }
    assert figures(page, "#section-ordered_received") == {
        "or_ordered_qty": "100",
        "or_ordered_value": "2,999.00",
        "received_qty": "10",
        "received_value": "299.90",
    }
    assert figures(page, "#section-accrued") == {
        "ac_purchased_qty": "0",
        "ac_received_qty": "10",
        "accrued_qty": "10",
        "accrued_value": "299.90",
        "lot_accrued_qty": "10",
        "lot_accrued_value": "299.90",
    }
    current = {
        "in_qty": "10",
        "in_value": "299.90",
        "used_qty": "4",
        "used_value": "119.96",
        "available_qty": "6",
        "available_value": "179.94",
    }
    assert figures(page, "#section-current") == current
    assert figures(page, "#section-cogs") == {f"run_{run_pk}_quantity": "4", f"run_{run_pk}_value": "119.96"}
    expect(page.locator("#released-message")).to_have_count(0)
    assert RELEASED not in page.inner_text("main")
    shot(page, screenshot_dir, "purchase_lot")

    # negative control: the checks read the page, exactly: one cent off in the ledger fails them
    Lot.objects.filter(number=lot_number).update(value_used=F("value_used") - D("0.01"))
    page.reload()
    with pytest.raises(AssertionError):
        assert figures(page, "#section-current") == current
    Lot.objects.filter(number=lot_number).update(value_used=F("value_used") + D("0.01"))

    # the usage page shows the shipment's COGS
    page.goto(f"/usage/{usage.pk}/")
    usage_figures = figures(page, "main")
    lot_pk = lot_path.strip("/").split("/")[-1]
    assert {k: v for k, v in usage_figures.items() if k != "accrued_value"} == {
        "quantity": "4",
        "allocated": "4",
        "unallocated": "0",
        "cogs_value": "119.96",
        f"alloc_{lot_pk}_quantity": "4",
        f"alloc_{lot_pk}_value": "119.96",
    }
    assert usage_figures.get("accrued_value", "0.00") == "0.00"
    shot(page, screenshot_dir, "usage")

    page.goto(po_path)
    shot(page, screenshot_dir, "po_detail")


@pytest.fixture
def chair(hq, customer_order, people):
    """DOMAIN.md 5 through production.services: 40 legs at $2.50 and 10 seats at $7.00 issued,
    labour $50.00 and finishing $30.00 capitalized, 10 chairs produced (not released yet)."""
    lics = {
        "LEG": LicFactory(code="LEG", description="Chair leg"),
        "SEAT": LicFactory(code="SEAT", description="Chair seat"),
        "CHAIR": LicFactory(code="CHAIR", description="Chair"),
        "LABOR": ServiceLicFactory(code="LABOR", description="Labour"),
        "FINISHING": ServiceLicFactory(code="FINISHING", description="Finishing"),
    }
    adjust_in(office=hq, lic=lics["LEG"], quantity="40", unit_cost="2.50")
    adjust_in(office=hq, lic=lics["SEAT"], quantity="10", unit_cost="7.00")
    actor = people["production"]
    mo = production.create_production_order(
        office=hq,
        date=DAY,
        order=customer_order,
        lic=lics["CHAIR"],
        estimated_quantity=D("10"),
        estimated_unit_cost=D("24.00"),
        actor=actor,
    )
    production.issue_components(
        production_order=mo,
        date=DAY,
        actor=actor,
        lines=[
            production.ComponentLine(lic=lics["LEG"], quantity=D("40")),
            production.ComponentLine(lic=lics["SEAT"], quantity=D("10")),
        ],
    )
    production.post_job_cost(
        production_order=mo,
        date=DAY,
        lic=lics["LABOR"],
        description="Assembly labour",
        amount=D("50.00"),
        capitalized=True,
        actor=actor,
    )
    production.post_job_cost(
        production_order=mo,
        date=DAY,
        lic=lics["FINISHING"],
        description="Finishing",
        amount=D("30.00"),
        capitalized=True,
        actor=actor,
    )
    production.produce(production_order=mo, date=DAY, quantity=D("10"), actor=actor)
    mo.refresh_from_db()
    return mo


def test_production_lot_page_and_csv_export(page, people, chair, screenshot_dir):
    log_in(page, people["accountant"])
    run_cogs_from_page(page, "2026-03-31")
    assert figures(page, "#run-progress") == {
        "allocated_quantity": "50",
        "given_back_quantity": "0",
        "unallocated_quantity": "0",
        "value_posted": "170.00",
        "accrued_value_posted": "0.00",
        "entries_posted": "2",
    }
    production.release(production_order=chair, actor=people["production"])
    lot = Lot.objects.get(pk=chair.lot_id)

    page.goto(f"/lots/{lot.pk}/")
    expect(page.locator("h1")).to_have_text(f"Lot {lot.number}")
    check_sections(
        page,
        PRODUCTION_SECTIONS,
        cost_history={
            "cost_change_1_cause": "Production recompute",
            "cost_change_1_old": "8.00",
            "cost_change_1_new": "25.00",
            "cost_change_1_adjustments": "0.00",
        },
    )
    expect(page.locator("#released-message")).to_have_text(RELEASED)
    assert figures(page, "#section-estimated_produced") == {
        "estimated_qty": "10",
        "estimated_value": "240.00",
        "produced_qty": "10",
        "produced_value": "250.00",
        "components_value": "170.00",
        "capitalized_value": "80.00",
        "formula_qty": "10",
        "formula_unit_cost": "25.00",
    }
    expect(page.locator("#cost-provisional")).to_have_count(0)
    assert figures(page, "#section-current") == {
        "in_qty": "10",
        "in_value": "250.00",
        "used_qty": "0",
        "used_value": "0.00",
        "available_qty": "10",
        "available_value": "250.00",
    }
    assert figures(page, "#section-costs_inventoried") == {"costs_inventoried_total": "170.00"}
    assert [row[2:5] for row in table_rows(page, "#section-costs_inventoried")] == [
        ["LEG", "40", "100.00"],
        ["SEAT", "10", "70.00"],
    ]
    assert figures(page, "#section-costs_capitalized") == {"costs_capitalized_total": "80.00"}
    assert [row[2:5] for row in table_rows(page, "#section-costs_capitalized")] == [
        ["LABOR", "Assembly labour", "50.00"],
        ["FINISHING", "Finishing", "30.00"],
    ]
    assert figures(page, "#section-cogs") == {}
    expect(page.locator("#section-cogs")).to_contain_text("No COGS posted on this lot yet.")
    shot(page, screenshot_dir, "production_lot")

    # the lot list's Export CSV button, read back
    page.goto("/lots/")
    expect(page.locator("#totals")).to_have_text("3 lots · available quantity 10 ea · value available 250.00")
    lot_rows = {row[4]: row for row in table_rows(page, "table")}
    assert lot_rows["CHAIR"] == [
        lot.number,
        "Production",
        "Open",
        "HQ",
        "CHAIR",
        "Chair",
        "2026-03-01",
        chair.order.number,
        "10",
        "10",
        "25.00",
        "250.00",
    ]
    assert lot_rows["LEG"][1:3] + lot_rows["LEG"][8:] == ["Purchase", "Closed", "40", "0", "2.50", "0.00"]
    assert lot_rows["SEAT"][1:3] + lot_rows["SEAT"][8:] == ["Purchase", "Closed", "10", "0", "7.00", "0.00"]
    shot(page, screenshot_dir, "lot_list")
    with page.expect_download() as download_info:
        page.click("#export-csv")
    download = download_info.value
    assert re.fullmatch(r"lots-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    with open(download.path(), encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(io.StringIO(handle.read())))
    assert rows[0] == [
        "Lot",
        "Type",
        "Status",
        "Office",
        "LIC",
        "Description",
        "Date",
        "Transaction",
        "Parent order",
        "Serialized",
        "Track by mfr lot",
        "Qty in",
        "Qty used",
        "Qty available",
        "Unit cost",
        "Value in",
        "Value used",
        "Value available",
        "Accrued value",
    ]
    body = {row[4]: row for row in rows[1:]}
    assert len(rows) == 4 and sorted(body) == ["CHAIR", "LEG", "SEAT"]
    assert body["CHAIR"][:3] == [lot.number, "Production", "Open"]
    assert body["CHAIR"][3:] == [
        "HQ",
        "CHAIR",
        "Chair",
        "2026-03-01",
        chair.number,
        chair.order.number,
        "no",
        "no",
        "10.000000",
        "0.000000",
        "10.000000",
        "25.000000",
        "250.00",
        "0.00",
        "250.00",
        "",
    ]
    assert body["LEG"][1:3] == ["Purchase", "Closed"]
    # decimals plain with fixed places (quantities and unit costs 6, money 2)
    assert body["LEG"][11:] == ["40.000000", "40.000000", "0.000000", "2.500000", "100.00", "100.00", "0.00", ""]
    assert body["SEAT"][11:] == ["10.000000", "10.000000", "0.000000", "7.000000", "70.00", "70.00", "0.00", ""]
