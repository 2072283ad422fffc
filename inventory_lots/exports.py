"""Lot list exports (API.md "CSV export of lots"): streaming CSV and a bounded .xlsx.

CSV: the filtered lot query, with the export's formatting done in SQL, runs as PostgreSQL
``COPY (…) TO STDOUT (FORMAT csv)`` and its chunks are streamed to the client as they arrive:
constant memory, close to the speed of COPY itself. Every export is recorded (LotExport).
"""

from __future__ import annotations

import io

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Case, CharField, F, Func, Q, QuerySet, Value, When
from django.db.models.functions import Concat

from core.spreadsheet import FORMULA_REGEX, write_sheet

from .models import Lot, LotExport
from .services import finish_lot_export

HEADER = [
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
XLSX_MAX_ROWS = 100_000
MONEY_COLUMNS = (15, 16, 17, 18)  # Value in, Value used, Value available, Accrued value
COST_COLUMNS = 5  # the last five columns (unit cost and money): left out without "see costs"

# Accrued value per lot comes from purchasing (received, not yet invoiced); the export view
# passes the expression in so this module does not depend on purchasing.


def _safe(field: str):
    return Case(
        When(Q(**{f"{field}__regex": FORMULA_REGEX}), then=Concat(Value("'"), F(field), output_field=CharField())),
        default=F(field),
        output_field=CharField(),
    )


def _yes_no(field: str):
    return Case(When(Q(**{field: True}), then=Value("yes")), default=Value("no"), output_field=CharField())


def header(see_costs: bool = True) -> list[str]:
    """The export's columns; without "see costs" the unit cost and money columns are left out."""
    return HEADER if see_costs else HEADER[:-COST_COLUMNS]


def export_queryset(
    queryset: QuerySet[Lot], accrued_value=None, *, for_csv: bool = True, see_costs: bool = True
) -> QuerySet:
    """The export's rows, in HEADER order, formatted by PostgreSQL. Decimals are the stored numerics
    (COPY prints them plain with the column's fixed places: quantities and unit cost 6, money 2).
    ``for_csv``: text cells that a spreadsheet would run as a formula get the ' prefix; a workbook
    (``for_csv=False``) stores them as strings instead (core.spreadsheet.write_sheet).
    ``see_costs=False``: the columns of ``header(False)`` only."""

    def initcap(field):
        return Func(F(field), function="initcap", output_field=CharField())

    text = _safe if for_csv else F
    accrued = accrued_value if accrued_value is not None else Value("", output_field=CharField())
    columns = [
        "number",
        "x_type",
        "x_status",
        "x_office",
        "x_lic",
        "x_desc",
        "date",
        "x_txn",
        "x_parent",
        "x_ser",
        "x_mfr",
        "qty_in",
        "qty_used",
        "qty_available",
        "unit_cost",
        "value_in",
        "value_used",
        "x_value_available",
        "x_accrued",
    ]
    annotations = {
        "x_type": initcap("type"),
        "x_status": initcap("status"),
        "x_office": text("office__code"),
        "x_lic": text("lic__code"),
        "x_desc": text("lic__description"),
        "x_txn": text("transaction_label"),
        "x_parent": text("parent_order_label"),
        "x_ser": _yes_no("serialized"),
        "x_mfr": _yes_no("track_by_mfr_lot"),
    }
    if see_costs:
        annotations.update(x_value_available=F("value_in") - F("value_used"), x_accrued=accrued)
    else:  # no unit cost or value columns (DOMAIN.md 11)
        columns = columns[:-COST_COLUMNS]
    return queryset.order_by("date", "id").annotate(**annotations).values_list(*columns)


def _csv_header(see_costs: bool = True) -> bytes:
    import csv

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(header(see_costs))
    return buffer.getvalue().encode()


def stream_csv(rows: QuerySet, record: LotExport, *, see_costs: bool = True):
    """Yield the CSV (header, then COPY's chunks); record the row count when done."""
    count = 0
    try:
        yield _csv_header(see_costs)
        try:
            sql, params = rows.query.sql_with_params()
        except EmptyResultSet:  # a filter that can match nothing (a search matching no LIC)
            return
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(
                f"COPY ({sql}) TO STDOUT (FORMAT csv)",
                params,  # noqa: S608 - Django-built SQL, bound params
            ) as copy,
        ):
            for chunk in copy:
                data = bytes(chunk)
                count += data.count(b"\n")
                yield data
    finally:
        finish_lot_export(record=record, row_count=count)


def xlsx_bytes(rows: QuerySet, *, see_costs: bool = True) -> tuple[bytes, int]:
    """The same columns as an .xlsx workbook (write-only mode), for lists up to XLSX_MAX_ROWS:
    numbers are real numbers (money ``#,##0.00``), text cells strings, header frozen with an
    autofilter (core.spreadsheet.write_sheet). Pass ``export_queryset(..., for_csv=False)``."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    count = write_sheet(
        workbook,
        "Lots",
        header(see_costs),
        rows.iterator(chunk_size=5000),
        money_columns=MONEY_COLUMNS if see_costs else (),
    )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue(), count
