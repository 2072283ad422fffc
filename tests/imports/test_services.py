"""Imports through the services: good files of every kind (CSV and xlsx) and a file per kind of
error, each refused with its row and message and nothing written; the preview's figures and
journal lines; the control total; the errors sheet; reversal as a whole."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from core.errors import StateConflict, ValidationFailed
from imports import formats, services
from imports.models import BatchStatus, ImportedLot
from inventory_lots.models import AdjustmentKind, InventoryAdjustment, LineItemCode, Lot, LotSerial, Office
from inventory_lots.services import set_lock_date
from orders.models import Customer
from purchasing.models import Vendor
from reports import journal
from tests.conftest import adjust_in

from .conftest import LIC_HEADER, OPENING_HEADER, counts, opening_row, sheet

D = Decimal
pytestmark = pytest.mark.django_db


def stage(kind, content, name="file.csv", **kwargs):
    return services.stage_import(kind=kind, file_name=name, content=content, actor=None, **kwargs)


def imported(kind, content, name="file.csv", **kwargs):
    batch, checked = stage(kind, content, name)
    assert batch.status == BatchStatus.PREVIEWED, batch.errors
    return services.commit_import(batch=batch, actor=None, checked=checked, **kwargs)


# --- good files -------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_master_data_files_create_their_records(db, fmt):
    imported("offices", sheet(["code", "name"], [["HQ", "Head office"], ["west", "West"]], fmt), f"o.{fmt}")
    imported("vendors", sheet(["Code", "Name"], [["ACME", "Acme Supply"]], fmt), f"v.{fmt}")
    imported("customers", sheet(["code", "name"], [["BLUE", "Blue Shop"]], fmt), f"c.{fmt}")
    rows = [
        ["WIDGET", "Widget", "yes", "no", "no", "fifo", "ea", "yes"],
        ["SCAN", "Scanner", "yes", "yes", "", "LIFO", "pc", ""],
        ["RESIN", "Resin", True, False, True, "specific", "", "no"],
        ["LABOR", "Labour", "no", "", "", "", "h", "yes"],
    ]
    batch = imported("lics", sheet(LIC_HEADER, rows, fmt), f"l.{fmt}")
    assert batch.created_count == 4 and len(batch.record_ids) == 4
    assert sorted(Office.objects.values_list("code", "name")) == [("HQ", "Head office"), ("west", "West")]
    assert list(Vendor.objects.values_list("code", "name")) == [("ACME", "Acme Supply")]
    assert list(Customer.objects.values_list("code", "name")) == [("BLUE", "Blue Shop")]
    got = {
        lic.code: (lic.inventoried, lic.serialized, lic.track_by_mfr_lot, lic.costing_method, lic.unit, lic.active)
        for lic in LineItemCode.objects.all()
    }
    assert got == {
        "WIDGET": (True, False, False, "fifo", "ea", True),
        "SCAN": (True, True, False, "lifo", "pc", True),
        "RESIN": (True, False, True, "specific", "ea", False),
        "LABOR": (False, False, False, "fifo", "h", True),
    }
    assert LineItemCode.history.count() == 4  # the audit history of every record


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_opening_stock_file_posts_beginning_balance_lots(stock_master, fmt):
    rows = [
        opening_row(quantity="10", unit_cost="2.50", reference="OLD-1"),
        opening_row(office="west", lic="scan", quantity="2", unit_cost="100", serials="S1; S2"),
        opening_row(lic="RESIN", quantity="3.5", unit_cost="4.123456", lot_date="2026-02-27", mfr_lot="M-9"),
    ]
    batch = imported("opening_stock", sheet(OPENING_HEADER, rows, fmt), f"open.{fmt}")
    assert (batch.status, batch.created_count, batch.total_value) == ("committed", 3, D("239.43"))
    assert (batch.first_date, batch.last_date) == (datetime.date(2026, 2, 27), datetime.date(2026, 3, 1))
    lots = {lot.lic.code: lot for lot in Lot.objects.select_related("lic", "office")}
    assert {c: (x.office.code, x.qty_in, x.unit_cost, x.value_in, str(x.date)) for c, x in lots.items()} == {
        "WIDGET": ("HQ", D("10"), D("2.5"), D("25.00"), "2026-03-01"),
        "SCAN": ("WEST", D("2"), D("100"), D("200.00"), "2026-03-01"),
        "RESIN": ("HQ", D("3.5"), D("4.123456"), D("14.43"), "2026-02-27"),
    }
    assert lots["RESIN"].mfr_lot_number == "M-9"
    assert sorted(LotSerial.objects.values_list("serial_number", flat=True)) == ["S1", "S2"]
    adjustments = InventoryAdjustment.objects.order_by("office__code", "date")
    assert [(a.office.code, str(a.date), a.kind) for a in adjustments] == [
        ("HQ", "2026-02-27", AdjustmentKind.BEGINNING_BALANCE),
        ("HQ", "2026-03-01", AdjustmentKind.BEGINNING_BALANCE),
        ("WEST", "2026-03-01", AdjustmentKind.BEGINNING_BALANCE),
    ]
    assert list(ImportedLot.objects.values_list("row", "reference")) == [(2, "OLD-1"), (3, ""), (4, "")]
    # the journal of DOMAIN.md 10: Inventory / Opening balance equity, as the preview said
    found = journal.journal_lines(date_from=datetime.date(2026, 2, 1), date_to=datetime.date(2026, 3, 31))
    lines = [(str(x.date), x.office, x.account, x.debit, x.credit) for x in found]
    preview = [(j["date"], j["office"], j["account"], D(j["debit"]), D(j["credit"])) for j in batch.summary["journal"]]
    assert (
        lines
        == preview
        == [
            ("2026-02-27", "HQ", "1300", D("14.43"), D("0.00")),
            ("2026-02-27", "HQ", "3900", D("0.00"), D("14.43")),
            ("2026-03-01", "HQ", "1300", D("25.00"), D("0.00")),
            ("2026-03-01", "HQ", "3900", D("0.00"), D("25.00")),
            ("2026-03-01", "WEST", "1300", D("200.00"), D("0.00")),
            ("2026-03-01", "WEST", "3900", D("0.00"), D("200.00")),
        ]
    )


def test_preview_figures_and_nothing_written_until_commit(stock_master):
    rows = [
        opening_row(quantity="1", unit_cost="1.005"),
        opening_row(quantity="2", unit_cost="3"),
        opening_row(office="WEST"),
    ]
    before = counts()
    batch, _ = stage("opening_stock", sheet(OPENING_HEADER, rows))
    assert counts() == before and batch.status == "previewed"
    summary = batch.summary
    assert (summary["create_count"], summary["total_value"], summary["total_quantity"]) == (3, "32.01", "13.000000")
    assert summary["by_office"] == [
        {"office": "HQ", "lots": 2, "value": "7.01"},
        {"office": "WEST", "lots": 1, "value": "25.00"},
    ]
    assert summary["by_office_lic"] == [
        {"office": "HQ", "lic": "WIDGET", "lots": 2, "quantity": "3.000000", "value": "7.01"},
        {"office": "WEST", "lic": "WIDGET", "lots": 1, "quantity": "10.000000", "value": "25.00"},
    ]
    batch = services.commit_import(batch=batch, actor=None)  # checked again from the stored file
    assert Lot.objects.count() == 3 and batch.total_value == D("32.01")


def test_control_total_must_match(stock_master):
    batch, _ = stage("opening_stock", sheet(OPENING_HEADER, [opening_row()]))
    before = counts()
    with pytest.raises(ValidationFailed) as caught:
        services.commit_import(batch=batch, actor=None, control_total=D("25.01"))
    assert caught.value.code == "control_total_mismatch"
    assert caught.value.message == (
        "The control total 25.01 differs from the file's total value 25.00: nothing was imported."
    )
    assert counts() == before
    assert services.commit_import(batch=batch, actor=None, control_total=D("25")).control_total == D("25.00")


def test_a_batch_is_committed_once(stock_master):
    batch = imported("opening_stock", sheet(OPENING_HEADER, [opening_row()]))
    with pytest.raises(StateConflict) as caught:
        services.commit_import(batch=batch, actor=None)
    assert caught.value.code == "batch_not_previewed" and Lot.objects.count() == 1


def test_commit_checks_the_file_again(stock_master):
    batch, _ = stage("opening_stock", sheet(OPENING_HEADER, [opening_row()]))
    set_lock_date(date=datetime.date(2026, 3, 1), actor=None)  # closed after the preview
    with pytest.raises(ValidationFailed) as caught:
        services.commit_import(batch=batch, actor=None)
    assert caught.value.code == "import_invalid"
    assert caught.value.errors["file"] == [
        "Row 2: lot_date: The books are closed through 2026-03-01: choose a date after it."
    ]
    assert Lot.objects.count() == 0


# --- a file per kind of error -------------------------------------------------------------------------

OPENING_ERRORS = [
    ("unknown-office", opening_row(office="NOPE"), "office: unknown office “NOPE”."),
    ("unknown-lic", opening_row(lic="NOPE"), "lic: unknown line item code “NOPE”."),
    (
        "service-lic",
        opening_row(lic="LABOR"),
        "lic: LABOR is not an inventoried line item code: it has no lots or usage.",
    ),
    (
        "bad-number",
        opening_row(quantity="1,000"),
        "quantity: “1,000” is not a number (write it like 1234.50, no thousands separator).",
    ),
    (
        "bad-cost",
        opening_row(unit_cost="abc"),
        "unit_cost: “abc” is not a number (write it like 1234.50, no thousands separator).",
    ),
    ("missing-cost", opening_row(unit_cost=""), "unit_cost: a value is required."),
    (
        "too-many-places-qty",
        opening_row(quantity="1.0000001"),
        "quantity: Ensure that there are no more than 6 decimal places.",
    ),
    (
        "too-many-places-cost",
        opening_row(unit_cost="0.0000001"),
        "unit_cost: Ensure that there are no more than 6 decimal places.",
    ),
    ("negative-quantity", opening_row(quantity="-2"), "quantity: Quantity must be greater than zero."),
    ("zero-quantity", opening_row(quantity="0"), "quantity: Quantity cannot be zero."),
    ("negative-cost", opening_row(unit_cost="-1"), "unit_cost: Unit cost cannot be negative."),
    ("bad-date", opening_row(lot_date="03/01/2026"), "lot_date: “03/01/2026” is not a date (write it as YYYY-MM-DD)."),
    (
        "serial-count",
        opening_row(lic="SCAN", quantity="3", serials="A,B"),
        "serials: SCAN is serialized: give exactly 3 distinct serial numbers (got 2).",
    ),
    (
        "serials-not-tracked",
        opening_row(serials="A"),
        "serials: WIDGET is not serialized: leave the serial numbers empty.",
    ),
    (
        "mfr-lot-missing",
        opening_row(lic="RESIN"),
        "mfr_lot: RESIN is tracked by manufacturer lot: enter the manufacturer lot number.",
    ),
    (
        "mfr-lot-not-tracked",
        opening_row(mfr_lot="M1"),
        "mfr_lot: WIDGET is not tracked by manufacturer lot: leave the manufacturer lot number empty.",
    ),
    ("too-big", opening_row(quantity="999999999999", unit_cost="999999999999"), None),
]


@pytest.mark.parametrize(("bad", "message"), [pytest.param(r, m, id=i) for i, r, m in OPENING_ERRORS])
def test_opening_stock_file_with_an_error_is_refused_whole(stock_master, bad, message):
    before = counts()
    batch, checked = stage("opening_stock", sheet(OPENING_HEADER, [opening_row(), bad, opening_row()]))
    assert (batch.status, checked) == ("failed", None)
    assert [row for row, _ in batch.errors] == [3]
    if message is not None:
        assert batch.errors == [[3, message]]
    with pytest.raises(StateConflict):
        services.commit_import(batch=batch, actor=None)
    assert counts() == before  # the batch row only: no lot, adjustment, serial


def test_messages_of_the_serial_and_mfr_rules_are_the_services(stock_master):
    """The two texts above come from the ledger's own rules (inventory_lots.serial_moves)."""
    from inventory_lots import serial_moves

    assert serial_moves.MSG_SERIAL_NOT_TRACKED.format(lic="WIDGET") in OPENING_ERRORS[13][2]
    assert serial_moves.MSG_MFR_LOT_NOT_TRACKED.format(lic="WIDGET") in OPENING_ERRORS[15][2]


