"""Writes of the ledger core. Each public function is one transaction and the only way its
records are written; views, admin, API and commands call these.

Lock order (see locks.py): LIC rows by pk, then lots by pk, then document lines by pk.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.db.models import Case, F, Sum, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from core import numbering
from core.errors import OfficeNotPermitted, StateConflict, ValidationFailed, line_error
from core.money import MONEY_PLACES, QTY_PLACES, UNIT_COST_PLACES, ZERO, extended, plain, qty, storable, unit_cost
from core.text import clean_text

from . import dates, locks, pending, selectors, serial_moves
from .models import (
    AdjustmentKind,
    AdjustmentLine,
    CostChangeCause,
    CostingMethod,
    InventoryAdjustment,
    InventoryUsage,
    LineItemCode,
    LockDate,
    Lot,
    LotCostChange,
    LotExport,
    LotSerial,
    LotType,
    Office,
    UsageKind,
)
from .scope import check_can_post, scope_for

# Messages are constants so tests (and every door) assert the same words.
MSG_NOT_INVENTORIED = "{lic} is not an inventoried line item code: it has no lots or usage."
MSG_ZERO_QTY = "Quantity cannot be zero."
MSG_QTY_NOT_POSITIVE = "Quantity must be greater than zero."
MSG_TOO_MANY_PLACES = "Ensure that there are no more than {places} decimal places."
MSG_NUMBER_TOO_LARGE = "{value} is too large: at most {digits} digits before the decimal point."
MSG_VALUE_TOO_LARGE = (
    "{quantity} × {cost} = {value} is too large to store (at most 9,999,999,999,999,999.99): "
    "check the quantity and the unit cost."
)
MSG_USAGE_VALUE_TOO_LARGE = (
    "{quantity} of {lic} at its current unit cost {cost} would be {value}, too large to "
    "store (at most 9,999,999,999,999,999.99): check the quantity."
)
MSG_NEGATIVE_COST = "Unit cost cannot be negative."
MSG_NO_COST_BASIS = "{lic} has no lots in {office} to take a unit cost from: enter the unit cost."
MSG_SERIAL_COUNT = "{lic} is serialized: give exactly {count} distinct serial numbers (got {got})."
MSG_SERIAL_TAKEN = "Serial number(s) already used for {lic}: {serials}."
MSG_SERIAL_UNKNOWN = "Unknown serial number(s) for {lic} in {office}: {serials}."
MSG_MFR_LOT_REQUIRED = "{lic} is tracked by manufacturer lot: enter the manufacturer lot number."
MSG_SPECIFIC_NEEDS_LOT = "{lic} uses specific unit costing: name the lot the usage takes from."
MSG_LOT_MISMATCH = "Lot {lot} is not a lot of {lic} in {office}."
MSG_RETURN_MISMATCH = "The returned usage {usage} is not usage of {lic} in {office}."
MSG_RETURN_NOT_OUTFLOW = "Usage {usage} is itself a return and cannot be returned."
MSG_RETURN_TOO_MUCH = "Usage {usage} has only {left} left to return (asked {asked})."
MSG_RETURN_BEFORE_USAGE = "Usage {usage} is dated {date}: a return of it cannot be dated before that."
MSG_COST_BEFORE_LOT = "Lot {lot} is dated {date}: its unit cost cannot be corrected before that."
MSG_NO_LINES = "Enter at least one line."
MSG_SIGN = "A {kind} must have a {sign} quantity."


MSG_LOCKED = "The books are closed through {lock}: choose a date after it."
MSG_LOCK_BACKWARDS = dates.MSG_LOCK_BACKWARDS
check_date_window = dates.check_date_window  # the date window: see inventory_lots/dates.py


def check_open_date(date: datetime.date, field_name: str = "date") -> None:
    """Every posting service calls this: nothing is posted on or before the lock date."""
    # the lock date cannot move past this posting's date between this check and its commit
    locks.lock_date_shared()
    lock = selectors.current_lock_date()
    if lock is not None and date <= lock:
        raise ValidationFailed("date_locked", MSG_LOCKED.format(lock=lock.isoformat()), field=field_name)
    dates.check_date_window(date, field_name, lock=lock)  # nor far outside today


@transaction.atomic
def set_lock_date(*, date: datetime.date, actor: User | None, reason: str = "") -> LockDate:
    """Close the books through ``date``: never past today; forward for accountants; back only for
    an administrator, with a reason (dates.check_lock_date_change). Every setting is a new row.
    One lock date closes every office's books: a user limited to some offices may not move it."""
    if not scope_for(actor).all_offices:
        raise OfficeNotPermitted("all_offices_required", MSG_LOCK_DATE_ALL_OFFICES, field="date")
    # serialise lock-date changes (and so "only forward"); waits for postings and COGS jobs in progress
    locks.lock_date_exclusive()
    lock = selectors.current_lock_date()
    reason = dates.check_lock_date_change(date=date, lock=lock, actor=actor, reason=reason)
    return LockDate.objects.create(date=date, set_by=actor, previous_date=lock, reason=reason)


