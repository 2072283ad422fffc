"""Writes of production (DOMAIN.md 5): production orders, component issues and returns, job cost
entries and their reversals, produce, release, close, and the production lot cost recompute.

Locking: every service that touches a production order first locks the order's produced LIC
row (plus any component LICs, all by pk, via inventory_lots.locks), which serialises all writes
to one order and its lot; then it re-reads the order and validates against that state.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from core import numbering
from core.errors import StateConflict, ValidationFailed, line_error
from core.money import MONEY_PLACES, QTY_PLACES, UNIT_COST_PLACES, money, plain, qty, unit_cost
from core.text import clean_text
from inventory_lots import locks, serial_moves
from inventory_lots.dates import check_reversal_date
from inventory_lots.models import (
    CostChangeCause,
    InventoryUsage,
    LineItemCode,
    Lot,
    LotCostChange,
    LotType,
    Office,
    UsageKind,
)
from inventory_lots.scope import check_can_post
from inventory_lots.services import (
    MSG_NO_LINES,
    add_to_lot,
    change_lot_unit_cost_locked,
    check_inventoried,
    check_open_date,
    check_places,
    check_quantity,
    check_value_storable,
    create_lot,
    mark_cogs_pending,
    record_usage_locked,
)
from orders.services import MSG_ORDER_CLOSED_FOR_PRODUCTION as MSG_PARENT_ORDER_CLOSED
from orders.services import check_not_before_order, lock_open_order

from . import selectors
from .models import JobCostEntry, ProductionOrder, ProductionReport, ProductionStatus

MSG_ORDER_CLOSED = "Production order {number} is closed: nothing more can be posted to it."
MSG_ALREADY_RELEASED = "Production order {number} is already released."
MSG_ALREADY_CLOSED = "Production order {number} is already closed."
MSG_NOTHING_PRODUCED = "Production order {number} has produced nothing yet: produce before releasing."
MSG_RELEASE_BEFORE_CLOSE = "Production order {number} has an unreleased lot: release it before closing."
MSG_EST_QTY = "Estimated quantity must be greater than zero."
MSG_EST_COST = "Estimated unit cost cannot be negative."
MSG_COMPONENT_IS_PRODUCT = "{lic} is what this order produces: it cannot be its own component."
MSG_RETURN_NOT_OF_ORDER = "Usage {usage} is not a component issue of production order {number}."
MSG_JOB_LIC_INVENTORIED = "{lic} is an inventoried line item code: issue it as a component, not as a job cost."
MSG_AMOUNT_NOT_POSITIVE = "Amount must be greater than zero."
MSG_DESCRIPTION_REQUIRED = "Enter a description."
MSG_ALREADY_REVERSED = "Job cost entry {entry} is already reversed."
MSG_REVERSE_A_REVERSAL = "Job cost entry {entry} is itself a reversal and cannot be reversed."
MSG_BEFORE_PRODUCTION_ORDER = "Production order {number} is dated {date}: {what} before that."
MSG_MFR_LOT_DIFFERS = "Lot {lot} has manufacturer lot {mfr}: report more of it under that number (or leave it empty)."
MSG_MFR_LOT_NOT_TRACKED = serial_moves.MSG_MFR_LOT_NOT_TRACKED


# --- the production lot cost (called by the COGS engine in dependency order) --------------


def recompute_production_lot_cost_locked(*, lot: Lot, date: datetime.date, actor: User | None) -> LotCostChange | None:
    """Set a production lot's unit cost from its formula (DOMAIN.md 5):
    (Σ cogs_value of the order's component usage, returns negative + capitalized job costs)
    / lot.qty_in. While the inputs sum to zero (nothing allocated, nothing capitalized) the lot
    keeps the order's estimated unit cost. The caller holds the LIC locks. Returns the
    LotCostChange, or None when the cost does not change (or the lot is not a production lot)."""
    order = selectors.production_order_for_lot(lot)
    if order is None:
        return None
    lot.refresh_from_db(fields=["qty_in", "unit_cost"])
    inputs = selectors.cost_inputs(order, lot)
    return change_lot_unit_cost_locked(
        lot=lot,
        new_unit_cost=inputs.unit_cost,
        cause=CostChangeCause.PRODUCTION_RECOMPUTE,
        date=date,
        actor=actor,
        source_label=order.number,
    )


def _recompute_if_produced(order: ProductionOrder, date: datetime.date, actor: User | None) -> None:
    if order.lot_id is not None:
        recompute_production_lot_cost_locked(lot=Lot.objects.get(pk=order.lot_id), date=date, actor=actor)


# --- production orders --------------------------------------------------------------------


def _lock_order(order: ProductionOrder, extra_lic_ids: Sequence[int] = ()) -> tuple[ProductionOrder, dict]:
    """Lock the produced LIC (and extra LICs) by pk, then re-read the order."""
    lics = locks.lics_for_update([order.lic_id, *extra_lic_ids])
    fresh = ProductionOrder.objects.select_related("lic", "office", "order", "lot").get(pk=order.pk)
    return fresh, lics


def _check_not_closed(order: ProductionOrder) -> None:
    if order.status == ProductionStatus.CLOSED:
        raise StateConflict("production_order_closed", MSG_ORDER_CLOSED.format(number=order.number))


def _check_not_before_order(order: ProductionOrder, date: datetime.date, what: str) -> None:
    """Nothing is posted on a production order dated before it (400 ``date_before_production_order``),
    as nothing is received on a PO before the PO's date."""
    if date < order.date:
        raise ValidationFailed(
            "date_before_production_order",
            MSG_BEFORE_PRODUCTION_ORDER.format(number=order.number, date=order.date.isoformat(), what=what),
            field="date",
        )


@transaction.atomic
def create_production_order(
    *,
    office: Office,
    date: datetime.date,
    lic: LineItemCode,
    estimated_quantity: Decimal,
    estimated_unit_cost: Decimal,
    order=None,
    actor: User | None,
) -> ProductionOrder:
    check_can_post(actor, office)
    check_open_date(date)
    check_inventoried(lic)
    check_places(estimated_quantity, QTY_PLACES, "estimated_quantity")
    if estimated_quantity <= 0:
        raise ValidationFailed("estimated_quantity_not_positive", MSG_EST_QTY, field="estimated_quantity")
    check_places(estimated_unit_cost, UNIT_COST_PLACES, "estimated_unit_cost")
    if estimated_unit_cost < 0:
        raise ValidationFailed("negative_unit_cost", MSG_EST_COST, field="estimated_unit_cost")
    check_value_storable(estimated_quantity, estimated_unit_cost, "estimated_quantity")
    if order is not None:  # share-locked: closing the customer order waits, and refuses while this is open
        order = lock_open_order(order=order, message=MSG_PARENT_ORDER_CLOSED)
        check_not_before_order(order, date, "production order")
    return ProductionOrder.objects.create(
        number=numbering.next_number("MO"),
        office=office,
        date=date,
        order=order,
        lic=lic,
        estimated_quantity=qty(estimated_quantity),
        estimated_unit_cost=unit_cost(estimated_unit_cost),
        created_by=actor,
    )


@dataclass(frozen=True)
class ComponentLine:
    """One component line: positive quantity issues, negative returns unused components."""

    lic: LineItemCode
    quantity: Decimal
    lot: Lot | None = None
    serial_numbers: Sequence[str] = field(default_factory=tuple)
    returns_usage: InventoryUsage | None = None


@transaction.atomic
def issue_components(
    *, production_order: ProductionOrder, date: datetime.date, lines: Sequence[ComponentLine], actor: User | None
) -> list[InventoryUsage]:
    """Write one usage record (kind "production", source = the order) per line; a negative
    quantity returns components (negative usage, optionally naming the issue it gives back)."""
    check_can_post(actor, production_order.office)
    if not lines:
        raise ValidationFailed("no_lines", MSG_NO_LINES, field="lines")
    check_open_date(date)
    order, _ = _lock_order(production_order, [line.lic.pk for line in lines])
    _check_not_closed(order)
    _check_not_before_order(order, date, "components cannot be issued to it")
    serial_moves.refuse_repeats((line.lic, line.serial_numbers) for line in lines)
    _check_returns_within_issued(order, lines)
    usages = []
    for index, line in enumerate(lines):
        try:
            usages.append(_issue_line(order, date, line, actor))
        except ValidationFailed as exc:
            raise line_error(exc, index) from exc
    _recompute_if_produced(order, date, actor)
    return usages


MSG_RETURN_EXCEEDS_ISSUED = "Production order {number} was issued {issued} of {lic} net of returns (asked {asked})."


def _check_returns_within_issued(order: ProductionOrder, lines: Sequence[ComponentLine]) -> None:
    """A return that names no issue gives back at most what the order was issued of its LIC net of
    earlier returns and of the document's other returns (a named issue is held to its own balance
    by the ledger). The LICs are locked, so the sum cannot change before the usage is written."""
    asked: dict[int, Decimal] = {}
    for line in lines:
        if line.quantity < 0 and line.returns_usage is None and not line.serial_numbers:
            asked[line.lic.pk] = asked.get(line.lic.pk, Decimal(0)) - line.quantity
    if not asked:
        return
    issued = selectors.net_issued_by_lic(order, list(asked))
    for index, line in enumerate(lines):
        if line.lic.pk in asked and asked[line.lic.pk] > issued.get(line.lic.pk, Decimal(0)):
            message = MSG_RETURN_EXCEEDS_ISSUED.format(
                number=order.number,
                issued=plain(issued.get(line.lic.pk, Decimal(0))),
                lic=line.lic.code,
                asked=plain(asked[line.lic.pk]),
            )
            raise line_error(ValidationFailed("return_exceeds_issued", message, field="quantity"), index)


def _issue_line(order: ProductionOrder, date: datetime.date, line: ComponentLine, actor) -> InventoryUsage:
    check_inventoried(line.lic)
    if line.lic.pk == order.lic_id:
        raise ValidationFailed("component_is_product", MSG_COMPONENT_IS_PRODUCT.format(lic=line.lic.code), field="lic")
    returned = line.returns_usage
    if returned is None and line.quantity < 0:  # serials returned without naming their issue name it
        returned = serial_moves.usage_out_with(lic=line.lic, office=order.office, serial_numbers=line.serial_numbers)
    if returned is not None and not (
        returned.kind == UsageKind.PRODUCTION
        and returned.source_type_id == selectors.production_order_content_type().pk
        and returned.source_id == order.pk
    ):
        raise ValidationFailed(
            "return_not_of_order", MSG_RETURN_NOT_OF_ORDER.format(usage=returned, number=order.number), field="usage"
        )
    return record_usage_locked(
        lic=line.lic,
        office=order.office,
        date=date,
        quantity=line.quantity,
        kind=UsageKind.PRODUCTION,
        source=order,
        source_label=order.number,
        actor=actor,
        lot=line.lot,
        returns_usage=returned,
        serial_numbers=line.serial_numbers,
    )


@transaction.atomic
def post_job_cost(
    *,
    production_order: ProductionOrder,
    date: datetime.date,
    lic: LineItemCode,
    description: str,
    amount: Decimal,
    capitalized: bool,
    vendor=None,
    actor: User | None,
) -> JobCostEntry:
    """Charge a non-inventoried cost to the order; capitalized entries go into the lot's cost."""
    check_can_post(actor, production_order.office)
    check_open_date(date)
    if lic.inventoried:
        raise ValidationFailed("lic_inventoried", MSG_JOB_LIC_INVENTORIED.format(lic=lic.code), field="lic")
    description = clean_text(description)
    if not description:
        raise ValidationFailed("description_required", MSG_DESCRIPTION_REQUIRED, field="description")
    check_places(amount, MONEY_PLACES, "amount")
    if amount <= 0:
        raise ValidationFailed("amount_not_positive", MSG_AMOUNT_NOT_POSITIVE, field="amount")
    order, _ = _lock_order(production_order)
    _check_not_closed(order)
    _check_not_before_order(order, date, "no job cost can be charged to it")
    entry = JobCostEntry.objects.create(
        production_order=order,
        date=date,
        lic=lic,
        description=description,
        amount=money(amount),
        capitalized=bool(capitalized),
        vendor=vendor,
        created_by=actor,
    )
    if entry.capitalized:
        _recompute_if_produced(order, date, actor)
    return entry


@transaction.atomic
def reverse_job_cost(*, entry: JobCostEntry, date: datetime.date, actor: User | None) -> JobCostEntry:
    """Correct a posted entry: one reversing entry with the negative amount, pointing at it.
    Allowed on closed orders too (a correction, not new work)."""
    check_can_post(actor, entry.production_order.office)
    check_open_date(date)
    order, _ = _lock_order(entry.production_order)
    entry = JobCostEntry.objects.select_related("lic", "vendor").get(pk=entry.pk)
    if entry.reverses_id is not None:
        raise StateConflict("reverse_a_reversal", MSG_REVERSE_A_REVERSAL.format(entry=entry))
    if JobCostEntry.objects.filter(reverses=entry).exists():
        raise StateConflict("already_reversed", MSG_ALREADY_REVERSED.format(entry=entry))
    check_reversal_date(date, document=f"Job cost {entry}", document_date=entry.date)
    reversal = JobCostEntry.objects.create(
        production_order=order,
        date=date,
        lic=entry.lic,
        description=f"Reversal of {entry}: {entry.description}"[:200],
        amount=-entry.amount,
        capitalized=entry.capitalized,
        vendor=entry.vendor,
        reverses=entry,
        created_by=actor,
    )
    if reversal.capitalized:
        _recompute_if_produced(order, date, actor)
    return reversal


@transaction.atomic
def produce(
    *,
    production_order: ProductionOrder,
    date: datetime.date,
    quantity: Decimal,
    serial_numbers: Sequence[str] = (),
    mfr_lot_number: str = "",
    actor: User | None,
) -> Lot:
    """Report a produced quantity: the first report creates the production lot (released=False,
    transaction = the order, parent order = the customer order), later ones grow it. The lot's
    provisional unit cost is the formula's current result when its inputs are > 0, else the
    estimated unit cost."""
    check_can_post(actor, production_order.office)
    check_open_date(date)
    quantity = check_quantity(quantity, positive=True)
    order, _ = _lock_order(production_order)
    _check_not_closed(order)
    _check_not_before_order(order, date, "nothing can be produced on it")
    if order.lot_id is None:
        inputs = selectors.cost_inputs(order)
        provisional = inputs.estimated_unit_cost if inputs.total <= 0 else unit_cost(inputs.total / quantity)
        lot = create_lot(
            type=LotType.PRODUCTION,
            office=order.office,
            lic=order.lic,
            date=date,
            quantity=quantity,
            unit_cost_value=provisional,
            transaction_obj=order,
            transaction_label=order.number,
            parent_order=order.order,
            mfr_lot_number=mfr_lot_number,
            serial_numbers=serial_numbers,
            released=False,
        )
        ProductionOrder.objects.filter(pk=order.pk).update(lot=lot)
        order.lot = lot
    else:
        lot = Lot.objects.select_related("lic").get(pk=order.lot_id)
        _check_more_of_mfr_lot(lot, mfr_lot_number)
        lot = add_to_lot(lot=lot, quantity=quantity, date=date, serial_numbers=serial_numbers)
    ProductionReport.objects.create(
        production_order=order,
        date=date,
        quantity=quantity,
        serial_numbers=serial_moves.clean(serial_numbers) if order.lic.serialized else [],
        mfr_lot_number=lot.mfr_lot_number,
        lot=lot,
        created_by=actor,
    )
    recompute_production_lot_cost_locked(lot=lot, date=date, actor=actor)
    lot.refresh_from_db()
    return lot


def _check_more_of_mfr_lot(lot: Lot, mfr_lot_number: str) -> None:
    """More production reported into a lot: its mfr lot number, if given, is the lot's (a
    number the LIC does not track, or another one, was dropped before)."""
    mfr_lot_number = clean_text(mfr_lot_number)
    if not mfr_lot_number:
        return
    if not lot.lic.track_by_mfr_lot:
        raise ValidationFailed(
            "mfr_lot_not_tracked", MSG_MFR_LOT_NOT_TRACKED.format(lic=lot.lic.code), field="mfr_lot_number"
        )
    if mfr_lot_number != lot.mfr_lot_number:
        raise ValidationFailed(
            "mfr_lot_differs",
            MSG_MFR_LOT_DIFFERS.format(lot=lot.number, mfr=lot.mfr_lot_number),
            field="mfr_lot_number",
        )


@transaction.atomic
def release(*, production_order: ProductionOrder, actor: User | None) -> ProductionOrder:
    """Release the produced goods into general inventory: the lot becomes available to COGS."""
    check_can_post(actor, production_order.office)
    order, _ = _lock_order(production_order)
    if order.status == ProductionStatus.RELEASED:
        raise StateConflict("already_released", MSG_ALREADY_RELEASED.format(number=order.number))
    _check_not_closed(order)
    if order.lot_id is None:
        raise StateConflict("nothing_produced", MSG_NOTHING_PRODUCED.format(number=order.number))
    Lot.objects.filter(pk=order.lot_id).update(released=True)
    mark_cogs_pending(order.lic_id, order.office_id)  # usage waiting for stock may now allocate
    ProductionOrder.objects.filter(pk=order.pk).update(status=ProductionStatus.RELEASED, released_at=timezone.now())
    order.refresh_from_db()
    return order


@transaction.atomic
def close(*, production_order: ProductionOrder, actor: User | None) -> ProductionOrder:
    """Close the order: nothing more is issued, charged or produced (job cost reversals stay
    possible). An order whose lot is not released must be released first."""
    check_can_post(actor, production_order.office)
    order, _ = _lock_order(production_order)
    if order.status == ProductionStatus.CLOSED:
        raise StateConflict("already_closed", MSG_ALREADY_CLOSED.format(number=order.number))
    if order.lot is not None and not order.lot.released:
        raise StateConflict("release_before_close", MSG_RELEASE_BEFORE_CLOSE.format(number=order.number))
    ProductionOrder.objects.filter(pk=order.pk).update(status=ProductionStatus.CLOSED, closed_at=timezone.now())
    order.refresh_from_db()
    return order