def test_dates_on_or_before_the_lock_date_are_refused(stock_master):
    set_lock_date(date=datetime.date(2026, 3, 1), actor=None)
    rows = [opening_row(lot_date="2026-03-01"), opening_row(lot_date="2026-02-01"), opening_row(lot_date="2026-03-02")]
    batch, _ = stage("opening_stock", sheet(OPENING_HEADER, rows))
    message = "lot_date: The books are closed through 2026-03-01: choose a date after it."
    assert batch.errors == [[2, message], [3, message]]


def test_a_date_outside_the_window_is_refused(stock_master):
    batch, _ = stage("opening_stock", sheet(OPENING_HEADER, [opening_row(lot_date="2001-01-01")]))
    assert batch.errors[0][1].startswith("lot_date: 2001-01-01 is too far in the past")


def test_serials_repeated_in_the_file_or_in_the_ledger_are_refused(stock_master):
    scan = LineItemCode.objects.get(code="SCAN")
    adjust_in(office=Office.objects.get(code="HQ"), lic=scan, quantity="1", unit_cost="1", serial_numbers=["OLD"])
    rows = [
        opening_row(lic="SCAN", quantity="2", serials="A,B"),
        opening_row(lic="SCAN", quantity="1", serials="B"),
        opening_row(lic="SCAN", quantity="1", serials="OLD"),
    ]
    batch, _ = stage("opening_stock", sheet(OPENING_HEADER, rows))
    assert batch.errors == [
        [3, "serials: B of SCAN is also on row 2 (a serial number is unique per LIC)."],
        [4, "serials: Serial number(s) already used for SCAN: OLD."],
    ]


