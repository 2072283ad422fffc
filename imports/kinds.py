"""What each kind of import reads (its columns) and how every row is checked, without writing.

``check(kind, rows)`` reads the header, checks every row and returns a ``Checked``: the records
ready for the owning app's service, the errors by row (all of them, not only the first), and the
figures of the preview. Lookups are one query per table, not per row: 100,000 rows are checked in
seconds. The rules are the services' (``inventory_lots.services.check_lot_input``, the models'
field validators, codes unique ignoring case); the services check again when they write."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from core.codes import MSG_CODE_CHARS, clean_code, code_taken_message
from core.errors import ValidationFailed
from core.money import ZERO, ZERO_MONEY, extended
from core.text import clean_text
from inventory_lots import dates, selectors, services
from inventory_lots.models import CostingMethod, LineItemCode, Office
from inventory_lots.opening_stock import OpeningLine
from inventory_lots.scope import MSG_VIEW_ONLY, scope_for
from orders.models import Customer
from purchasing.models import Vendor

from .models import ImportKind

TRUE = {"yes", "y", "true", "1", "x"}
FALSE = {"no", "n", "false", "0", ""}
MSG_MISSING_COLUMNS = "The header row lacks the column(s) {columns}: download the template to see them."
MSG_UNKNOWN_COLUMNS = "Unknown column(s) {columns}: the columns are {known}."
MSG_REPEATED_COLUMN = "The column {column} appears twice in the header row."
MSG_NO_ROWS = "The file has a header row but no data rows."
MSG_REQUIRED = "{column}: a value is required."
MSG_NOT_NUMBER = "{column}: “{value}” is not a number (write it like 1234.50, no thousands separator)."
MSG_NOT_DATE = "{column}: “{value}” is not a date (write it as YYYY-MM-DD)."
MSG_NOT_BOOL = "{column}: “{value}” is not yes or no."
MSG_UNKNOWN = "{column}: unknown {what} “{value}”."
MSG_TOO_LONG = "{column}: at most {limit} characters."
MSG_CODE_REPEATED = "code: {code} is also on row {row} (codes are unique ignoring case)."
MSG_FLAGS = "Only inventoried LICs can be serialized or tracked by mfr lot: set inventoried to yes or clear the flags."
MSG_COSTING = "costing_method: “{value}” is not fifo, lifo or specific."
MSG_SERIAL_REPEATED = "serials: {serial} of {lic} is also on row {row} (a serial number is unique per LIC)."


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    help: str
    example: str = ""
    aliases: tuple[str, ...] = ()


MASTER_COLUMNS = [
    Column("code", True, "Letters, digits, “.”, “_” and “-”; unique ignoring case.", "HQ"),
    Column("name", True, "Up to 200 characters.", "Head office"),
]
COLUMNS: dict[str, list[Column]] = {
    ImportKind.OFFICES: MASTER_COLUMNS,
    ImportKind.VENDORS: [MASTER_COLUMNS[0], Column("name", True, "Up to 200 characters.", "Acme Supply")],
    ImportKind.CUSTOMERS: [MASTER_COLUMNS[0], Column("name", True, "Up to 200 characters.", "Blue Shop")],
    ImportKind.LICS: [
        Column("code", True, "Letters, digits, “.”, “_” and “-”; unique ignoring case.", "WIDGET"),
        Column("description", False, "Up to 200 characters.", "Blue widget"),
        Column("inventoried", False, "yes or no (default no): only inventoried LICs get lots.", "yes"),
        Column("serialized", False, "yes or no (default no); needs inventoried.", "no"),
        Column("track_by_mfr_lot", False, "yes or no (default no); needs inventoried.", "no", ("mfr_lot",)),
        Column("costing_method", False, "fifo (default), lifo or specific.", "fifo"),
        Column("unit", False, "Unit of measure, up to 10 characters (default ea).", "ea"),
        Column("active", False, "yes (default) or no.", "yes"),
    ],
    ImportKind.OPENING_STOCK: [
        Column("office", True, "The office code.", "HQ"),
        Column("lic", True, "The line item code (an inventoried one).", "WIDGET"),
        Column("quantity", True, "Greater than zero, up to 6 decimals.", "10"),
        Column("unit_cost", True, "Zero or more, up to 6 decimals.", "2.50", ("cost",)),
        Column("lot_date", True, "YYYY-MM-DD, after the lock date.", "2026-01-31", ("date",)),
        Column(
            "mfr_lot", False, "The manufacturer's lot number: required when the LIC tracks it.", "", ("mfr_lot_number",)
        ),
        Column(
            "serials",
            False,
            "Serial numbers separated by commas or semicolons: one per unit when the LIC is serialized.",
            "",
            ("serial_numbers",),
        ),
        Column(
            "reference", False, "Your reference for the row (e.g. the old system's lot), up to 100 characters.", "OLD-1"
        ),
    ],
}
OPENING_FIELD_COLUMN = {
    "quantity": "quantity",
    "unit_cost": "unit_cost",
    "serial_numbers": "serials",
    "mfr_lot_number": "mfr_lot",
    "lic": "lic",
}
MASTER_MODELS: dict[str, type[Office | LineItemCode | Vendor | Customer]] = {  # keyed by a batch's kind
    ImportKind.OFFICES: Office,
    ImportKind.LICS: LineItemCode,
    ImportKind.VENDORS: Vendor,
    ImportKind.CUSTOMERS: Customer,
}


@dataclass(frozen=True, slots=True)
class OpeningRow:
    row: int
    line: OpeningLine
    reference: str


@dataclass
class Checked:
    kind: str
    row_count: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    records: list = field(default_factory=list)  # model instances (master data) or OpeningRow
    total_quantity: Decimal = ZERO
    total_value: Decimal = ZERO_MONEY
    first_date: datetime.date | None = None
    last_date: datetime.date | None = None
    office_ids: set[int] = field(default_factory=set)  # every office a row names (opening stock)

    @property
    def ok(self) -> bool:
        return not self.errors


def _norm(name) -> str:
    return str(name or "").strip().lower().replace(" ", "_").replace("-", "_")


def header_map(kind: str, header: list) -> dict[str, int]:
    """Column name -> its index; refuses missing, unknown and repeated columns. A column named
    Errors (a corrected errors sheet uploaded again) is ignored."""
    columns = COLUMNS[kind]
    names = {c.name: c.name for c in columns} | {a: c.name for c in columns for a in c.aliases}
    found: dict[str, int] = {}
    unknown = []
    for index, cell in enumerate(header):
        name = _norm(cell)
        if not name or name == "errors" or name.startswith("errors:"):
            continue
        if name not in names:
            unknown.append(str(cell).strip())
            continue
        if names[name] in found:
            raise ValidationFailed("repeated_column", MSG_REPEATED_COLUMN.format(column=names[name]), field="file")
        found[names[name]] = index
    missing = [c.name for c in columns if c.required and c.name not in found]
    if missing:
        raise ValidationFailed("missing_columns", MSG_MISSING_COLUMNS.format(columns=", ".join(missing)), field="file")
    if unknown:
        known = ", ".join(c.name for c in columns)
        raise ValidationFailed(
            "unknown_columns", MSG_UNKNOWN_COLUMNS.format(columns=", ".join(unknown), known=known), field="file"
        )
    return found


class RowError(Exception):
    pass


def _text(value) -> str:
    if value is None:
        return ""
    if type(value) is str and value.isascii():  # the common case: nothing to clean but spaces
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return clean_text(str(value)).strip()


def parse_decimal(value, column: str) -> Decimal:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise RowError(MSG_REQUIRED.format(column=column))
    if isinstance(value, bool):
        raise RowError(MSG_NOT_NUMBER.format(column=column, value=value))
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(str(value).strip()) if not isinstance(value, Decimal | int) else Decimal(value)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise RowError(MSG_NOT_NUMBER.format(column=column, value=_text(value)))
    return number


def parse_date(value, column: str) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value)
    if not text:
        raise RowError(MSG_REQUIRED.format(column=column))
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise RowError(MSG_NOT_DATE.format(column=column, value=text)) from exc


def parse_bool(value, column: str, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text == "":
        return default
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise RowError(MSG_NOT_BOOL.format(column=column, value=_text(value)))


def _cells(mapping: dict[str, int], cells: list) -> dict:
    return {name: (cells[i] if i < len(cells) else None) for name, i in mapping.items()}


# --- checking a file ----------------------------------------------------------------------------------


def check(
    kind: str, rows: Iterator[tuple[int, list]], progress: Callable[[int], None] | None = None, *, actor=None
) -> Checked:
    """Check every row of a sheet (``rows``: formats.read_rows). File-level problems (columns) are
    raised as ValidationFailed; row problems are collected in ``Checked.errors``. Opening stock
    rows post in offices ``actor`` (None: the system) may post in."""
    try:
        _, header = next(rows)
    except StopIteration as exc:
        raise ValidationFailed("file_empty", "The file is empty: it needs a header row.", field="file") from exc
    mapping = header_map(kind, header)
    checker = OpeningChecker(actor) if kind == ImportKind.OPENING_STOCK else MasterChecker(kind)
    result = Checked(kind=kind)
    for number, cells in rows:
        result.row_count += 1
        values = _cells(mapping, cells)
        problems: list[str] = []
        try:
            record = checker.row(number, values, problems)
        except RowError as exc:
            problems.insert(0, str(exc))
            record = None
        if problems:
            result.errors.extend((number, message) for message in problems)
        elif record is not None:
            result.records.append(record)
        if progress is not None and result.row_count % 1000 == 0:
            progress(result.row_count)
    if result.row_count == 0:
        raise ValidationFailed("no_rows", MSG_NO_ROWS, field="file")
    checker.finish(result)
    result.office_ids = set(getattr(checker, "office_ids", ()))
    result.errors.sort(key=lambda e: e[0])
    if result.errors:
        result.records = []
    return result


class MasterChecker:
    """Offices, LICs, vendors, customers: the model's field rules, codes unique ignoring case (in
    the file and against the table), LIC flags that agree with each other."""

    def __init__(self, kind: str):
        self.kind = kind
        self.model = MASTER_MODELS[kind]
        self.existing = {c.upper(): c for c in self.model._default_manager.values_list("code", flat=True)}
        self.seen: dict[str, int] = {}
        self.code_limit = self.model._meta.get_field("code").max_length

    def row(self, number: int, values: dict, problems: list[str]):
        raw = _text(values.get("code"))
        code = clean_code(raw)
        if not raw:
            problems.append(MSG_REQUIRED.format(column="code"))
        elif code is None:
            problems.append(f"code: {MSG_CODE_CHARS}")
        elif len(code) > self.code_limit:
            problems.append(MSG_TOO_LONG.format(column="code", limit=self.code_limit))
        elif code.upper() in self.seen:
            problems.append(MSG_CODE_REPEATED.format(code=code, row=self.seen[code.upper()]))
        elif code.upper() in self.existing:
            problems.append(f"code: {code_taken_message(self.model, self.existing[code.upper()])}")
        if code:
            self.seen.setdefault(code.upper(), number)
        fields = self._fields(values, problems)
        if problems:
            return None
        return self.model(code=code, **fields)

    def _fields(self, values: dict, problems: list[str]) -> dict:
        if self.kind != ImportKind.LICS:
            name = _text(values.get("name"))
            if not name:
                problems.append(MSG_REQUIRED.format(column="name"))
            elif len(name) > 200:
                problems.append(MSG_TOO_LONG.format(column="name", limit=200))
            return {"name": name}
        out: dict = {}
        description = _text(values.get("description"))
        if len(description) > 200:
            problems.append(MSG_TOO_LONG.format(column="description", limit=200))
        out["description"] = description
        for name, default in (
            ("inventoried", False),
            ("serialized", False),
            ("track_by_mfr_lot", False),
            ("active", True),
        ):
            try:
                out[name] = parse_bool(values.get(name), name, default)
            except RowError as exc:
                problems.append(str(exc))
        method = _text(values.get("costing_method")).lower() or CostingMethod.FIFO
        method = {"specific unit": CostingMethod.SPECIFIC, "specific_unit": CostingMethod.SPECIFIC}.get(method, method)
        if method not in CostingMethod.values:
            problems.append(MSG_COSTING.format(value=_text(values.get("costing_method"))))
        out["costing_method"] = method
        unit = _text(values.get("unit")) or "ea"
        if len(unit) > 10:
            problems.append(MSG_TOO_LONG.format(column="unit", limit=10))
        out["unit"] = unit
        if not out.get("inventoried") and (out.get("serialized") or out.get("track_by_mfr_lot")):
            problems.append(MSG_FLAGS)
        return out

    def finish(self, result: Checked) -> None:
        result.total_quantity = Decimal(len(result.records))


class OpeningChecker:
    """Opening stock rows: known office and inventoried LIC, numbers that fit, a date after the
    lock date and inside the date window, serials and mfr lot as the LIC's flags ask, serials unique
    per LIC in the file and in the ledger (checked at the end, one query). An office the actor does
    not see is unknown; one they may only view is refused on its row (DOMAIN.md section 11)."""

    def __init__(self, actor=None):
        self.scope = scope_for(actor)
        self.offices = {o.code.upper(): o for o in Office.objects.visible_to(self.scope)}
        self.lics = {
            lic.code.upper(): lic
            for lic in LineItemCode.objects.only("id", "code", "inventoried", "serialized", "track_by_mfr_lot")
        }
        self.lock = selectors.current_lock_date()
        self.serials: dict[tuple[int, str], int] = {}
        self.office_ids: set[int] = set()

    def row(self, number: int, values: dict, problems: list[str]):
        office = self._known(values.get("office"), self.offices, "office", "office", problems)
        if office is not None:
            self.office_ids.add(office.pk)
        if office is not None and not self.scope.posts(office.pk):
            problems.append(f"office: {MSG_VIEW_ONLY.format(office=office.code)}")
        lic = self._known(values.get("lic"), self.lics, "lic", "line item code", problems)
        quantity = self._number(values.get("quantity"), "quantity", problems)
        cost = self._number(values.get("unit_cost"), "unit_cost", problems)
        date = self._date(values.get("lot_date"), problems)
        reference = _text(values.get("reference"))
        if len(reference) > 100:
            problems.append(MSG_TOO_LONG.format(column="reference", limit=100))
        mfr = _text(values.get("mfr_lot"))
        if len(mfr) > 60:
            problems.append(MSG_TOO_LONG.format(column="mfr_lot", limit=60))
        serials = tuple(s.strip() for s in _text(values.get("serials")).replace(";", ",").split(",") if s.strip())
        if lic is None or quantity is None or cost is None:
            return None
        try:
            quantity, serials, mfr = services.check_lot_input(
                lic=lic, quantity=quantity, unit_cost_value=cost, serial_numbers=serials, mfr_lot_number=mfr
            )
        except ValidationFailed as exc:
            problems.append(f"{OPENING_FIELD_COLUMN.get(exc.field, exc.field or 'row')}: {exc.message}")
            return None
        for serial in serials:
            other = self.serials.setdefault((lic.pk, serial), number)
            if other != number:
                problems.append(MSG_SERIAL_REPEATED.format(serial=serial, lic=lic.code, row=other))
        if office is None or date is None or problems:
            return None
        line = OpeningLine(
            office=office,
            lic=lic,
            date=date,
            quantity=quantity,
            unit_cost=cost,
            mfr_lot_number=mfr,
            serial_numbers=tuple(serials),
        )
        return OpeningRow(row=number, line=line, reference=reference)

    def _known(self, value, table: dict, column: str, what: str, problems: list[str]):
        text = _text(value)
        if not text:
            problems.append(MSG_REQUIRED.format(column=column))
            return None
        found = table.get(text.upper())
        if found is None:
            problems.append(MSG_UNKNOWN.format(column=column, what=what, value=text))
        return found

    def _number(self, value, column: str, problems: list[str]) -> Decimal | None:
        try:
            return parse_decimal(value, column)
        except RowError as exc:
            problems.append(str(exc))
            return None

    def _date(self, value, problems: list[str]) -> datetime.date | None:
        try:
            date = parse_date(value, "lot_date")
        except RowError as exc:
            problems.append(str(exc))
            return None
        if self.lock is not None and date <= self.lock:
            problems.append("lot_date: " + services.MSG_LOCKED.format(lock=self.lock.isoformat()))
            return None
        try:
            dates.check_date_window(date, "lot_date", lock=self.lock)
        except ValidationFailed as exc:
            problems.append(f"lot_date: {exc.message}")
            return None
        return date

    def finish(self, result: Checked) -> None:
        """Serials already in the ledger (one query), then the totals of what is left."""
        if self.serials:
            from django.db import connection

            keys = list(self.serials)
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT s.lic_id, s.serial_number FROM inventory_lots_lotserial s "
                    "JOIN unnest(%s::bigint[], %s::text[]) AS t(lic_id, serial) "
                    "ON s.lic_id = t.lic_id AND s.serial_number = t.serial",
                    [[k[0] for k in keys], [k[1] for k in keys]],
                )
                codes = {lic.pk: lic.code for lic in self.lics.values()}
                for lic_id, serial in cursor.fetchall():
                    message = services.MSG_SERIAL_TAKEN.format(lic=codes[lic_id], serials=serial)
                    result.errors.append((self.serials[(lic_id, serial)], f"serials: {message}"))
        for record in result.records:
            line = record.line
            result.total_quantity += line.quantity
            result.total_value += extended(line.quantity, line.unit_cost)
            if result.first_date is None or line.date < result.first_date:
                result.first_date = line.date
            if result.last_date is None or line.date > result.last_date:
                result.last_date = line.date