MSG_LOCK_DATE_ALL_OFFICES = (
    "The lock date closes the books of every office: only a user who sees all offices may move it."
)

mark_cogs_pending = pending.mark_pair  # the services of every app mark their pairs by this name


def change_lot_unit_cost_locked(
    *,
    lot: Lot,
    new_unit_cost: Decimal,
    cause: str,
    date: datetime.date,
    actor: User | None,
    reason: str = "",
    source_label: str = "",
) -> LotCostChange | None:
    """Set a lot's unit cost and record the change (cost history). The caller holds the LIC
    lock. Returns None when the cost does not change. COGS revalues what was already costed."""
    new_unit_cost = unit_cost(new_unit_cost)
    if new_unit_cost < 0:
        raise ValidationFailed("negative_unit_cost", MSG_NEGATIVE_COST, field="unit_cost")
    old, qty_in = Lot.objects.filter(pk=lot.pk).values_list("unit_cost", "qty_in").get()
    if old == new_unit_cost:
        return None
    check_places(new_unit_cost, UNIT_COST_PLACES, "unit_cost")
    check_value_storable(qty_in, new_unit_cost, "unit_cost")
    Lot.objects.filter(pk=lot.pk).update(unit_cost=new_unit_cost)
    change = LotCostChange.objects.create(
        lot=lot,
        date=date,
        old_unit_cost=old,
        new_unit_cost=new_unit_cost,
        cause=cause,
        reason=reason,
        source_label=source_label,
        created_by=actor,
    )
    mark_cogs_pending(lot.lic_id, lot.office_id)
    lot.refresh_from_db()
    return change


class LotCostTarget(NamedTuple):
    """One lot's new unit cost for ``change_lot_unit_costs_locked``."""

    lot_id: int
    new_unit_cost: Decimal
    date: datetime.date
    source_label: str = ""


def change_lot_unit_costs_locked(
    *, targets: Sequence[LotCostTarget], cause: str, actor: User | None, mark_pending: bool = True
) -> int:
    """``change_lot_unit_cost_locked`` for many lots at once, in four queries whatever their number (the
    COGS engine recomputes thousands of transfer lots in a round; one at a time that was six queries
    each). The caller holds their LICs' locks. Returns how many lots changed (a lot already at its
    new cost is left as it is, without a cost history row). ``mark_pending=False``: only for the COGS
    engine, which plans the lots' pairs right after (in the same job)."""
    wanted: dict[int, LotCostTarget] = {}
    for target in targets:
        cost = checked_unit_cost(target.new_unit_cost)
        wanted[target.lot_id] = target._replace(new_unit_cost=cost)
    changes: list[tuple[LotCostTarget, Decimal]] = []  # (target, old cost)
    for pk, old, qty_in in Lot.objects.filter(pk__in=list(wanted)).values_list("pk", "unit_cost", "qty_in"):
        target = wanted[pk]
        if old != target.new_unit_cost:
            check_value_storable(qty_in, target.new_unit_cost, "unit_cost")
            changes.append((target, old))
    if not changes:
        return 0
    # one statement each from arrays: bulk_update's CASE is quadratic, and bulk_create's thousands of
    # parameters cost more to send than the rows to write
    lot_ids = [target.lot_id for target, _ in changes]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE inventory_lots_lot l SET unit_cost = n.cost FROM unnest(%s::bigint[], %s::numeric[]) "
            "AS n(id, cost) WHERE l.id = n.id",
            [lot_ids, [target.new_unit_cost for target, _ in changes]],
        )
        cursor.execute(COST_HISTORY_SQL, cost_history_params(changes, cause=cause, actor=actor))
    if mark_pending:
        pending.mark_pairs_of_lots(lot_ids)
    return len(changes)


# The cost history rows of many lots' cost changes in one statement: ``change_lot_unit_costs_locked``
# and the COGS engine, which sets the lots' costs in the statement that writes their balances
# (cogs.services.statements) and runs this one beside it on its own cursor.
COST_HISTORY_SQL = (
    "INSERT INTO inventory_lots_lotcostchange (lot_id, date, old_unit_cost, new_unit_cost, cause, reason, "
    "source_label, created_by_id) SELECT n.lot, n.date, n.old, n.new, %s::varchar, '', n.label, %s::integer "
    "FROM unnest(%s::bigint[], %s::date[], %s::numeric[], %s::numeric[], %s::varchar[]) "
    "AS n(lot, date, old, new, label)"
)


