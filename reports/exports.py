"""The reports as files, one implementation behind both doors: the pages' ``/reports/<report>.csv``
and ``.xlsx`` (session) and the API's ``/api/v1/reports/<report>.csv`` and ``.xlsx`` (token or
session), the export permission at both.

CSV is streamed as it is read (the valuation's rows through a server-side cursor: constant memory
whatever the number of lots). A workbook is written row by row (openpyxl's write-only mode) into
a temporary file, which is then streamed; past a sheet's 1,048,576 rows it is refused
(``too_many_rows``: export CSV). Text cells that a spreadsheet would run as a formula are prefixed
with ``'`` (core.spreadsheet.safe_text); numbers stay numbers. Bad parameters raise
ValidationFailed ``invalid`` (reports.filters) before anything is written."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.http import FileResponse, StreamingHttpResponse

from core.errors import ValidationFailed
from core.money import money
from core.spreadsheet import XLSX_CONTENT_TYPE, safe_text, streamed_csv

from . import selectors
from .filters import report_params

XLSX_MAX_ROWS = 1_048_575  # a sheet's rows, less the header
MSG_TOO_MANY_ROWS = "More than {limit:,} rows: narrow the report (office, LIC, grouping) or export CSV."
CHUNK = 2000


def plain(value: Decimal | None) -> str:
    """A quantity as CSV text without trailing zeros (10.000000 -> 10, 2.500000 -> 2.5)."""
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


@dataclass
class Sheet:
    """A report as a header and rows: ``cells(row, csv)`` gives a row's cells (CSV text, or typed
    cells for a workbook: numbers as Decimals)."""

    name: str
    filename: str
    header: list[str]
    rows: Iterable
    cells: Callable


def _valuation_header(group_by: str) -> list[str]:
    return {
        "lot": ["Office", "LIC", "Description", "Lot", "Type", "Date", "Unit cost", "Quantity", "Value"],
        "lic": ["Office", "LIC", "Description", "Lots", "Quantity", "Value"],
        "office": ["Office", "Lots", "Quantity", "Value"],
    }[group_by]


def _valuation_cells(group_by: str):
    def cells(row: selectors.ValuationRow, as_csv: bool) -> list:
        quantity = plain(row.quantity) if as_csv else row.quantity
        value = str(money(row.value)) if as_csv else money(row.value)
        if group_by == "office":
            return [safe_text(row.office), row.lots, quantity, value]
        if group_by == "lic":
            return [safe_text(row.office), safe_text(row.lic), safe_text(row.description), row.lots, quantity, value]
        cost = plain(row.unit_cost) if as_csv else row.unit_cost
        return [
            safe_text(row.office),
            safe_text(row.lic),
            safe_text(row.description),
            safe_text(row.lot_number),
            row.type.capitalize(),
            row.date.isoformat() if as_csv else row.date,
            cost,
            quantity,
            value,
        ]

    return cells


def _streamed_valuation(params) -> Iterator[selectors.ValuationRow]:
    """Every row of the valuation, read through a server-side cursor ``CHUNK`` rows at a time."""
    sql, args = selectors.valuation_sql(as_of=params.as_of, scope=params.scope, group_by=params.group_by)
    with connection.chunked_cursor() as cursor:
        with selectors.tuned():
            cursor.execute(sql, args)
        while records := cursor.fetchmany(CHUNK):
            for record in records:
                yield selectors.valuation_row(record, params.group_by)


def valuation_sheet(data, access=None) -> Sheet:
    params = report_params("valuation", data, access)
    return Sheet(
        "Valuation",
        f"valuation-{params.as_of.isoformat()}",
        _valuation_header(params.group_by),
        _streamed_valuation(params),
        _valuation_cells(params.group_by),
    )


ROLL_FORWARD_HEADER = [
    "Office",
    "LIC",
    "Description",
    "Opening value",
    "Lots in",
    "Cost changes",
    "COGS",
    "Production",
    "Transfers out",
    "Adjustments out",
    "Closing value",
]


def _roll_forward_cells(row: selectors.RollForwardRow, as_csv: bool) -> list:
    figures = [money(v) for v in row.figures().values()]
    return [
        safe_text(row.office),
        safe_text(row.lic),
        safe_text(row.description),
        *([str(v) for v in figures] if as_csv else figures),
    ]


def roll_forward_sheet(data, access=None) -> Sheet:
    params = report_params("roll_forward", data, access)
    report = selectors.roll_forward(date_from=params.date_from, date_to=params.date_to, scope=params.scope)
    return Sheet(
        "Roll-forward",
        f"roll-forward-{params.date_from.isoformat()}-{params.date_to.isoformat()}",
        ROLL_FORWARD_HEADER,
        report.rows,
        _roll_forward_cells,
    )


def _aging_cells(row: selectors.AgingRow, as_csv: bool) -> list:
    figures = []
    for quantity, value in [*zip(row.quantities, row.values), (row.quantity, row.value)]:
        figures += [plain(quantity), str(money(value))] if as_csv else [quantity, money(value)]
    return [safe_text(row.office), safe_text(row.lic), safe_text(row.description), *figures]


def aging_sheet(data, access=None) -> Sheet:
    params = report_params("aging", data, access)
    report = selectors.aging(as_of=params.as_of, scope=params.scope, bounds=params.bounds)
    header = ["Office", "LIC", "Description"]
    for label in [*report.labels, "total"]:
        header += [f"Qty {label}", f"Value {label}"]
    return Sheet("Aging", f"aging-{params.as_of.isoformat()}", header, report.rows, _aging_cells)


JOURNAL_HEADER = [
    "Date",
    "Office",
    "Account",
    "Account name",
    "Debit",
    "Credit",
    "LIC",
    "Source type",
    "Source id",
    "Source",
    "Memo",
]


def _journal_cells(with_new: bool):
    def cells(line, as_csv: bool) -> list:
        figures = [str(line.debit), str(line.credit)] if as_csv else [line.debit, line.credit]
        out = [
            line.date.isoformat() if as_csv else line.date,
            safe_text(line.office),
            safe_text(line.account),
            line.account_name,
            *figures,
            safe_text(line.lic or ""),
            line.source_type or "",
            line.source_id if line.source_id is not None else "",
            safe_text(line.source_label),
            safe_text(line.memo),
        ]
        if with_new:
            out.append("yes" if line.new else "no")
        return out

    return cells


def journal_sheet(data, access=None) -> Sheet:
    """The journal of a period, lines or summary (reports.journal), as it stands now."""
    from . import journal

    params = report_params("journal", data, access)
    period = {"date_from": params.date_from, "date_to": params.date_to, "office_ids": params.office_ids}
    lines = journal.summary_lines(**period) if params.detail == "summary" else journal.iter_lines(**period)
    name = f"journal-{params.date_from.isoformat()}-{params.date_to.isoformat()}"
    return Sheet("Journal", name, JOURNAL_HEADER, lines, _journal_cells(False))


def journal_export_sheet(batch) -> Sheet:
    """A recorded journal export's lines, ``New`` marking those since the previous export."""
    from . import journal

    name = f"journal-export-{batch.pk}-{batch.date_from.isoformat()}-{batch.date_to.isoformat()}"
    return Sheet("Journal", name, [*JOURNAL_HEADER, "New"], journal.export_lines(batch), _journal_cells(True))


