"""Writes of transfers between offices (DOMAIN.md 9).

``post_transfer`` (clerks): per line a usage of kind ``transfer`` in the source office and a lot of type
``transfer`` in the destination (transaction = the line, no parent order, released, the mfr lot carried
over), at a provisional unit cost: the source office's default adjustment unit cost (DOMAIN.md 4). A
serialized LIC's line names its serials: the usage takes them out of their source lots and the transfer
lot names them (their source rows stay as history, ``LotSerial.moved``; docs/traceability.md).
``recompute_transfer_lot_cost_locked`` (the COGS engine, in dependency order) sets the lot's unit cost
to its usage's COGS value / quantity once the usage is fully allocated (cause ``transfer_recompute``).

Locking (docs/architecture.md): the lines' LIC rows first (by pk), then the lots the lines name (by pk);
the transfer's own rows are new. A transfer never moves more than the source office has on hand
(``Σ qty_in`` of its lots − ``Σ`` its usage, allocated or not), checked under the LIC lock, so two
clerks transferring the same stock at once cannot both take it.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Sum

from core import numbering
from core.errors import ValidationFailed, line_error
from core.money import ZERO, plain, qty, unit_cost
from core.text import clean_text
from inventory_lots import locks, serial_moves
from inventory_lots.models import (
    CostChangeCause,
    InventoryUsage,
    LineItemCode,
    Lot,
    LotCostChange,
    LotSerial,
    LotType,
    Office,
    UsageKind,
)
from inventory_lots.scope import check_can_post, check_can_see
from inventory_lots.selectors import default_unit_cost
from inventory_lots.services import (
    MSG_NO_LINES,
    LotCostTarget,
    change_lot_unit_cost_locked,
    change_lot_unit_costs_locked,
    check_inventoried,
    check_open_date,
    check_quantity,
    create_lot,
    record_usage_locked,
)

from .models import Transfer, TransferLine

MSG_SAME_OFFICE = "A transfer goes to another office: {office} is both the source and the destination."
MSG_NOT_ON_HAND = "{office} has {on_hand} of {lic} on hand: {asked} cannot be transferred out of it."
MSG_MFR_LOT_OTHER = "Lot {lot} has manufacturer lot {mfr}: the transfer carries that number (or leave it empty)."


@dataclass(frozen=True)
class TransferLineInput:
    lic: LineItemCode
    quantity: Decimal
    lot: Lot | None = None
    serial_numbers: Sequence[str] = field(default_factory=tuple)
    mfr_lot_number: str = ""


def on_hand(*, lic: LineItemCode, office: Office) -> Decimal:
    """Σ qty_in of the LIC's lots in the office − Σ its usage there (allocated or not)."""
    lots = Lot.objects.filter(lic=lic, office=office).aggregate(s=Sum("qty_in"))["s"] or ZERO
    used = InventoryUsage.objects.filter(lic=lic, office=office).aggregate(s=Sum("quantity"))["s"] or ZERO
    return lots - used


@transaction.atomic
def post_transfer(
    *,
    from_office: Office,
    to_office: Office,
    date: datetime.date,
    lines: Sequence[TransferLineInput],
    actor: User | None,
) -> Transfer:
    """Post a transfer (see the module's doc); returns it with its lines written."""
    # the sending office's act: posted by a user who may post there, into an office they see
    check_can_post(actor, from_office)
    check_can_see(actor, to_office)
    if not lines:
        raise ValidationFailed("no_lines", MSG_NO_LINES, field="lines")
    if from_office.pk == to_office.pk:
        raise ValidationFailed("same_office", MSG_SAME_OFFICE.format(office=from_office.code), field="to_office")
    check_open_date(date)
    for index, line in enumerate(lines):  # what needs no query, before any lock
        try:
            _check_line_input(line)
        except ValidationFailed as exc:
            raise line_error(exc, index) from exc
    locks.lics_for_update(line.lic.pk for line in lines)
    named = locks.lots_for_update(line.lot.pk for line in lines if line.lot is not None)
    serial_moves.refuse_repeats((line.lic, line.serial_numbers) for line in lines)
    _check_on_hand(lines, from_office)
    transfer = Transfer.objects.create(
        number=numbering.next_number("TR"), from_office=from_office, to_office=to_office, date=date, created_by=actor
    )
    rows = []
    for index, line in enumerate(lines):
        try:
            lot = named.get(line.lot.pk) if line.lot is not None else None
            rows.append(_post_line(transfer, index + 1, line, lot, actor))
        except ValidationFailed as exc:
            raise line_error(exc, index) from exc
    TransferLine.objects.bulk_create(rows)
    return transfer


