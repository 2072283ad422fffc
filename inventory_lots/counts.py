"""Physical counts (DOMAIN.md 9): per LIC counted in an office on a date, the book on-hand quantity at that
date (``Σ qty_in of its lots dated <= D - Σ its usage quantities dated <= D``, allocated or not) beside
the counted quantity; posting writes one adjustment of kind ``count`` for the differences (a shortage is
a usage line, an overage a lot at the default adjustment unit cost, DOMAIN.md 4). LICs not counted are
not in the count; a count with no difference posts nothing; a LIC counted twice in one count is refused
(400 ``lic_counted_twice``, on the later line). A module of its own beside services.py, which it calls.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Sum

from core.errors import ValidationFailed, line_error

from . import locks
from .models import AdjustmentKind, InventoryAdjustment, InventoryUsage, LineItemCode, Lot, Office
from .scope import check_can_post
from .services import (
    MSG_NO_LINES,
    AdjustmentLineInput,
    check_inventoried,
    check_open_date,
    check_places,
    post_adjustment,
)

MSG_COUNTED_TWICE = "{lic} is already counted on line {line}: count each LIC once."
MSG_NEGATIVE_COUNT = "A counted quantity cannot be negative."
DEFAULT_REASON = "Physical count"
ZERO = Decimal("0")


@dataclass(frozen=True)
class CountLineInput:
    lic: LineItemCode
    counted_quantity: Decimal
    serial_numbers: Sequence[str] = field(default_factory=tuple)  # serialized: the serials short or found
    mfr_lot_number: str = ""  # tracked by mfr lot: the lot number of what was found


@dataclass(frozen=True)
class CountLine:
    lic: LineItemCode
    book_quantity: Decimal
    counted_quantity: Decimal

    @property
    def difference(self) -> Decimal:
        return self.counted_quantity - self.book_quantity


@dataclass(frozen=True)
class CountResult:
    adjustment: InventoryAdjustment | None
    lines: list[CountLine]


# A lot's qty_in is its figure now: a record dated after D may have changed it since (a reversal
# taking it back to 0, production reported into it later). Each app whose records do registers, from its
# AppConfig.ready (inventory_lots imports none of them), a SELECT of (LIC id, quantity) of those records
# dated after %(d)s on the lots of office %(office)s dated <= %(d)s, LIC = ANY(%(lics)s); the book at D
# takes them back out, in the same statement as the lots. An adjustment's reversal is this app's own.
LATER_QUANTITY: list[str] = [
    """SELECT al.lic_id, al.quantity FROM inventory_lots_adjustmentline al
    JOIN inventory_lots_inventoryadjustment a ON a.id = al.adjustment_id
    JOIN inventory_lots_lot l ON l.id = al.lot_id
    WHERE al.reverses_line_id IS NOT NULL AND l.office_id = %(office)s AND l.date <= %(d)s
      AND l.lic_id = ANY(%(lics)s) AND a.date > %(d)s"""
]


def register_later_quantity(sql: str) -> None:
    LATER_QUANTITY.append(sql)


def book_quantities(*, office: Office, date: datetime.date, lic_ids: Iterable[int]) -> dict[int, Decimal]:
    """The book on-hand quantity of each LIC in ``office`` at ``date`` (two aggregates, by index:
    lot_lic_date_id with the records registered in LATER_QUANTITY, usage_lic_office_date)."""
    ids = sorted(set(lic_ids))
    later = "".join(
        f" UNION ALL SELECT x.lic_id, -x.quantity FROM ({sql}) x"  # noqa: S608 - the apps' fixed SQL text
        for sql in LATER_QUANTITY
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT lic_id, sum(q) FROM (SELECT l.lic_id, l.qty_in AS q FROM inventory_lots_lot l"  # noqa: S608
            " WHERE l.office_id = %(office)s AND l.lic_id = ANY(%(lics)s) AND l.date <= %(d)s"
            f"{later}) y GROUP BY lic_id",
            {"office": office.pk, "lics": ids, "d": date},
        )
        lots = dict(cursor.fetchall())
    used = dict(
        InventoryUsage.objects.filter(office=office, lic_id__in=ids, date__lte=date)
        .values("lic_id")
        .annotate(q=Sum("quantity"))
        .values_list("lic_id", "q")
    )
    return {i: (lots.get(i) or ZERO) - (used.get(i) or ZERO) for i in ids}


def _check_lines(lines: Sequence[CountLineInput]) -> None:
    if not lines:
        raise ValidationFailed("no_lines", MSG_NO_LINES, field="lines")
    seen: dict[int, int] = {}
    for index, line in enumerate(lines):
        try:
            check_inventoried(line.lic)
            check_places(line.counted_quantity, 6, "counted_quantity")
            if line.counted_quantity < 0:
                raise ValidationFailed("negative_count", MSG_NEGATIVE_COUNT, field="counted_quantity")
            if line.lic.pk in seen:
                raise ValidationFailed(
                    "lic_counted_twice", MSG_COUNTED_TWICE.format(lic=line.lic.code, line=seen[line.lic.pk] + 1), "lic"
                )
        except ValidationFailed as exc:
            raise line_error(exc, index) from exc
        seen[line.lic.pk] = index


@transaction.atomic
def post_count(
    *,
    office: Office,
    date: datetime.date,
    lines: Sequence[CountLineInput],
    actor: User | None,
    reason: str = DEFAULT_REASON,
) -> CountResult:
    """Compare the counted quantities with the book at ``date`` (under the LIC locks, so no posting moves
    the book in between) and post one ``count`` adjustment for the differences (None when none)."""
    check_can_post(actor, office)
    _check_lines(lines)
    check_open_date(date)
    locks.lics_for_update(line.lic.pk for line in lines)
    book = book_quantities(office=office, date=date, lic_ids=(line.lic.pk for line in lines))
    counted = [CountLine(line.lic, book[line.lic.pk], line.counted_quantity) for line in lines]
    differing = [(line, c) for line, c in zip(lines, counted, strict=True) if c.difference != 0]
    if not differing:
        return CountResult(None, counted)
    adjustment = post_adjustment(
        office=office,
        date=date,
        kind=AdjustmentKind.COUNT,
        reason=reason or DEFAULT_REASON,
        actor=actor,
        lines=[
            AdjustmentLineInput(
                lic=line.lic,
                quantity=c.difference,
                serial_numbers=line.serial_numbers,
                mfr_lot_number=line.mfr_lot_number if c.difference > 0 else "",
            )
            for line, c in differing
        ],
    )
    return CountResult(adjustment, counted)


@dataclass(frozen=True)
class SheetRow:
    lic: LineItemCode
    book_quantity: Decimal


def count_sheet(*, office: Office, date: datetime.date) -> list[SheetRow]:
    """The count sheet of an office at a date: every inventoried LIC with a lot there dated up to the
    date, by code, with its book quantity (three queries whatever the number of LICs)."""
    lic_ids = set(Lot.objects.filter(office=office, date__lte=date).values_list("lic_id", flat=True).distinct())
    lics = LineItemCode.objects.filter(pk__in=lic_ids, inventoried=True).order_by("code")
    book = book_quantities(office=office, date=date, lic_ids=lic_ids)
    return [SheetRow(lic, book[lic.pk]) for lic in lics]