def cost_history_params(
    changes: Sequence[tuple[LotCostTarget, Decimal]], *, cause: str, actor: User | None
) -> list[Any]:
    """``COST_HISTORY_SQL``'s parameters for these changes, each (its target, the lot's old cost)."""
    return [
        cause,
        actor.pk if actor is not None else None,
        [target.lot_id for target, _ in changes],
        [target.date for target, _ in changes],
        [old for _, old in changes],
        [target.new_unit_cost for target, _ in changes],
        [target.source_label for target, _ in changes],
    ]


def checked_unit_cost(cost: Decimal) -> Decimal:
    """A new unit cost rounded to its places, refused when negative."""
    cost = unit_cost(cost)
    if cost < 0:
        raise ValidationFailed("negative_unit_cost", MSG_NEGATIVE_COST, field="unit_cost")
    check_places(cost, UNIT_COST_PLACES, "unit_cost")
    return cost


@transaction.atomic
def correct_lot_unit_cost(
    *, lot: Lot, new_unit_cost: Decimal, reason: str, date: datetime.date, actor: User | None
) -> LotCostChange | None:
    """An accountant's manual correction of a lot's unit cost (with a reason)."""
    check_can_post(actor, lot.office)
    reason = clean_text(reason)
    if not reason:
        raise ValidationFailed("reason_required", "Give the reason for the correction.", field="reason")
    check_open_date(date)
    if date < lot.date:  # a cost change before the lot exists would be a value event before its birth
        raise ValidationFailed(
            "date_before_lot", MSG_COST_BEFORE_LOT.format(lot=lot.number, date=lot.date.isoformat()), field="date"
        )
    check_places(new_unit_cost, UNIT_COST_PLACES, "unit_cost")
    locks.lic_for_update(lot.lic_id)
    return change_lot_unit_cost_locked(
        lot=lot,
        new_unit_cost=new_unit_cost,
        cause=CostChangeCause.MANUAL,
        date=date,
        actor=actor,
        reason=reason,
    )


def check_places(value: Decimal, places: int, field_name: str) -> Decimal:
    """Refuse more than ``places`` decimal places, and a number its numeric(18, places) column
    cannot store (a database error at the write would otherwise be the only refusal)."""
    if not value.is_finite() or value != value.quantize(Decimal(1).scaleb(-places)):
        raise ValidationFailed("too_many_decimal_places", MSG_TOO_MANY_PLACES.format(places=places), field=field_name)
    if not storable(value, places):
        raise ValidationFailed(
            "number_too_large", MSG_NUMBER_TOO_LARGE.format(value=value, digits=18 - places), field=field_name
        )
    return value


def storable_cost(quantity: Decimal, cost: Decimal) -> bool:
    """Whether a lot of ``quantity`` may take unit cost ``cost`` (``checked_unit_cost``,
    ``check_value_storable``) -- for the COGS engine, which leaves a lot that may not to the rounds."""
    try:
        check_value_storable(quantity, checked_unit_cost(cost), "unit_cost")
    except ValidationFailed:
        return False
    return True


def check_value_storable(quantity: Decimal, cost: Decimal, field_name: str = "quantity") -> Decimal:
    """Refuse a quantity whose value at ``cost`` (round(q x cost, 2)) no money column can store: a
    lot's value in, a receipt's, an accrual's."""
    value = quantity * cost
    if not storable(value, MONEY_PLACES):
        raise ValidationFailed(
            "value_too_large",
            MSG_VALUE_TOO_LARGE.format(
                quantity=plain(quantity), cost=plain(cost), value=f"{extended(quantity, cost):,}"
            ),
            field=field_name,
        )
    return value


def check_quantity(value: Decimal, field_name: str = "quantity", *, positive: bool = False) -> Decimal:
    check_places(value, QTY_PLACES, field_name)
    if value == 0:
        raise ValidationFailed("zero_quantity", MSG_ZERO_QTY, field=field_name)
    if positive and value < 0:
        raise ValidationFailed("quantity_not_positive", MSG_QTY_NOT_POSITIVE, field=field_name)
    return qty(value)


def check_inventoried(lic: LineItemCode, field_name: str = "lic") -> None:
    if not lic.inventoried:
        raise ValidationFailed("lic_not_inventoried", MSG_NOT_INVENTORIED.format(lic=lic.code), field=field_name)


