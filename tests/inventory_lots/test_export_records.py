"""Exports are recorded (who, filters, format, rows); the .xlsx export has the CSV's columns."""

import io
from decimal import Decimal

from openpyxl import load_workbook

from inventory_lots import exports
from inventory_lots.models import LotExport
from tests.conftest import adjust_in


def test_csv_export_is_recorded_with_filters_and_row_count(accountant_client, accountant, office, lic):
    for cost in ("1.00", "2.00", "3.00"):
        adjust_in(office=office, lic=lic, quantity="4", unit_cost=cost)
    response = accountant_client.get("/lots/export.csv?lic=WIDGET&status=open")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 4  # header + 3 lots
    record = LotExport.objects.get()
    assert (record.user, record.format, record.row_count) == (accountant, "csv", 3)
    assert record.filters == {"lic": "WIDGET", "status": "open"}
    assert record.finished_at is not None


def test_invalid_filter_is_refused_and_not_recorded(accountant_client, office, lic):
    response = accountant_client.get("/lots/export.csv?lic=NO-SUCH-LIC")
    assert response.status_code == 400
    assert b"lic" in response.content
    assert not LotExport.objects.exists()


def test_xlsx_export_has_the_csv_columns_and_numbers(accountant_client, office, lic):
    lic.description = "=HYPERLINK(evil)"
    lic.save()
    adjust_in(office=office, lic=lic, quantity="3", unit_cost="3.333333")
    response = accountant_client.get("/lots/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="lots-')
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert list(rows[0]) == exports.HEADER
    row = dict(zip(exports.HEADER, rows[1]))
    # a workbook never evaluates a string cell: the text as typed, no visible apostrophe (that guard is CSV's)
    assert row["Description"] == "=HYPERLINK(evil)" and sheet.cell(row=2, column=6).data_type == "s"
    assert Decimal(str(row["Value in"])) == Decimal("10.00")
    assert sheet.cell(row=2, column=16).number_format == "#,##0.00"  # money
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:S2"
    assert row["Serialized"] == "no"
    assert LotExport.objects.get().format == "xlsx"


def test_xlsx_refuses_more_than_its_limit(accountant_client, office, lic, monkeypatch):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 1)
    adjust_in(office=office, lic=lic, quantity="1", unit_cost="1")
    adjust_in(office=office, lic=lic, quantity="1", unit_cost="1")
    response = accountant_client.get("/lots/export.xlsx")
    assert response.status_code == 400
    assert b"export CSV" in response.content


def test_viewer_cannot_export(viewer_client, office, lic):
    assert viewer_client.get("/lots/export.csv").status_code == 403
    assert viewer_client.get("/lots/export.xlsx").status_code == 403
