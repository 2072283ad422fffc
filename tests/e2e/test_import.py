"""Going live through the import page in a real browser (issue 23): an administrator downloads the
opening-stock template, uploads a file with an error and gets the sheet back with its Errors column,
uploads the corrected file, reads the preview (figures and opening journal), types the control
total and imports it; the lots are there."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from core import roles
from inventory_lots.models import Lot
from tests.factories import LicFactory, OfficeFactory, user_with_role
from tests.imports.conftest import OPENING_HEADER, opening_row, sheet

from .conftest import CHROMIUM, MISSING_REASON
from .pages import figures, log_in, path_of, submit, success_message, table_rows

if CHROMIUM is None:
    pytest.skip(MISSING_REASON, allow_module_level=True)

pytestmark = pytest.mark.django_db(transaction=True)


def test_import_opening_stock_through_the_page(page, tmp_path):
    OfficeFactory(code="HQ", name="Headquarters")
    LicFactory(code="WIDGET", description="Widget")
    admin = user_with_role(roles.ADMINISTRATOR, "boss")
    log_in(page, admin)
    page.get_by_role("link", name="Import").click()
    expect(page.locator("h1")).to_have_text("Import master data and opening stock")

    with page.expect_download() as template:
        page.locator('a[href="/imports/templates/opening_stock.csv"]').click()
    assert template.value.suggested_filename == "opening_stock-template.csv"
    assert Path(template.value.path()).read_text(encoding="utf-8").strip() == ",".join(OPENING_HEADER)

    bad = tmp_path / "opening.csv"
    bad.write_bytes(sheet(OPENING_HEADER, [opening_row(), opening_row(quantity="-3")]))
    page.select_option("#id_kind", "opening_stock")
    page.set_input_files("#id_file", str(bad))
    submit(page, "Check file")
    assert figures(page, "main")["error_count"] == "1"
    assert table_rows(page, "#errors") == [["3", "quantity: Quantity must be greater than zero."]]
    with page.expect_download() as errors_file:
        page.locator("#errors-file").click()
    rows = list(csv.reader(io.StringIO(Path(errors_file.value.path()).read_text(encoding="utf-8"))))
    assert [r[-1] for r in rows] == ["Errors", "", "quantity: Quantity must be greater than zero."]

    good = tmp_path / "opening-fixed.csv"
    good.write_bytes(sheet(OPENING_HEADER, [opening_row(), opening_row(quantity="3", unit_cost="1.10")]))
    page.goto("/imports/")
    page.select_option("#id_kind", "opening_stock")
    page.set_input_files("#id_file", str(good))
    submit(page, "Check file")
    shown = figures(page, "main")
    assert (shown["status"], shown["create_count"], shown["total_value"]) == ("Checked, not imported yet", "2", "28.30")
    assert table_rows(page, "#journal") == [
        ["2026-03-01", "HQ", "1300", "28.30", "0.00"],
        ["2026-03-01", "HQ", "3900", "0.00", "28.30"],
    ]
    assert Lot.objects.count() == 0
    page.fill("#id_control_total", "28.30")
    submit(page, "Import 2 record(s)")
    assert success_message(page).startswith("Imported IMP-")
    assert path_of(page).startswith("/imports/") and figures(page, "main")["status"] == "Imported"
    assert sorted(Lot.objects.values_list("qty_in", flat=True)) == [Decimal("3"), Decimal("10")]