SHEETS = {
    "valuation": valuation_sheet,
    "roll_forward": roll_forward_sheet,
    "aging": aging_sheet,
    "journal": journal_sheet,
}


# The valuation's CSV is written by PostgreSQL (COPY ... TO STDOUT (FORMAT csv)), its cells formatted
# in SQL as _valuation_cells formats them in Python (the workbook's): text through the formula guard,
# quantities and unit costs without trailing zeros, money with 2 places, '' as an empty field. So
# the file streams at COPY's speed (bench/period_close.py). PostgreSQL also quotes a text holding a
# carriage return, which Python's csv module leaves bare: the same field to a CSV reader.
def _sql_text(expr: str) -> str:
    guarded = (
        f"CASE WHEN left({expr}, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) THEN chr(39) || {expr} ELSE {expr} END"
    )
    return f"NULLIF({guarded}, '')"


_SQL_CELLS = {
    "lot": [
        _sql_text("office"),
        _sql_text("lic"),
        _sql_text("description"),
        _sql_text("lot_number"),
        "upper(left(type, 1)) || lower(substr(type, 2))",
        "date::text",
        "trim_scale(unit_cost)::text",
        "trim_scale(quantity)::text",
        "round(value, 2)::text",
    ],
    "lic": [
        _sql_text("office"),
        _sql_text("lic"),
        _sql_text("description"),
        "lots::text",
        "trim_scale(quantity)::text",
        "round(value, 2)::text",
    ],
    "office": [_sql_text("office"), "lots::text", "trim_scale(quantity)::text", "round(value, 2)::text"],
}