def test_every_error_of_every_row_is_reported(stock_master):
    rows = [opening_row(office="NOPE", lic="NADA", quantity="x", unit_cost="", lot_date="soon")]
    batch, _ = stage("opening_stock", sheet(OPENING_HEADER, rows))
    assert [m for _, m in batch.errors] == [
        "office: unknown office “NOPE”.",
        "lic: unknown line item code “NADA”.",
        "quantity: “x” is not a number (write it like 1234.50, no thousands separator).",
        "unit_cost: a value is required.",
        "lot_date: “soon” is not a date (write it as YYYY-MM-DD).",
    ]


MASTER_ERRORS = [
    (
        "duplicate-in-file",
        "offices",
        [["HQ", "A"], ["hq", "B"]],
        [[3, "code: hq is also on row 2 (codes are unique ignoring case)."]],
    ),
    (
        "existing-code",
        "vendors",
        [["acme", "A"]],
        [[2, "code: The vendor “ACME” already has this code: codes are unique ignoring upper and lower case."]],
    ),
    (
        "bad-code",
        "customers",
        [["A B", "x"]],
        [[2, "code: A code may contain only letters (A-Z), digits, “.”, “_” and “-”: no spaces or other characters."]],
    ),
    ("missing-name", "offices", [["X1", ""]], [[2, "name: a value is required."]]),
    ("long-code", "offices", [["X" * 21, "n"]], [[2, "code: at most 20 characters."]]),
]


