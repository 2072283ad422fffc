"""CSV/spreadsheet helpers shared by every export.

CSV: a text cell that a spreadsheet would run as a formula (it starts with =, +, -, @, tab or
carriage return) is prefixed with ' (API.md), and decimals are written one way: plain (no
exponent, no thousands separator) with the fixed places of their kind (money 2; quantities and
unit costs 6, the columns' scale), as PostgreSQL prints the stored numeric.

xlsx: a workbook never evaluates a cell stored as a string, so text cells are written as strings
(``data_type = "s"``, even when they start with "=") without the visible apostrophe; numbers stay
numbers, money formatted ``#,##0.00``; the header row is frozen and carries an autofilter."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.http import StreamingHttpResponse

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMULA_REGEX = r"^[-=+@\t\r]"  # the same rule for exports formatted in SQL
MONEY_FORMAT = "#,##0.00"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_PLACES = 2
QTY_PLACES = 6


def safe_text(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def plain(value, places: int) -> str:
    """A decimal for a CSV: fixed ``places``, no exponent (``Decimal("0E-8")`` -> ``0.00``); None -> ""."""
    if value is None or value == "":
        return ""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    return format(number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP), "f")


def money_text(value) -> str:
    return plain(value, MONEY_PLACES)


def qty_text(value) -> str:
    return plain(value, QTY_PLACES)


class _Echo:
    """A file for csv.writer whose write() hands the formatted line back (nothing is buffered)."""

    def write(self, value: str) -> str:
        return value


def streamed_csv(
    header: list[str], rows: Iterable[Iterable], filename: str, *, lineterminator: str = "\r\n"
) -> StreamingHttpResponse:
    """A UTF-8 CSV download streamed as ``rows`` (each a row's cells, already formatted) is read:
    the header line, then a line per row; ``filename`` is the attachment's name."""
    writer = csv.writer(_Echo(), lineterminator=lineterminator)

    def lines():
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def write_sheet(
    workbook,
    title: str,
    header: list[str],
    rows: Iterable[Iterable],
    *,
    money_columns: Iterable[int] = (),
    max_rows: int | None = None,
    on_too_many=None,
) -> int:
    """Append a sheet to a write-only workbook: frozen header row with an autofilter over the
    written range, text cells as strings (no formula, no apostrophe), money columns (0-based
    indexes) formatted MONEY_FORMAT. Returns the number of data rows. ``on_too_many()`` is called
    (it should raise) when more than ``max_rows`` rows come."""
    from openpyxl.cell import WriteOnlyCell

    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"  # before the first row: the sheet view is written ahead of the data
    sheet.append(header)
    money = set(money_columns)
    count = 0
    for row in rows:
        count += 1
        if max_rows is not None and count > max_rows and on_too_many is not None:
            on_too_many()
        cells = []
        for index, value in enumerate(row):
            if isinstance(value, str):
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"  # never a formula, whatever it starts with
            elif index in money and value is not None:
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = MONEY_FORMAT
            else:
                cell = value
            cells.append(cell)
        sheet.append(cells)
    sheet.auto_filter.ref = f"A1:{column_letter(len(header))}{count + 1}"
    return count