def _check_serials(lic: LineItemCode, quantity: Decimal, serials: Sequence[str], field_name: str) -> list[str]:
    cleaned = serial_moves.clean(serials)
    if not lic.serialized:
        if cleaned:  # refused, not dropped
            raise ValidationFailed(
                "serial_not_tracked", serial_moves.MSG_SERIAL_NOT_TRACKED.format(lic=lic.code), field=field_name
            )
        return []
    count = abs(quantity)
    if count != count.to_integral_value():
        raise ValidationFailed(
            "serial_quantity_not_whole",
            serial_moves.MSG_SERIAL_QTY_NOT_WHOLE.format(lic=lic.code, quantity=serial_moves.quantity_text(count)),
            field="quantity",
        )
    if len(set(cleaned)) != len(cleaned) or len(cleaned) != count:
        raise ValidationFailed(
            "serial_count_mismatch",
            MSG_SERIAL_COUNT.format(lic=lic.code, count=plain(count), got=len(set(cleaned))),
            field=field_name,
        )
    return cleaned


def check_lot_input(
    *,
    lic: LineItemCode,
    quantity: Decimal,
    unit_cost_value: Decimal,
    serial_numbers: Sequence[str] = (),
    mfr_lot_number: str = "",
) -> tuple[Decimal, list[str], str]:
    """The rules of a new lot that need no query (create_lot and the bulk opening-stock path share
    them): an inventoried LIC, a positive quantity and a unit cost that fit their columns, a value
    that can be stored, the serials and mfr lot number the LIC's flags ask for and nothing else.
    Returns (quantity, serials, mfr lot number) cleaned."""
    check_inventoried(lic)
    quantity = check_quantity(quantity, positive=True)
    check_places(unit_cost_value, UNIT_COST_PLACES, "unit_cost")
    if unit_cost_value < 0:
        raise ValidationFailed("negative_unit_cost", MSG_NEGATIVE_COST, field="unit_cost")
    check_value_storable(quantity, unit_cost_value)
    serials = _check_serials(lic, quantity, serial_numbers, "serial_numbers")
    mfr_lot_number = clean_text(mfr_lot_number)
    if lic.track_by_mfr_lot and not mfr_lot_number:
        raise ValidationFailed("mfr_lot_required", MSG_MFR_LOT_REQUIRED.format(lic=lic.code), field="mfr_lot_number")
    if mfr_lot_number and not lic.track_by_mfr_lot:  # refused, not dropped
        raise ValidationFailed(
            "mfr_lot_not_tracked", serial_moves.MSG_MFR_LOT_NOT_TRACKED.format(lic=lic.code), field="mfr_lot_number"
        )
    return quantity, serials, mfr_lot_number


LOT_PREFIXES: dict[str, str] = {LotType.PURCHASE: "PL", LotType.PRODUCTION: "PR", LotType.TRANSFER: "TL"}


def create_lot(
    *,
    type: str,
    office: Office,
    lic: LineItemCode,
    date: datetime.date,
    quantity: Decimal,
    unit_cost_value: Decimal,
    transaction_obj: models.Model,
    transaction_label: str,
    parent_order: models.Model | None = None,
    mfr_lot_number: str = "",
    serial_numbers: Sequence[str] = (),
    released: bool = True,
) -> Lot:
    """Create a lot (called by the receiving, adjusting and producing services, which hold the
    LIC lock). Flags are copied from the LIC; serials and mfr lot are checked here."""
    check_open_date(date)
    quantity, serials, mfr_lot_number = check_lot_input(
        lic=lic,
        quantity=quantity,
        unit_cost_value=unit_cost_value,
        serial_numbers=serial_numbers,
        mfr_lot_number=mfr_lot_number,
    )
    if serials:
        taken = list(
            LotSerial.objects.filter(lic=lic, serial_number__in=serials, moved=False).values_list(
                "serial_number", flat=True
            )
        )
        if taken:
            raise ValidationFailed(
                "serial_taken",
                MSG_SERIAL_TAKEN.format(lic=lic.code, serials=", ".join(sorted(taken))),
                field="serial_numbers",
            )
    lot = Lot.objects.create(
        number=numbering.next_number(LOT_PREFIXES.get(type, "PR")),
        type=type,
        office=office,
        lic=lic,
        date=date,
        transaction_type=ContentType.objects.get_for_model(transaction_obj),
        transaction_id=transaction_obj.pk,
        transaction_label=transaction_label,
        parent_order_type=ContentType.objects.get_for_model(parent_order) if parent_order else None,
        parent_order_id=parent_order.pk if parent_order else None,
        parent_order_label=str(parent_order) if parent_order else "",
        serialized=lic.serialized,
        track_by_mfr_lot=lic.track_by_mfr_lot,
        mfr_lot_number=mfr_lot_number if lic.track_by_mfr_lot else "",
        released=released,
        qty_in=quantity,
        unit_cost=unit_cost(unit_cost_value),
    )
    LotSerial.objects.bulk_create(LotSerial(lot=lot, lic=lic, serial_number=s) for s in serials)
    mark_cogs_pending(lic.pk, office.pk)
    return lot