@pytest.mark.parametrize(("kind", "rows", "errors"), [pytest.param(k, r, e, id=i) for i, k, r, e in MASTER_ERRORS])
def test_master_data_file_with_an_error_is_refused_whole(db, vendor, kind, rows, errors):
    before = counts()
    batch, _ = stage(kind, sheet(["code", "name"], rows))
    assert (batch.status, batch.errors) == ("failed", errors)
    assert counts() == before


LIC_ERRORS = [
    (
        "flags-contradict",
        ["X", "", "no", "yes", "no", "", "", ""],
        "Only inventoried LICs can be serialized or tracked by mfr lot: set inventoried to yes or clear the flags.",
    ),
    ("bad-bool", ["X", "", "maybe", "", "", "", "", ""], "inventoried: “maybe” is not yes or no."),
    ("bad-costing", ["X", "", "yes", "", "", "avg", "", ""], "costing_method: “avg” is not fifo, lifo or specific."),
    ("long-unit", ["X", "", "yes", "", "", "", "kilograms!!", ""], "unit: at most 10 characters."),
]


@pytest.mark.parametrize(("row", "message"), [pytest.param(r, m, id=i) for i, r, m in LIC_ERRORS])
def test_lic_file_with_an_error_is_refused_whole(db, row, message):
    batch, _ = stage("lics", sheet(LIC_HEADER, [["GOOD", "", "yes", "", "", "", "", ""], row]))
    assert batch.errors == [[3, message]]
    assert LineItemCode.objects.count() == 0