def _check_line_input(line: TransferLineInput) -> None:
    check_inventoried(line.lic)
    check_quantity(line.quantity, positive=True)
    if not line.lic.serialized and line.serial_numbers and any(s.strip() for s in line.serial_numbers):
        raise ValidationFailed(
            "serial_not_tracked", serial_moves.MSG_SERIAL_NOT_TRACKED.format(lic=line.lic.code), field="serial_numbers"
        )


def _check_on_hand(lines: Sequence[TransferLineInput], office: Office) -> None:
    asked: dict[int, Decimal] = {}
    for line in lines:
        asked[line.lic.pk] = asked.get(line.lic.pk, ZERO) + line.quantity
    for index, line in enumerate(lines):
        if line.lic.pk not in asked:
            continue
        total = asked.pop(line.lic.pk)
        have = on_hand(lic=line.lic, office=office)
        if total > have:
            raise line_error(
                ValidationFailed(
                    "not_on_hand",
                    MSG_NOT_ON_HAND.format(
                        office=office.code, on_hand=plain(qty(have)), lic=line.lic.code, asked=plain(total)
                    ),
                    field="quantity",
                ),
                index,
            )


def _post_line(
    transfer: Transfer, line_no: int, line: TransferLineInput, named_lot: Lot | None, actor: User | None
) -> TransferLine:
    quantity = qty(line.quantity)
    mfr = clean_text(line.mfr_lot_number)
    if named_lot is not None and named_lot.mfr_lot_number:
        if mfr and mfr != named_lot.mfr_lot_number:
            raise ValidationFailed(
                "mfr_lot_differs",
                MSG_MFR_LOT_OTHER.format(lot=named_lot.number, mfr=named_lot.mfr_lot_number),
                field="mfr_lot_number",
            )
        mfr = named_lot.mfr_lot_number
    row = TransferLine(transfer=transfer, line_no=line_no, lic=line.lic, quantity=quantity, mfr_lot_number=mfr)
    # the lot points at its line (its transaction) and the line at the lot: reserve the id
    (row.pk,) = numbering.reserve_ids(TransferLine)
    row.usage = record_usage_locked(
        lic=line.lic,
        office=transfer.from_office,
        date=transfer.date,
        quantity=quantity,
        kind=UsageKind.TRANSFER,
        source=transfer,
        source_label=transfer.number,
        actor=actor,
        lot=named_lot,
        serial_numbers=line.serial_numbers,
    )
    row.serial_numbers = row.usage.serial_numbers
    carried = _carry_serials(row.usage) if line.lic.serialized else []
    # the provisional cost: the named lot's (specific unit), the mean of the serials' lots (COGS allocates
    # a serialized usage by its serials), else the source office's default
    cost: Decimal | None
    if named_lot is not None:
        cost = named_lot.unit_cost
    elif carried:
        cost = unit_cost(sum((c.lot.unit_cost for c in carried), ZERO) / len(carried))
    else:
        cost = default_unit_cost(lic=line.lic, office=transfer.from_office)
    row.lot = create_lot(
        type=LotType.TRANSFER,
        office=transfer.to_office,
        lic=line.lic,
        date=transfer.date,
        quantity=quantity,
        unit_cost_value=cost if cost is not None else ZERO,
        transaction_obj=row,
        transaction_label=f"{transfer.number}/{line_no}",
        mfr_lot_number=mfr,
        serial_numbers=[c.serial_number for c in carried],
    )
    if carried:
        by_number = {c.serial_number: c.pk for c in carried}
        new_rows = list(LotSerial.objects.filter(lot=row.lot))
        for new in new_rows:
            new.carried_from_id = by_number[new.serial_number]
        LotSerial.objects.bulk_update(new_rows, ["carried_from"])
    return row


