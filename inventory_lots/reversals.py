"""Reversal of an inventory adjustment (DOMAIN.md 9), by accountants, as receipts already have: a reason,
a date in the open period (not before the adjustment), linked both ways (``reverses`` /
``reversed_by``, and line by line ``reverses_line``), never twice and never of a reversal (409).

- A lot line: refused (409 ``lot_used``, naming the lot) when the lot has usage allocated, is named by
  a usage (specific unit) or has a serial that left stock; otherwise its reversal line (-quantity, the
  lot) brings the lot's ``qty_in`` to 0 (status Closed), a dated lot value event (DOMAIN.md 10: the
  reports read it from the reversal line, dated by its adjustment), and its serials are forgotten.
- A usage line: given back by a negative usage of kind ``adjustment`` naming it (``returns_usage``),
  for what the usage still holds net of earlier returns naming it (nothing left: skipped); the
  reversal line carries +quantity and that usage.
- An adjustment dated on or before the lock date with lots cannot be reversed (409
  ``adjustment_locked``), as a receipt cannot: post a new adjustment in the open period instead.

A module of its own beside services.py (near its size budget, edited for other work at the same time).
"""

from __future__ import annotations

import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Sum

from core import numbering
from core.errors import StateConflict, ValidationFailed
from core.text import clean_text

from . import locks
from .dates import check_reversal_date
from .models import AdjustmentLine, InventoryAdjustment, InventoryUsage, Lot, LotSerial, SerialUse, UsageKind
from .scope import check_can_post
from .selectors import current_lock_date
from .services import check_open_date, mark_cogs_pending, record_usage_locked

MSG_REASON_REQUIRED = "Give the reason for the reversal."
MSG_REASON_TOO_LONG = "The reason is at most 200 characters."
MSG_REVERSE_A_REVERSAL = "Adjustment {number} is itself a reversal (of {original}) and cannot be reversed."
MSG_ALREADY_REVERSED = "Adjustment {number} has already been reversed by {reversal}."
MSG_LOT_USED = (
    "Lot {lot} of adjustment {number} has been used: reverse the usage that took it first (an adjustment "
    "can be reversed only while its lots are unused)."
)
MSG_NOTHING_LEFT = "Every usage line of adjustment {number} has already come back: there is nothing left to reverse."
MSG_LOCKED = (
    "Adjustment {number} is dated {date}, on or before the lock date {lock}: its lots are in closed books and "
    "it cannot be reversed. Post a new adjustment in an open period instead."
)
REASON_MAX_LENGTH = 200