def valuation_csv_response(data, access=None) -> StreamingHttpResponse:
    """The valuation as CSV (every row), streamed from PostgreSQL's COPY."""
    params = report_params("valuation", data, access)
    sql, args = selectors.valuation_sql(as_of=params.as_of, scope=params.scope, group_by=params.group_by)
    cells = ", ".join(_SQL_CELLS[params.group_by])
    query = f"SELECT {cells} FROM ({sql}) v"  # noqa: S608 - fixed SQL text, values bound as parameters
    header = _valuation_header(params.group_by)
    return streamed_copy(header, query, args, f"valuation-{params.as_of.isoformat()}.csv")


# The journal's detailed CSV, written by COPY as the valuation's is: the cells of _journal_cells(False)
# formatted in SQL (debits and credits are numerics of scale 2, written as str(Decimal) writes them).
JOURNAL_CSV_SELECT = """
SELECT l.date::text, {office}, {account}, {account_name}, l.debit::text, l.credit::text, {lic},
       NULLIF(l.source_type, ''), l.source_id::text, {label}, {memo}
FROM line l JOIN inventory_lots_office o ON o.id = l.office_id
JOIN inventory_lots_lineitemcode c ON c.id = l.lic_id
LEFT JOIN reports_officeaccounts a ON a.office_id = l.office_id
ORDER BY l.date, o.code, l.kind, l.source_id, l.side"""


def journal_csv_response(params) -> StreamingHttpResponse:
    """The journal's lines of a period as CSV (every line), streamed from PostgreSQL's COPY."""
    from . import journal
    from .models import ACCOUNT_ROLES

    names = " ".join(f"WHEN '{role}' THEN '{name}'" for role, (_, name) in ACCOUNT_ROLES.items())
    body = JOURNAL_CSV_SELECT.format(
        office=_sql_text("o.code"),
        account=_sql_text("({account})"),
        account_name=f"CASE l.role {names} END",
        lic=_sql_text("c.code"),
        label=_sql_text("l.source_label"),
        memo=_sql_text("l.memo"),
    )
    sql, args = journal.journal_sql(
        date_from=params.date_from, date_to=params.date_to, office_ids=params.office_ids, body=body
    )
    name = f"journal-{params.date_from.isoformat()}-{params.date_to.isoformat()}.csv"
    return streamed_copy(JOURNAL_HEADER, sql, args, name)


def streamed_copy(header: list[str], query: str, params: dict, filename: str) -> StreamingHttpResponse:
    """A CSV download: the header line, then the rows of ``query`` as PostgreSQL's COPY writes them."""
    import csv
    import io

    head = io.StringIO()
    csv.writer(head, lineterminator="\n").writerow(header)

    def chunks():
        yield head.getvalue().encode()
        with connection.cursor() as cursor:
            bound = cursor.cursor.mogrify(query, params)
            with selectors.tuned(), cursor.cursor.copy(f"COPY ({bound}) TO STDOUT (FORMAT csv)") as copy:
                for chunk in copy:
                    yield bytes(chunk)

    response = StreamingHttpResponse(chunks(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_response(report: str | Sheet, data=None, access=None) -> StreamingHttpResponse:
    """The report as UTF-8 CSV with a header row, streamed. ``access``: the requesting user's scope
    (the offices the file covers; None: every office)."""
    if report == "valuation":
        return valuation_csv_response(data, access)
    if report == "journal":
        params = report_params("journal", data, access)
        if params.detail != "summary":
            return journal_csv_response(params)
    sheet = report if isinstance(report, Sheet) else SHEETS[report](data, access)
    cells = (sheet.cells(row, True) for row in sheet.rows)
    return streamed_csv(sheet.header, cells, f"{sheet.filename}.csv", lineterminator="\n")


def xlsx_response(report: str | Sheet, data=None, access=None) -> FileResponse:
    """The same rows as an .xlsx workbook, written to a temporary file and streamed from it."""
    from openpyxl import Workbook

    sheet = report if isinstance(report, Sheet) else SHEETS[report](data, access)
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet.name)
    worksheet.append(sheet.header)
    for count, row in enumerate(sheet.rows, start=1):
        if count > XLSX_MAX_ROWS:
            raise ValidationFailed("too_many_rows", MSG_TOO_MANY_ROWS.format(limit=XLSX_MAX_ROWS))
        worksheet.append(sheet.cells(row, False))
    out = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when the response is done
    workbook.save(out)
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=f"{sheet.filename}.xlsx", content_type=XLSX_CONTENT_TYPE)