def _carry_serials(usage: InventoryUsage) -> list[LotSerial]:
    """The serials the transfer usage took out of the source lots: their rows there become history
    (``moved``) so the transfer lot can name them (a serial is live in one row per LIC)."""
    rows = list(LotSerial.objects.filter(uses__usage=usage, uses__returned_by__isnull=True).select_related("lot"))
    LotSerial.objects.filter(pk__in=[r.pk for r in rows]).update(moved=True)
    return rows


# --- the transfer lot cost (called by the COGS engine in dependency order) ------------------------


def transfer_lot_target_cost(lot: Lot) -> Decimal | None:
    """DOMAIN.md 9: COGS value of the lot's transfer usage / its quantity, once the usage is fully
    allocated; None while it is not (the lot keeps its provisional cost) or for another lot."""
    line = TransferLine.objects.filter(lot_id=lot.pk).select_related("usage__cogs_state").first()
    if line is None:
        return None
    usage = line.usage
    if usage.allocated_quantity != usage.quantity:
        return None
    return unit_cost(usage.cogs_value / usage.quantity)


def recompute_transfer_lot_cost_locked(
    *, lot: Lot, date: datetime.date, actor: User | None, target: Decimal | None = None
) -> LotCostChange | None:
    """Set a transfer lot's unit cost from its usage (``target``: already computed by the caller).
    The caller holds the LIC lock. Returns the LotCostChange, or None when nothing changes."""
    if target is None:
        target = transfer_lot_target_cost(lot)
    if target is None:
        return None
    line = TransferLine.objects.select_related("transfer").get(lot_id=lot.pk)
    return change_lot_unit_cost_locked(
        lot=lot,
        new_unit_cost=target,
        cause=CostChangeCause.TRANSFER_RECOMPUTE,
        date=max(date, lot.date),
        actor=actor,
        source_label=line.transfer.number,
    )


def transfer_lot_target_costs(lot_ids: Sequence[int]) -> dict[int, Decimal]:
    """``transfer_lot_target_cost`` of many lots in one query: lot id -> its target unit cost, for the
    lots whose transfer usage is fully allocated (the others are left out)."""
    rows = TransferLine.objects.filter(lot_id__in=list(lot_ids)).values_list(
        "lot_id",
        "usage__cogs_state__quantity",
        "usage__cogs_state__allocated_quantity",
        "usage__cogs_state__cogs_value",
    )
    return {
        lot_id: unit_cost(value / quantity)
        for lot_id, quantity, allocated, value in rows
        if quantity and allocated == quantity
    }


def recompute_transfer_lot_costs_locked(
    *,
    targets: Sequence[tuple[int, datetime.date, Decimal]],
    date: datetime.date,
    actor: User | None,
    mark_pending: bool = True,
) -> int:
    """``recompute_transfer_lot_cost_locked`` for many lots, each (lot id, lot date, target unit cost)
    computed by the caller (the COGS engine, holding their LICs' locks): a handful of queries whatever
    their number. Returns how many lots changed. ``mark_pending=False``: the caller (the COGS
    engine) plans the lots' pairs in the same job, after this."""
    if not targets:
        return 0
    numbers = dict(
        TransferLine.objects.filter(lot_id__in=[lot_id for lot_id, _, _ in targets]).values_list(
            "lot_id", "transfer__number"
        )
    )
    return change_lot_unit_costs_locked(
        targets=[
            LotCostTarget(lot_id, target, max(date, lot_date), numbers.get(lot_id, ""))
            for lot_id, lot_date, target in targets
        ],
        cause=CostChangeCause.TRANSFER_RECOMPUTE,
        actor=actor,
        mark_pending=mark_pending,
    )