def add_to_lot(*, lot: Lot, quantity: Decimal, date: datetime.date, serial_numbers: Sequence[str] = ()) -> Lot:
    """Grow a lot (more production reported later, on ``date``). Caller holds the LIC lock. COGS
    never dates an allocation of the lot before ``date`` (its movement date)."""
    quantity = check_quantity(quantity, positive=True)
    serials = _check_serials(lot.lic, quantity, serial_numbers, "serial_numbers")
    if serials:
        taken = list(
            LotSerial.objects.filter(lic=lot.lic, serial_number__in=serials, moved=False).values_list(
                "serial_number", flat=True
            )
        )
        if taken:
            raise ValidationFailed(
                "serial_taken",
                MSG_SERIAL_TAKEN.format(lic=lot.lic.code, serials=", ".join(sorted(taken))),
                field="serial_numbers",
            )
    check_value_storable(lot.qty_in + quantity, lot.unit_cost)
    Lot.objects.filter(pk=lot.pk).update(
        qty_in=F("qty_in") + quantity, movement_date=Greatest(Coalesce("movement_date", "date"), Value(date))
    )
    mark_cogs_pending(lot.lic_id, lot.office_id)
    LotSerial.objects.bulk_create(LotSerial(lot=lot, lic=lot.lic, serial_number=s) for s in serials)
    lot.refresh_from_db()
    return lot


def _check_usage_sign(kind: str, quantity: Decimal, returns_usage: InventoryUsage | None = None) -> None:
    if kind == UsageKind.RETURN and quantity > 0:
        raise ValidationFailed("wrong_sign", MSG_SIGN.format(kind="return", sign="negative"), field="quantity")
    # the reversal of an adjustment gives its usage back with a negative adjustment usage naming it
    reversal = kind == UsageKind.ADJUSTMENT and returns_usage is not None
    if kind in (UsageKind.SHIPMENT, UsageKind.ADJUSTMENT) and quantity < 0 and not reversal:
        raise ValidationFailed("wrong_sign", MSG_SIGN.format(kind=kind, sign="positive"), field="quantity")


def _check_named_lot(
    lic: LineItemCode, office: Office, quantity: Decimal, lot: Lot | None, serials: list[str], reversal: bool = False
) -> Lot | None:
    if lot is None and serials and quantity > 0:
        lot_ids = set(
            LotSerial.objects.filter(lic=lic, lot__office=office, serial_number__in=serials, moved=False).values_list(
                "lot_id", flat=True
            )
        )
        if len(lot_ids) == 1 and lic.costing_method == CostingMethod.SPECIFIC:
            lot = Lot.objects.get(pk=lot_ids.pop())
    # serials name their units (COGS allocates them to their lots, several if need be): no lot needed
    # (a return's reversal needs none: COGS puts it back on the lots the return gave back to)
    if lic.costing_method == CostingMethod.SPECIFIC and quantity > 0 and lot is None and not serials and not reversal:
        raise ValidationFailed("lot_required", MSG_SPECIFIC_NEEDS_LOT.format(lic=lic.code), field="lot")
    if lot is not None and (lot.lic_id != lic.pk or lot.office_id != office.pk):
        raise ValidationFailed(
            "lot_mismatch", MSG_LOT_MISMATCH.format(lot=lot.number, lic=lic.code, office=office.code), field="lot"
        )
    if serials and quantity > 0:
        known = set(
            LotSerial.objects.filter(lic=lic, lot__office=office, serial_number__in=serials, moved=False).values_list(
                "serial_number", flat=True
            )
        )
        unknown = sorted(set(serials) - known)
        if unknown:
            raise ValidationFailed(
                "serial_unknown",
                MSG_SERIAL_UNKNOWN.format(lic=lic.code, office=office.code, serials=", ".join(unknown)),
                field="serial_numbers",
            )
    return lot


def _check_returned_usage(lic: LineItemCode, office: Office, quantity: Decimal, returned: InventoryUsage) -> None:
    if returned.lic_id != lic.pk or returned.office_id != office.pk:
        raise ValidationFailed(
            "return_mismatch",
            MSG_RETURN_MISMATCH.format(usage=returned, lic=lic.code, office=office.code),
            field="usage",
        )
    if returned.quantity < 0:
        raise ValidationFailed("return_of_return", MSG_RETURN_NOT_OUTFLOW.format(usage=returned), field="usage")
    earlier = returned.returns.aggregate(s=Sum("quantity"))["s"] or ZERO
    left = returned.quantity + earlier
    if -quantity > left:
        raise ValidationFailed(
            "return_exceeds_usage",
            MSG_RETURN_TOO_MUCH.format(usage=returned, left=plain(qty(left)), asked=plain(-quantity)),
            field="quantity",
        )