FILE_ERRORS = [
    ("missing-column", sheet(["office", "lic", "quantity", "lot_date"], [["HQ", "W", "1", "2026-03-01"]]),
     "The header row lacks the column(s) unit_cost: download the template to see them."),
    ("unknown-column", sheet([*OPENING_HEADER, "colour"], [opening_row() + ["red"]]),
     "Unknown column(s) colour: the columns are office, lic, quantity, unit_cost, lot_date, mfr_lot, serials, "
     "reference."),
    ("repeated-column", sheet([*OPENING_HEADER, "LIC"], [opening_row() + ["W"]]),
     "The column lic appears twice in the header row."),
    ("header-only", sheet(OPENING_HEADER, []), "The file has a header row but no data rows."),
    ("not-utf8", "office,lic\nHQ,Wídget\n".encode("latin-1"),
     "The CSV file is not UTF-8 text: save it as “CSV UTF-8”."),
]  # fmt: skip


@pytest.mark.parametrize(("content", "message"), [pytest.param(c, m, id=i) for i, c, m in FILE_ERRORS])
def test_file_level_errors_are_reported_on_the_header_row(stock_master, content, message):
    before = counts()
    batch, _ = stage("opening_stock", content)
    assert (batch.status, batch.errors) == ("failed", [[1, message]])
    assert counts() == before


def test_a_damaged_xlsx_is_refused(stock_master):
    batch, _ = stage("opening_stock", b"PK\x03\x04 not really a workbook", "x.xlsx")
    assert batch.errors == [
        [1, "The file is not a readable xlsx workbook (BadZipFile): save it again as .xlsx or as CSV."]
    ]


def test_empty_file_and_unknown_kind_are_refused_without_a_batch(db):
    with pytest.raises(ValidationFailed) as caught:
        stage("offices", b"  ")
    assert caught.value.code == "file_empty"
    with pytest.raises(ValidationFailed) as caught:
        stage("stock", b"code,name\nA,B\n")
    assert caught.value.code == "invalid_kind"


def test_api_style_staging_records_nothing_on_errors(stock_master):
    with pytest.raises(ValidationFailed) as caught:
        stage("opening_stock", sheet(OPENING_HEADER, [opening_row(office="NOPE")]), record_failure=False)
    assert caught.value.code == "import_invalid"
    assert caught.value.errors == {"file": ["Row 2: office: unknown office “NOPE”."]}


# --- the errors sheet --------------------------------------------------------------------------------


def test_errors_sheet_is_the_csv_with_an_errors_column(stock_master):
    content = sheet(OPENING_HEADER, [opening_row(), opening_row(office="NOPE", quantity="-1")])
    batch, _ = stage("opening_stock", content)
    out = list(csv.reader(io.StringIO(formats.errors_sheet(content, "csv", batch.errors).decode())))
    assert out[0] == [*OPENING_HEADER, "Errors"]
    assert out[1] == [*opening_row(), ""]
    assert out[2] == [
        *opening_row(office="NOPE", quantity="-1"),
        "office: unknown office “NOPE”.; quantity: Quantity must be greater than zero.",
    ]
    # corrected and uploaded again, the Errors column is ignored
    fixed = sheet([*OPENING_HEADER, "Errors"], [[*opening_row(), ""], [*opening_row(), "old error"]])
    assert stage("opening_stock", fixed)[0].status == "previewed"


def test_errors_sheet_is_the_xlsx_with_an_errors_column(stock_master):
    content = sheet(OPENING_HEADER, [opening_row(lic="NOPE"), opening_row()], "xlsx")
    batch, _ = stage("opening_stock", content, "x.xlsx")
    book = load_workbook(io.BytesIO(formats.errors_sheet(content, "xlsx", batch.errors)), read_only=True)
    rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    assert rows[0] == [*OPENING_HEADER, "Errors"]
    assert rows[1][-1] == "lic: unknown line item code “NOPE”."
    assert rows[2][-1] is None and rows[2][:5] == ["HQ", "WIDGET", "10", "2.50", "2026-03-01"]


