"""Reversal of a transfer between offices (DOMAIN.md 9), by accountants, as the other documents have: a
reason, a date in the open period (not before the transfer), linked both ways (``reverses`` /
``reversed_by``, line by line ``reverses_line``), never twice and never of a reversal (409).

The reversing transfer has the same offices as the one it reverses; per line:

- the transfer lot in the destination goes to ``qty_in`` 0 (status Closed), a dated lot value event
  (DOMAIN.md 10: the reports read it from the reversal line, dated by its transfer), and its serials
  go back to the source rows they were carried from;
- the transfer usage in the source office is given back by a negative usage of kind ``transfer`` naming
  it (``returns_usage``), so COGS gives back to the source lots exactly what the transfer usage took;
- the reversal line carries -quantity and that usage (no lot of its own).

Once COGS has run, every lot nets to 0.00 and Inventory in transit to zero. Refused (409): a transfer
lot with usage allocated, named by a usage, or with a serial out (``lot_used``, naming the lot: reverse
that usage first), a transfer dated on or before the lock date (``transfer_locked``: its lot is in closed
books). Lock order (docs/architecture.md): the lines' LIC rows, then the transfer lots.
"""

from __future__ import annotations

import datetime
from typing import cast

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F

from core import numbering
from core.errors import StateConflict
from inventory_lots import locks
from inventory_lots.dates import check_reversal_date
from inventory_lots.models import Lot, LotSerial, UsageKind
from inventory_lots.reversals import check_reason, first_used_lot
from inventory_lots.scope import check_can_post, check_can_see
from inventory_lots.selectors import current_lock_date
from inventory_lots.services import check_open_date, mark_cogs_pending, record_usage_locked

from .models import Transfer, TransferLine

MSG_REVERSE_A_REVERSAL = "Transfer {number} is itself a reversal (of {original}) and cannot be reversed."
MSG_ALREADY_REVERSED = "Transfer {number} has already been reversed by {reversal}."
MSG_LOT_USED = (
    "Lot {lot} of transfer {number} has been used: reverse the usage that took it first (a transfer can be "
    "reversed only while its lots are unused)."
)
MSG_LOCKED = (
    "Transfer {number} is dated {date}, on or before the lock date {lock}: its lots are in closed books and it "
    "cannot be reversed. Post a transfer back in an open period instead."
)


@transaction.atomic
def reverse_transfer(*, transfer: Transfer, date: datetime.date, reason: str, actor: User | None) -> Transfer:
    """Reverse a transfer (see the module's doc); returns the reversing transfer."""
    check_can_post(actor, transfer.from_office)  # the sending office's document, as when posted
    check_can_see(actor, transfer.to_office)
    reason = check_reason(reason)
    if transfer.reverses_id is not None:
        raise StateConflict(
            "reverse_a_reversal", MSG_REVERSE_A_REVERSAL.format(number=transfer.number, original=transfer.reverses)
        )
    check_open_date(date)
    check_reversal_date(date, document=f"Transfer {transfer.number}", document_date=transfer.date)
    lock = current_lock_date()  # stable to commit: check_open_date holds the lock date's shared lock
    if lock is not None and transfer.date <= lock:
        raise StateConflict(
            "transfer_locked",
            MSG_LOCKED.format(number=transfer.number, date=transfer.date.isoformat(), lock=lock.isoformat()),
        )
    lines = list(transfer.lines.select_related("lic", "usage").order_by("line_no"))
    locks.lics_for_update(line.lic_id for line in lines)
    lots = locks.lots_for_update(line.lot_id for line in lines if line.lot_id)
    done = Transfer.objects.filter(reverses=transfer).first()
    if done is not None:
        raise StateConflict("already_reversed", MSG_ALREADY_REVERSED.format(number=transfer.number, reversal=done))
    _refuse_used_lots(transfer, lots)
    reversal = Transfer.objects.create(
        number=numbering.next_number("TR"),
        from_office_id=transfer.from_office_id,
        to_office_id=transfer.to_office_id,
        date=date,
        reason=reason,
        reverses=transfer,
        created_by=actor,
    )
    rows = [_reverse_line(reversal, index + 1, line, actor) for index, line in enumerate(lines)]
    TransferLine.objects.bulk_create(rows)
    return reversal


def _refuse_used_lots(transfer: Transfer, lots: dict[int, Lot]) -> None:
    used = first_used_lot(lots)  # a serial of the lot out again is a use too: it cannot go back
    if used is not None:
        raise StateConflict("lot_used", MSG_LOT_USED.format(lot=used.number, number=transfer.number))


def _reverse_line(reversal: Transfer, line_no: int, line: TransferLine, actor: User | None) -> TransferLine:
    lot_id = cast(int, line.lot_id)  # an original line always has its lot (CHECK transfers_line_quantity_sign)
    Lot.objects.filter(pk=lot_id).update(qty_in=F("qty_in") - line.quantity)
    mark_cogs_pending(line.lic_id, reversal.to_office_id)
    serials: list[str] = []
    if line.lic.serialized:
        # the serials go back to the rows they were carried from (still out on the transfer usage),
        # which the negative usage then brings back into stock in the source office
        carried = list(LotSerial.objects.filter(lot_id=lot_id).select_related("carried_from"))
        serials = sorted(s.serial_number for s in carried)
        sources = [s.carried_from_id for s in carried if s.carried_from_id]
        LotSerial.objects.filter(pk__in=[s.pk for s in carried]).delete()
        LotSerial.objects.filter(pk__in=sources).update(moved=False)
    usage = record_usage_locked(
        lic=line.lic,
        office=reversal.from_office,
        date=reversal.date,
        quantity=-line.quantity,
        kind=UsageKind.TRANSFER,
        source=reversal,
        source_label=reversal.number,
        actor=actor,
        returns_usage=line.usage,
        serial_numbers=serials,
    )
    return TransferLine(
        transfer=reversal,
        line_no=line_no,
        lic=line.lic,
        quantity=-line.quantity,
        mfr_lot_number=line.mfr_lot_number,
        serial_numbers=serials,
        usage=usage,
        reverses_line=line,
    )