def record_usage_locked(
    *,
    lic: LineItemCode,
    office: Office,
    date: datetime.date,
    quantity: Decimal,
    kind: str,
    source: models.Model,
    source_label: str,
    actor: User | None,
    lot: Lot | None = None,
    returns_usage: InventoryUsage | None = None,
    serial_numbers: Sequence[str] = (),
    reverses_usage: InventoryUsage | None = None,
) -> InventoryUsage:
    """Write one usage record. The caller holds the LIC lock (record_usage takes it).
    ``reverses_usage``: a customer return this (positive shipment) usage reverses (DOMAIN.md 9)."""
    check_inventoried(lic)
    quantity = check_quantity(quantity)
    _check_usage_sign(kind, quantity, returns_usage)
    serials = _check_serials(lic, quantity, serial_numbers, "serial_numbers")
    lot = _check_named_lot(lic, office, quantity, lot, serials, reversal=reverses_usage is not None)
    if reverses_usage is not None:
        _check_reversed_return(lic, office, quantity, kind, reverses_usage)
    if returns_usage is not None:
        if quantity > 0:
            raise ValidationFailed("wrong_sign", MSG_SIGN.format(kind="return", sign="negative"), field="quantity")
        _check_returned_usage(lic, office, quantity, returns_usage)
        if date < returns_usage.date:  # goods come back after they left
            raise ValidationFailed(
                "date_before_usage",
                MSG_RETURN_BEFORE_USAGE.format(usage=returns_usage, date=returns_usage.date.isoformat()),
                field="usage",
            )
    serial_rows = serial_moves.check_usage(
        lic=lic, office=office, quantity=quantity, serials=serials, lot=lot, returns_usage=returns_usage
    )
    check_open_date(date)
    _check_usage_value_storable(lic, office, quantity, lot)
    mark_cogs_pending(lic.pk, office.pk)
    usage = InventoryUsage.objects.create(
        lic=lic,
        office=office,
        date=date,
        quantity=quantity,
        kind=kind,
        source_type=ContentType.objects.get_for_model(source),
        source_id=source.pk,
        source_label=source_label,
        lot=lot,
        returns_usage=returns_usage,
        reverses_usage=reverses_usage,
        serial_numbers=serials,
        created_by=actor,
    )
    serial_moves.record(usage, serial_rows)  # where each serial is now
    return usage


MSG_REVERSAL_MISMATCH = (
    "Usage {usage} is not a return of {lic} in {office} of {quantity}: this usage cannot reverse it."
)


def _check_reversed_return(
    lic: LineItemCode, office: Office, quantity: Decimal, kind: str, reversed_usage: InventoryUsage
) -> None:
    """The reversal of a return is a shipment usage of the return's LIC, office and quantity (the
    reversal services build it so; the row's CHECK and unique index stand behind this)."""
    if (
        kind != UsageKind.SHIPMENT
        or reversed_usage.quantity >= 0
        or reversed_usage.lic_id != lic.pk
        or reversed_usage.office_id != office.pk
        or -reversed_usage.quantity != quantity
    ):
        raise ValidationFailed(
            "reversal_mismatch",
            MSG_REVERSAL_MISMATCH.format(
                usage=reversed_usage, lic=lic.code, office=office.code, quantity=plain(-quantity)
            ),
            field="usage",
        )


def _check_usage_value_storable(lic: LineItemCode, office: Office, quantity: Decimal, lot: Lot | None) -> None:
    """A usage COGS could never post: its value at the unit cost COGS would use now (the named lot's,
    else the accrual estimate of DOMAIN.md 6a: the LIC's latest released lot in the office, else
    in any office) cannot be stored. The engine isolates what gets past this (a cost raised later)."""
    if lot is not None:
        cost = lot.unit_cost
    else:
        cost = (
            Lot.objects.filter(lic=lic, released=True)
            .order_by(Case(When(office=office, then=Value(0)), default=Value(1)), "-date", "-id")
            .values_list("unit_cost", flat=True)
            .first()
        )
    if cost is not None and not storable(quantity * cost, MONEY_PLACES):
        raise ValidationFailed(
            "value_too_large",
            MSG_USAGE_VALUE_TOO_LARGE.format(
                quantity=plain(abs(quantity)),
                lic=lic.code,
                cost=plain(cost),
                value=f"{extended(abs(quantity), cost):,}",
            ),
            field="quantity",
        )


@transaction.atomic
def record_usage(**kwargs) -> InventoryUsage:
    """Lock the LIC, then write one usage record (see record_usage_locked for the arguments)."""
    locks.lic_for_update(kwargs["lic"].pk)
    return record_usage_locked(**kwargs)


@dataclass(frozen=True)
class AdjustmentLineInput:
    lic: LineItemCode
    quantity: Decimal
    unit_cost: Decimal | None = None
    mfr_lot_number: str = ""
    serial_numbers: Sequence[str] = field(default_factory=tuple)