# --- reversal --------------------------------------------------------------------------------------


def test_reversing_opening_stock_closes_its_lots(stock_master):
    rows = [opening_row(), opening_row(office="WEST", lic="SCAN", quantity="1", serials="S9")]
    batch = imported("opening_stock", sheet(OPENING_HEADER, rows))
    batch = services.reverse_import(batch=batch, actor=None, reason="wrong file")
    assert (batch.status, batch.reversal_reason) == ("reversed", "wrong file")
    assert sorted(Lot.objects.values_list("qty_in", "status")) == [(D("0"), "closed"), (D("0"), "closed")]
    assert InventoryAdjustment.objects.filter(reverses__isnull=False).count() == 2
    assert LotSerial.objects.count() == 0  # the unused serial is forgotten, as a reversed adjustment does
    with pytest.raises(StateConflict) as caught:
        services.reverse_import(batch=batch, actor=None, reason="again")
    assert caught.value.code == "batch_not_committed"


def test_opening_stock_with_a_used_lot_cannot_be_reversed(stock_master, order):
    from tests.cogs.conftest import ship

    batch = imported("opening_stock", sheet(OPENING_HEADER, [opening_row(), opening_row(office="WEST")]))
    hq = Office.objects.get(code="HQ")
    ship(
        lic=LineItemCode.objects.get(code="WIDGET"),
        office=hq,
        quantity="1",
        source=order,
        date=datetime.date(2026, 3, 2),
    )
    from cogs.services import run_cogs_now

    run_cogs_now(actor=None, date=datetime.date(2026, 3, 2))
    lot = Lot.objects.get(office__code="HQ")
    assert lot.qty_used == D("1")
    with pytest.raises(StateConflict) as caught:
        services.reverse_import(batch=batch, actor=None, reason="wrong file")
    assert caught.value.code == "lot_used" and lot.number in caught.value.message
    assert sorted(Lot.objects.values_list("qty_in", flat=True)) == [D("10"), D("10")]  # nothing reversed


def test_opening_stock_in_closed_books_cannot_be_reversed(stock_master):
    batch = imported("opening_stock", sheet(OPENING_HEADER, [opening_row(lot_date="2026-03-01")]))
    set_lock_date(date=datetime.date(2026, 3, 1), actor=None)
    with pytest.raises(StateConflict) as caught:
        services.reverse_import(batch=batch, actor=None, reason="late")
    assert caught.value.code == "batch_locked"
    assert caught.value.message == (
        f"Import {batch.number} is dated 2026-03-01, on or before the lock date 2026-03-01: "
        "it is in closed books and cannot be reversed."
    )


def test_reversing_master_data_deletes_unused_records_only(stock_master):
    batch = imported(
        "lics", sheet(LIC_HEADER, [["NEW1", "", "yes", "", "", "", "", ""], ["NEW2", "", "yes", "", "", "", "", ""]])
    )
    adjust_in(
        office=Office.objects.get(code="HQ"), lic=LineItemCode.objects.get(code="NEW2"), quantity="1", unit_cost="1"
    )
    with pytest.raises(StateConflict) as caught:
        services.reverse_import(batch=batch, actor=None, reason="typo")
    assert caught.value.code == "record_in_use" and "NEW2" in caught.value.message
    assert LineItemCode.objects.filter(code__startswith="NEW").count() == 2
    other = imported("vendors", sheet(["code", "name"], [["V1", "One"]]))
    services.reverse_import(batch=other, actor=None, reason="typo")
    assert not Vendor.objects.filter(code="V1").exists()


def test_reversal_needs_a_reason(stock_master):
    batch = imported("offices", sheet(["code", "name"], [["N1", "New"]]))
    with pytest.raises(ValidationFailed) as caught:
        services.reverse_import(batch=batch, actor=None, reason="  ")
    assert caught.value.code == "reason_required" and Office.objects.filter(code="N1").exists()
