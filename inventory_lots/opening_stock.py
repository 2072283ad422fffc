"""Opening stock in bulk: the ledger's path for many ``beginning_balance`` lots at once.

The same rules as ``services.post_adjustment`` of kind ``beginning_balance`` (DOMAIN.md 9) and the
same locks, written set-wise so 100,000 lots post in seconds, not one query round trip each:

- every date is open: after the lock date and inside the date window (``services.check_open_date``,
  on the earliest and the latest date: both limits are monotonic), under the lock date's shared lock;
- every LIC row is locked first, by pk (docs/architecture.md "Locking"), and each line is checked
  against the locked row with ``services.check_lot_input`` (inventoried, positive quantity, unit
  cost, places, storable value, serials and mfr lot as the flags ask);
- a serial number appears once per LIC, in the lines and in the ledger (one query for all);
- one adjustment of kind ``beginning_balance`` per (office, date) (a lot's date is its adjustment's),
  its lines and lots written by ``bulk_create`` in chunks; the (LIC, office) pairs marked for COGS.

A module of its own beside services.py (near its size budget, edited for other work at the same time).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction

from core import numbering
from core.copy import copy_rows
from core.errors import OfficeNotPermitted, ValidationFailed, line_error
from core.money import ZERO, ZERO_MONEY
from core.money import unit_cost as unit_cost_of
from core.text import clean_text

from . import locks, pending, services
from .models import AdjustmentKind, AdjustmentLine, InventoryAdjustment, LineItemCode, Lot, LotSerial, LotType, Office
from .scope import check_can_post

CHUNK = 5000
MSG_SERIAL_REPEATED = "Serial number {serial} of {lic} is also on line {other}: a serial number is unique per LIC."


@dataclass(frozen=True, slots=True)
class OpeningLine:
    office: Office
    lic: LineItemCode
    date: datetime.date
    quantity: Decimal
    unit_cost: Decimal
    mfr_lot_number: str = ""
    serial_numbers: tuple[str, ...] = ()


@dataclass(frozen=True)
class OpeningResult:
    adjustments: list[InventoryAdjustment]
    lot_ids: list[int]  # the lot of each line, in the lines' order


@transaction.atomic
def post_opening_stock(
    *,
    lines: Sequence[OpeningLine],
    reason: str,
    actor: User | None,
    progress: Callable[[int, int], None] | None = None,
) -> OpeningResult:
    """Post opening stock: one ``beginning_balance`` adjustment per (office, date) of the lines, a
    lot per line. All or nothing; a refusal names its line (``lines[i].field``, "Line i+1: ...")."""
    if not lines:
        raise ValidationFailed("no_lines", services.MSG_NO_LINES, field="lines")
    reason = clean_text(reason)
    if not reason:
        raise ValidationFailed("reason_required", "Enter the reason for the adjustment.", field="reason")
    for index, line in enumerate(lines):
        try:
            check_can_post(actor, line.office)
        except OfficeNotPermitted as exc:
            raise line_error(exc, index) from exc
    dates = sorted({line.date for line in lines})
    services.check_open_date(dates[0])
    services.check_open_date(dates[-1])
    lics = locks.lics_for_update(line.lic.pk for line in lines)
    checked = [_check_line(index, line, lics) for index, line in enumerate(lines)]
    _refuse_serials_taken(lines, checked, lics)
    groups: dict[tuple[int, datetime.date], list[int]] = {}
    for index, line in enumerate(lines):
        groups.setdefault((line.office.pk, line.date), []).append(index)
    adjustments = _create_adjustments(groups, lines, reason, actor)
    lot_ids = [0] * len(lines)
    adjustment_of = {}
    for adjustment, indexes in zip(adjustments, groups.values(), strict=True):
        for line_no, index in enumerate(indexes, start=1):
            adjustment_of[index] = (adjustment, line_no)
    order = [index for indexes in groups.values() for index in indexes]
    for start in range(0, len(order), CHUNK):
        chunk = order[start : start + CHUNK]
        _write_chunk(chunk, lines, checked, lics, adjustment_of, lot_ids)
        if progress is not None:
            progress(min(start + CHUNK, len(order)), len(order))
    for office_id in sorted({line.office.pk for line in lines}):
        pending.mark_pairs(office_id, {line.lic.pk for line in lines if line.office.pk == office_id})
    return OpeningResult(adjustments=adjustments, lot_ids=lot_ids)


def _check_line(index: int, line: OpeningLine, lics: dict[int, LineItemCode]) -> tuple[Decimal, list[str], str]:
    lic = lics[line.lic.pk]  # the locked row: its flags as they are now
    try:
        if line.unit_cost is None:
            raise ValidationFailed("unit_cost_required", services.MSG_OPENING_COST_REQUIRED, field="unit_cost")
        return services.check_lot_input(
            lic=lic,
            quantity=line.quantity,
            unit_cost_value=line.unit_cost,
            serial_numbers=line.serial_numbers,
            mfr_lot_number=line.mfr_lot_number,
        )
    except ValidationFailed as exc:
        raise line_error(exc, index) from exc


def _refuse_serials_taken(lines, checked, lics) -> None:
    """A serial once per LIC: across the lines, then against every lot's serials (one query)."""
    seen: dict[tuple[int, str], int] = {}
    for index, (_, serials, _) in enumerate(checked):
        for serial in serials:
            key = (lines[index].lic.pk, serial)
            if key in seen:
                lic = lics[key[0]].code
                error = ValidationFailed(
                    "serial_repeated",
                    MSG_SERIAL_REPEATED.format(serial=serial, lic=lic, other=seen[key] + 1),
                    field="serial_numbers",
                )
                raise line_error(error, index)
            seen[key] = index
    if not seen:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.lic_id, s.serial_number FROM inventory_lots_lotserial s "
            "JOIN unnest(%s::bigint[], %s::text[]) AS t(lic_id, serial) "
            "ON s.lic_id = t.lic_id AND s.serial_number = t.serial",
            [[k[0] for k in seen], [k[1] for k in seen]],
        )
        taken = sorted(cursor.fetchall(), key=lambda key: seen[key])
    if taken:
        lic_id, serial = taken[0]
        error = ValidationFailed(
            "serial_taken",
            services.MSG_SERIAL_TAKEN.format(lic=lics[lic_id].code, serials=serial),
            field="serial_numbers",
        )
        raise line_error(error, seen[(lic_id, serial)])