MSG_KIND_INVALID = "Unknown adjustment kind {kind}: use count, loss, found, beginning_balance or other."
MSG_OPENING_NOT_POSITIVE = "Opening stock (beginning balance) only adds stock: the quantity must be positive."
MSG_OPENING_COST_REQUIRED = "Opening stock (beginning balance) needs the unit cost of every line."


def check_adjustment_kind(kind: str, lines: Sequence[AdjustmentLineInput]) -> None:
    """DOMAIN.md 9: a known kind; a beginning balance has positive lines with a unit cost only (a
    rule across the document's lines: no CHECK can say it)."""
    if kind not in AdjustmentKind.values:
        raise ValidationFailed("invalid_kind", MSG_KIND_INVALID.format(kind=kind), field="kind")
    if kind != AdjustmentKind.BEGINNING_BALANCE:
        return
    for index, line in enumerate(lines):
        if line.quantity <= 0:
            error = ValidationFailed("opening_quantity_not_positive", MSG_OPENING_NOT_POSITIVE, field="quantity")
            raise line_error(error, index)
        if line.unit_cost is None:
            error = ValidationFailed("unit_cost_required", MSG_OPENING_COST_REQUIRED, field="unit_cost")
            raise line_error(error, index)


@transaction.atomic
def post_adjustment(
    *,
    office: Office,
    date: datetime.date,
    reason: str,
    lines: Sequence[AdjustmentLineInput],
    actor: User | None,
    kind: str = AdjustmentKind.OTHER,
) -> InventoryAdjustment:
    """Post an inventory adjustment of a ``kind`` (DOMAIN.md 9): positive lines create purchase-type
    lots at the entered (or default) unit cost; negative lines write usage of kind "adjustment"."""
    check_can_post(actor, office)
    if not lines:
        raise ValidationFailed("no_lines", MSG_NO_LINES, field="lines")
    check_adjustment_kind(kind, lines)
    reason = clean_text(reason)
    if not reason:
        raise ValidationFailed("reason_required", "Enter the reason for the adjustment.", field="reason")
    check_open_date(date)
    locks.lics_for_update(line.lic.pk for line in lines)
    serial_moves.refuse_repeats((line.lic, line.serial_numbers) for line in lines)
    adjustment = InventoryAdjustment.objects.create(
        number=numbering.next_number("ADJ"), office=office, date=date, kind=kind, reason=reason, created_by=actor
    )
    for index, line in enumerate(lines):
        try:
            _post_adjustment_line(adjustment, index + 1, line, actor)
        except ValidationFailed as exc:
            raise line_error(exc, index) from exc
    return adjustment


def _post_adjustment_line(adjustment: InventoryAdjustment, line_no: int, line: AdjustmentLineInput, actor) -> None:
    check_inventoried(line.lic)
    quantity = check_quantity(line.quantity)
    cost = line.unit_cost
    if quantity > 0 and cost is None:
        cost = selectors.default_unit_cost(lic=line.lic, office=adjustment.office)
        if cost is None:
            raise ValidationFailed(
                "unit_cost_required",
                MSG_NO_COST_BASIS.format(lic=line.lic.code, office=adjustment.office.code),
                field="unit_cost",
            )
    if cost is not None:
        check_places(cost, UNIT_COST_PLACES, "unit_cost")
        if cost < 0:
            raise ValidationFailed("negative_unit_cost", MSG_NEGATIVE_COST, field="unit_cost")
    adj_line = AdjustmentLine(
        adjustment=adjustment,
        line_no=line_no,
        lic=line.lic,
        quantity=quantity,
        unit_cost=unit_cost(cost) if cost is not None and quantity > 0 else None,
    )
    label = f"{adjustment.number}/{line_no}"
    # The lot or usage points at the line (its transaction) and the line at it: reserve the id.
    (adj_line.pk,) = numbering.reserve_ids(AdjustmentLine)
    if quantity > 0:
        assert cost is not None  # stock coming in has a cost: refused above without one
        adj_line.lot = create_lot(
            type=LotType.PURCHASE,
            office=adjustment.office,
            lic=line.lic,
            date=adjustment.date,
            quantity=quantity,
            unit_cost_value=cost,
            transaction_obj=adj_line,
            transaction_label=label,
            mfr_lot_number=line.mfr_lot_number,
            serial_numbers=line.serial_numbers,
        )
    else:
        adj_line.usage = record_usage_locked(
            lic=line.lic,
            office=adjustment.office,
            date=adjustment.date,
            quantity=-quantity,
            kind=UsageKind.ADJUSTMENT,
            source=adjustment,
            source_label=adjustment.number,
            actor=actor,
            serial_numbers=line.serial_numbers,
        )
    AdjustmentLine.objects.bulk_create([adj_line])