def check_reason(reason: str) -> str:
    """A reversal's reason as stored: required, at most 200 characters (every reversal's rule)."""
    reason = clean_text(reason)
    if not reason:
        raise ValidationFailed("reason_required", MSG_REASON_REQUIRED, field="reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationFailed("reason_too_long", MSG_REASON_TOO_LONG, field="reason")
    return reason


@transaction.atomic
def reverse_adjustment(
    *, adjustment: InventoryAdjustment, date: datetime.date, reason: str, actor: User | None
) -> InventoryAdjustment:
    """Reverse an adjustment (see the module's doc); returns the reversing adjustment."""
    check_can_post(actor, adjustment.office)
    reason = check_reason(reason)
    if adjustment.reverses_id is not None:
        raise StateConflict(
            "reverse_a_reversal", MSG_REVERSE_A_REVERSAL.format(number=adjustment.number, original=adjustment.reverses)
        )
    check_open_date(date)
    check_reversal_date(date, document=f"Adjustment {adjustment.number}", document_date=adjustment.date)
    lines = list(adjustment.lines.select_related("lic", "usage").order_by("line_no"))
    lock = current_lock_date()  # stable to commit: check_open_date holds the lock date's shared lock
    if lock is not None and adjustment.date <= lock and any(line.lot_id for line in lines):
        raise StateConflict(
            "adjustment_locked",
            MSG_LOCKED.format(number=adjustment.number, date=adjustment.date.isoformat(), lock=lock.isoformat()),
        )
    locks.lics_for_update(line.lic_id for line in lines)
    lots = locks.lots_for_update(line.lot_id for line in lines if line.lot_id)
    done = InventoryAdjustment.objects.filter(reverses=adjustment).first()
    if done is not None:
        raise StateConflict("already_reversed", MSG_ALREADY_REVERSED.format(number=adjustment.number, reversal=done))
    _refuse_used_lots(adjustment, lots)
    left = {line.pk: _still_held(line.usage) for line in lines if line.usage_id}
    if not lots and not any(q > 0 for q in left.values()):
        raise StateConflict("nothing_to_reverse", MSG_NOTHING_LEFT.format(number=adjustment.number))
    reversal = InventoryAdjustment.objects.create(
        number=numbering.next_number("ADJ"),
        office=adjustment.office,
        date=date,
        kind=adjustment.kind,
        reason=reason,
        reverses=adjustment,
        created_by=actor,
    )
    rows = []
    for line in lines:
        row = _reverse_line(reversal, len(rows) + 1, line, left.get(line.pk), actor)
        if row is not None:
            rows.append(row)
    AdjustmentLine.objects.bulk_create(rows)
    return reversal


def first_used_lot(lots: dict[int, Lot]) -> Lot | None:
    """The first (by id) of these locked lots that is used, or None: a lot a document made can be
    taken back (receipt, adjustment, transfer reversal) only while it has no usage allocated, no
    usage naming it, and no serial that left stock (allocated or not: its serials cannot be forgotten)."""
    named = set(InventoryUsage.objects.filter(lot_id__in=list(lots)).values_list("lot_id", flat=True))
    named.update(SerialUse.objects.filter(serial__lot_id__in=list(lots)).values_list("serial__lot_id", flat=True))
    return next(
        (lot for lot in sorted(lots.values(), key=lambda lot: lot.pk) if lot.qty_used != 0 or lot.pk in named), None
    )


def _refuse_used_lots(adjustment: InventoryAdjustment, lots: dict[int, Lot]) -> None:
    used = first_used_lot(lots)
    if used is not None:
        raise StateConflict("lot_used", MSG_LOT_USED.format(lot=used.number, number=adjustment.number))


def _still_held(usage: InventoryUsage):
    """A usage's quantity net of the returns naming it."""
    returned = usage.returns.aggregate(s=Sum("quantity"))["s"] or 0
    return usage.quantity + returned


def _reverse_line(reversal: InventoryAdjustment, line_no: int, line: AdjustmentLine, left, actor):
    if line.lot_id:
        Lot.objects.filter(pk=line.lot_id).update(qty_in=F("qty_in") - line.quantity)
        LotSerial.objects.filter(lot_id=line.lot_id).delete()  # unused serials go back to being unknown
        mark_cogs_pending(line.lic_id, reversal.office_id)
        return AdjustmentLine(
            adjustment=reversal,
            line_no=line_no,
            lic=line.lic,
            quantity=-line.quantity,
            lot_id=line.lot_id,
            reverses_line=line,
        )
    if left is None or left <= 0:
        return None  # already given back in full
    serials = ()
    if line.lic.serialized:
        serials = sorted(
            SerialUse.objects.filter(usage=line.usage, returned_by__isnull=True).values_list(
                "serial__serial_number", flat=True
            )
        )
    usage = record_usage_locked(
        lic=line.lic,
        office=reversal.office,
        date=reversal.date,
        quantity=-left,
        kind=UsageKind.ADJUSTMENT,
        source=reversal,
        source_label=reversal.number,
        actor=actor,
        returns_usage=line.usage,
        serial_numbers=serials,
    )
    return AdjustmentLine(
        adjustment=reversal, line_no=line_no, lic=line.lic, quantity=left, usage=usage, reverses_line=line
    )