def _create_adjustments(groups, lines, reason, actor) -> list[InventoryAdjustment]:
    numbers = numbering.next_numbers("ADJ", len(groups))
    rows = [
        InventoryAdjustment(
            number=number,
            office=lines[indexes[0]].office,
            date=date,
            kind=AdjustmentKind.BEGINNING_BALANCE,
            reason=reason,
            created_by=actor,
        )
        for number, ((_, date), indexes) in zip(numbers, groups.items(), strict=True)
    ]
    return InventoryAdjustment.objects.bulk_create(rows)


LOT_COLUMNS = (
    "id", "number", "type", "office_id", "lic_id", "date", "transaction_type_id", "transaction_id",
    "transaction_label", "parent_order_label", "serialized", "track_by_mfr_lot", "mfr_lot_number", "released",
    "qty_in", "qty_used", "unit_cost", "value_used",
)  # fmt: skip
LINE_COLUMNS = ("id", "adjustment_id", "line_no", "lic_id", "quantity", "unit_cost", "lot_id")


def _write_chunk(chunk, lines, checked, lics, adjustment_of, lot_ids) -> None:
    """The chunk's lots, adjustment lines and serials by COPY (core.copy), ids reserved first: a
    lot points at its line (its transaction), the line at its lot."""
    line_ct = ContentType.objects.get_for_model(AdjustmentLine).pk
    line_ids = numbering.reserve_ids(AdjustmentLine, len(chunk))
    new_lot_ids = numbering.reserve_ids(Lot, len(chunk))
    numbers = numbering.next_numbers("PL", len(chunk))
    lots: list[tuple] = []
    adj_lines: list[tuple] = []
    serials: list[tuple] = []
    for index, line_id, lot_id, number in zip(chunk, line_ids, new_lot_ids, numbers, strict=True):
        line, (quantity, lot_serials, mfr) = lines[index], checked[index]
        lic = lics[line.lic.pk]
        adjustment, line_no = adjustment_of[index]
        cost = unit_cost_of(line.unit_cost)
        lots.append(
            (
                lot_id, number, LotType.PURCHASE, line.office.pk, lic.pk, line.date, line_ct, line_id,
                f"{adjustment.number}/{line_no}", "", lic.serialized, lic.track_by_mfr_lot,
                mfr if lic.track_by_mfr_lot else "", True, quantity, ZERO, cost, ZERO_MONEY,
            )
        )  # fmt: skip
        adj_lines.append((line_id, adjustment.pk, line_no, lic.pk, quantity, cost, lot_id))
        serials.extend((lot_id, lic.pk, serial) for serial in lot_serials)
        lot_ids[index] = lot_id
    copy_rows(Lot, LOT_COLUMNS, lots)
    copy_rows(AdjustmentLine, LINE_COLUMNS, adj_lines)
    copy_rows(LotSerial, ("lot_id", "lic_id", "serial_number"), serials)