@transaction.atomic
def record_lot_export(*, user: User, filters: dict, fmt: str) -> LotExport:
    """Every lot-list export is recorded (who, when, filters, format, the requester's scope); rows
    counted at the end."""
    from .scope import scope_for

    return LotExport.objects.create(user=user, filters=filters, format=fmt, scope=scope_for(user).as_dict())


def finish_lot_export(*, record: LotExport, row_count: int | None) -> None:
    LotExport.objects.filter(pk=record.pk).update(row_count=row_count, finished_at=timezone.now())


# --- master data: offices and line item codes -------------------------------------------------

# Once a LIC has lots or usage, the fields the ledger depends on are frozen (the admin shows them
# read-only, the API refuses them with 409): FIFO -> specific would strand unallocated usage,
# un-inventorying would strand lots, a new code would disown the labels of posted documents.
LIC_LEDGER_FIELDS = ("code", "inventoried", "serialized", "track_by_mfr_lot", "costing_method")
LIC_EDITABLE_FIELDS = (*LIC_LEDGER_FIELDS, "description", "unit", "active")
OFFICE_EDITABLE_FIELDS = ("code", "name")
MSG_LIC_IN_USE = "{lic} has lots or usage: its {field} can no longer change (description, unit and active can)."


@transaction.atomic
def update_office(*, office: Office, actor: User | None, **changes) -> Office:
    """Change an office's code or name (audit history records who)."""
    from core.master_data import apply_changes

    apply_changes(office, changes, editable=OFFICE_EDITABLE_FIELDS, actor=actor)
    return office


@transaction.atomic
def update_line_item_code(*, lic: LineItemCode, actor: User | None, **changes) -> LineItemCode:
    """Change a LIC. Its code and ledger flags only while it has no lots or usage (409
    ``lic_in_use`` after); the LIC row lock keeps a first lot from arriving between the check and
    the save. Sending a frozen field with its current value is not a change."""
    from core.master_data import apply_changes, changed_fields

    locks.lic_for_update(lic.pk)
    lic.refresh_from_db()
    frozen = [name for name in changed_fields(lic, changes) if name in LIC_LEDGER_FIELDS]
    if frozen and selectors.lic_in_use(lic):
        raise StateConflict("lic_in_use", MSG_LIC_IN_USE.format(lic=lic.code, field=frozen[0]), field=frozen[0])
    apply_changes(lic, changes, editable=LIC_EDITABLE_FIELDS, actor=actor)
    return lic


MSG_ACCESS_FROM_ROLE = (
    "{user} has {what} through the role(s) {groups}: remove the user from the role or change the role's "
    "permissions in the admin."
)


@transaction.atomic
def set_user_access(
    *,
    user: User,
    all_offices: bool,
    offices: dict[Office, bool],
    can_see_costs: bool,
    actor: User | None,
) -> None:
    """Who ``user`` sees (DOMAIN.md section 11): "all offices", or ``offices`` ({office: can_post};
    the others are seen not at all), and "see costs". The user's own permissions are set; a grant a
    role gives cannot be taken from one user (409 ``access_from_role``, naming the role). Takes
    effect on the user's next request (inventory_lots.scope reads it per request)."""
    from django.contrib.auth.models import Permission

    from .scope import ALL_OFFICES, SEE_COSTS, forget

    User.objects.select_for_update().filter(pk=user.pk).first()  # one change of a user's access at a time
    for perm, wanted, what in ((ALL_OFFICES, all_offices, "all offices"), (SEE_COSTS, can_see_costs, "see costs")):
        app_label, codename = perm.split(".")
        permission = Permission.objects.get(content_type__app_label=app_label, codename=codename)
        from_roles = sorted(user.groups.filter(permissions=permission).values_list("name", flat=True))
        if not wanted and (from_roles or user.is_superuser):
            groups = ", ".join(from_roles) or "superuser"
            raise StateConflict(
                "access_from_role", MSG_ACCESS_FROM_ROLE.format(user=user.username, what=what, groups=groups)
            )
        if wanted and not from_roles:
            user.user_permissions.add(permission)
        elif not wanted:
            user.user_permissions.remove(permission)
    set_user_offices(user=user, offices=offices, actor=actor)
    for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        if hasattr(user, cache):
            delattr(user, cache)
    forget(user)


@transaction.atomic
def set_user_offices(*, user: User, offices: dict[Office, bool], actor: User | None) -> None:
    """The offices ``user`` sees ({office: can_post}); every other access row of the user goes (the
    admin's inline on the user and ``set_user_access`` write through here; history records who)."""
    from .models import OfficeAccess
    from .scope import forget

    OfficeAccess.objects.filter(user=user).exclude(office__in=list(offices)).delete()
    for office, can_post in offices.items():
        OfficeAccess.objects.update_or_create(user=user, office=office, defaults={"can_post": bool(can_post)})
    forget(user)
