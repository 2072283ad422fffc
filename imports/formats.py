"""Reading an uploaded CSV or xlsx sheet, and writing the templates and the errors sheet.

A sheet is a header row and data rows; rows are numbered as the spreadsheet shows them (the header
is row 1). xlsx is read with openpyxl in read-only mode (rows streamed, values not formulas); a CSV
is UTF-8 (a byte order mark is fine), comma- or semicolon-separated (the header line decides)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation

from core.errors import ValidationFailed
from core.spreadsheet import XLSX_CONTENT_TYPE, safe_text

MAX_BYTES = 50 * 1024 * 1024
ERRORS_COLUMN = "Errors"
MSG_TOO_BIG = "The file is larger than 50 MB: split it into several files."
MSG_EMPTY = "The file is empty: it needs a header row and at least one row of data."
MSG_NOT_XLSX = "The file is not a readable xlsx workbook ({error}): save it again as .xlsx or as CSV."
MSG_NOT_UTF8 = "The CSV file is not UTF-8 text: save it as “CSV UTF-8”."
MSG_FORMAT = "Upload a .csv or .xlsx file (got “{name}”)."


def file_format(file_name: str, content: bytes) -> str:
    """``xlsx`` or ``csv``, by the content first (an xlsx is a zip), then by the name."""
    name = (file_name or "").lower()
    if content[:4] == b"PK\x03\x04":
        return "xlsx"
    if name.endswith((".xlsx", ".xlsm")):
        return "xlsx"
    if name.endswith((".csv", ".txt")) or not name:
        return "csv"
    raise ValidationFailed("unsupported_format", MSG_FORMAT.format(name=file_name), field="file")


def check_size(content: bytes) -> None:
    if len(content) > MAX_BYTES:
        raise ValidationFailed("file_too_large", MSG_TOO_BIG, field="file")
    if not content.strip():
        raise ValidationFailed("file_empty", MSG_EMPTY, field="file")


def read_rows(content: bytes, fmt: str) -> Iterator[tuple[int, list]]:
    """(row number, cell values) of every row, the header first; blank rows are skipped."""
    rows = _xlsx_rows(content) if fmt == "xlsx" else _csv_rows(content)
    for number, cells in enumerate(rows, start=1):
        if any(c is not None and str(c).strip() != "" for c in cells):
            yield number, list(cells)


def _csv_rows(content: bytes) -> Iterator[list]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed("file_not_utf8", MSG_NOT_UTF8, field="file") from exc
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _xlsx_rows(content: bytes) -> Iterator[tuple]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # a zip that is not a workbook, a damaged file: openpyxl raises many kinds
        raise ValidationFailed("file_not_xlsx", MSG_NOT_XLSX.format(error=type(exc).__name__), field="file") from exc
    try:
        yield from workbook.worksheets[0].iter_rows(values_only=True)
    finally:
        workbook.close()


# --- writing -----------------------------------------------------------------------------------------


def csv_bytes(header: list[str], rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_cell(c) for c in row])
    return out.getvalue().encode("utf-8")


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value if _is_number(value) else safe_text(value)  # "-1" stays a number, "=1+1" text
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    return str(value)


def _is_number(text: str) -> bool:
    try:
        return Decimal(text.strip()).is_finite()
    except InvalidOperation:
        return False


def xlsx_bytes(header: list[str], rows, *, title: str, help_rows=()) -> bytes:
    """A workbook: the sheet (text as text, never a formula) and, when given, a Help sheet."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.append(header)
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, str):
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
    if help_rows:
        help_sheet = workbook.create_sheet("Help")
        for row in help_rows:
            help_sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def content_type(fmt: str) -> str:
    return XLSX_CONTENT_TYPE if fmt == "xlsx" else "text/csv; charset=utf-8"


def errors_sheet(content: bytes, fmt: str, errors: list) -> bytes:
    """The uploaded sheet as it came, with an Errors column: each row's messages (file-level
    messages on the header row). A previous Errors column is replaced."""
    by_row: dict[int, list[str]] = {}
    for row, message in errors:
        by_row.setdefault(int(row), []).append(message)
    rows = list(read_rows(content, fmt))
    header = [("" if c is None else str(c)) for c in rows[0][1]] if rows else []
    drop = [i for i, name in enumerate(header) if name.strip().lower() == ERRORS_COLUMN.lower()]
    keep = [i for i in range(len(header)) if i not in drop]
    out_header = [header[i] for i in keep] + [ERRORS_COLUMN]
    header_errors = "; ".join(by_row.get(1, []) + by_row.get(0, []))

    def body():
        width = len(header)
        for number, cells in rows[1:]:
            cells = (cells + [None] * width)[:width] if width else cells
            yield [cells[i] for i in keep] + ["; ".join(by_row.get(number, []))]

    if header_errors:
        out_header[-1] = f"{ERRORS_COLUMN}: {header_errors}"
    if fmt == "xlsx":
        return xlsx_bytes(out_header, body(), title="Errors")
    return csv_bytes(out_header, body())
