"""Writes of orders: customer orders, shipments (shipment usage) and customer returns (negative
usage of kind "return"), closing and reopening an order. Each document locks its lines' LIC rows
first (inventory_lots.locks), then shares the order row (orders.locks)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from core import numbering, roles
from core.errors import NotPermitted, StateConflict, ValidationFailed, line_error
from core.money import plain
from core.text import clean_text
from inventory_lots import locks, serial_moves
from inventory_lots.models import InventoryUsage, LineItemCode, Lot, Office, UsageKind
from inventory_lots.scope import check_can_post
from inventory_lots.selectors import released_on_hand
from inventory_lots.services import (
    MSG_NO_LINES,
    check_date_window,
    check_open_date,
    check_quantity,
    record_usage_locked,
)

from . import locks as order_locks
from . import selectors
from .models import Customer, CustomerReturn, Order, OrderStatus, ReturnLine, Shipment, ShipmentLine

MSG_ORDER_CLOSED = "Order {number} is closed: nothing more can be shipped on it."
MSG_ORDER_CLOSED_FOR_PRODUCTION = "Order {number} is closed: no production order can be opened for it."
MSG_RETURN_NOT_OF_ORDER = "Usage {usage} is not a shipment of order {number}."
MSG_BEFORE_ORDER = "Order {number} is dated {date}: a {document} on it cannot be dated before that."
MSG_ALREADY_CLOSED = "Order {number} is already closed."
MSG_NOT_CLOSED = "Order {number} is open: there is nothing to reopen."
MSG_OPEN_PRODUCTION = (
    "Order {number} has production orders that are not closed ({numbers}): close them before closing the order."
)
MSG_REASON_REQUIRED = "Give the reason for reopening the order."
MSG_REASON_TOO_LONG = "The reason is kept in the order's history: at most {limit} characters."
MSG_FIELDS_LOCKED = (
    "Order {number} has posted documents (shipments, returns or production): its {fields} can no longer change."
)
REASON_MAX_LENGTH = 100  # the order history's change reason (simple_history's default column)
LOCKED_ONCE_POSTED = ("customer", "office", "date")
MSG_SHORT_OF_STOCK = (
    "{lic}: {on_hand} on hand in {office}, {quantity} to ship: {short} short. COGS leaves what is short unallocated "
    "until stock comes in."
)
MSG_RETURN_EXCEEDS_SHIPPED = (
    "Order {number} has {left} of {lic} left to come back (shipped {shipped}, returned {returned}); asked "
    "{asked}. An accountant may post it with an override reason."
)
MSG_OVERRIDE_NOT_PERMITTED = (
    "Only an accountant may post a return over what the order shipped: leave the override reason empty."
)
MSG_OVERRIDE_TOO_LONG = "The override reason is at most 200 characters."
OVERRIDE_REASON_MAX_LENGTH = 200
# Who may post a customer return (clerks; accountants, who also may override its limit)
RETURN_PERMISSIONS = (roles.POST_STOCK, roles.POST_ACCOUNTING)
OVERRIDE_PERMISSION = roles.POST_ACCOUNTING


@transaction.atomic
def create_order(*, customer: Customer, office: Office, date: datetime.date, actor: User | None = None) -> Order:
    check_can_post(actor, office)
    check_date_window(date)  # a commitment, not a posting: the lock date does not apply
    return Order.objects.create(number=numbering.next_number("SO"), customer=customer, office=office, date=date)


@dataclass(frozen=True)
class ShipmentLineInput:
    lic: LineItemCode
    quantity: Decimal
    lot: Lot | None = None
    serial_numbers: Sequence[str] = field(default_factory=tuple)


@dataclass(frozen=True)
class ReturnLineInput:
    lic: LineItemCode
    quantity: Decimal  # positive: what came back
    usage: InventoryUsage | None = None  # the shipment usage it returns, if known
    serial_numbers: Sequence[str] = field(default_factory=tuple)  # serialized LICs: the serials that came back


@transaction.atomic
def post_shipment(
    *,
    order: Order,
    date: datetime.date,
    lines: Sequence[ShipmentLineInput],
    actor: User | None,
    confirm_short: bool = True,
) -> Shipment:
    """Ship goods on an order: one shipment usage per line (source = the shipment). Specific-unit
    LICs name the lot; serialized LICs name the serial numbers.

    Shipping more of a LIC than is on hand is legal (COGS leaves the excess unallocated) but never
    silent: the returned shipment carries ``warnings`` (StockWarning, one per LIC short),
    computed under the LIC locks; with ``confirm_short=False`` (the page's first submit) a shipment
    with warnings is refused instead (409 ShortOfStock, nothing written) so the clerk can confirm."""
    check_can_post(actor, order.office)
    if not lines:
        raise ValidationFailed("no_lines", MSG_NO_LINES, field="lines")
    check_open_date(date)
    locks.lics_for_update(line.lic.pk for line in lines)
    serial_moves.refuse_repeats((line.lic, line.serial_numbers) for line in lines)
    order = lock_open_order(order=order, message=MSG_ORDER_CLOSED)
    check_not_before_order(order, date, "shipment")
    on_hand = released_on_hand(lic_ids=(line.lic.pk for line in lines), office=order.office)  # before this one
    shipment = Shipment.objects.create(number=numbering.next_number("SH"), order=order, date=date, created_by=actor)
    rows = []
    for index, line in enumerate(lines):
        try:
            quantity = check_quantity(line.quantity, positive=True)
            usage = record_usage_locked(
                lic=line.lic,
                office=order.office,
                date=date,
                quantity=quantity,
                kind=UsageKind.SHIPMENT,
                source=shipment,
                source_label=shipment.number,
                actor=actor,
                lot=line.lot,
                serial_numbers=line.serial_numbers,
            )
        except ValidationFailed as exc:
            raise line_error(exc, index) from exc
        rows.append(ShipmentLine(shipment=shipment, line_no=index + 1, lic=line.lic, quantity=quantity, usage=usage))
    ShipmentLine.objects.bulk_create(rows)
    warnings = stock_warnings(order, rows, on_hand)
    if warnings and not confirm_short:
        raise ShortOfStock(warnings)  # the atomic block rolls the shipment back
    shipment.warnings = warnings
    return shipment


@dataclass(frozen=True)
class StockWarning:
    """A shipment takes more of a LIC than is on hand: legal, but said (API ``warnings``, the
    page's confirmation). Quantities are totals of the LIC over the shipment's lines; ``field`` is
    the line where it runs out."""

    field: str
    lic: str
    on_hand: Decimal
    quantity: Decimal
    short: Decimal
    message: str
    code: str = "short_of_stock"


class ShortOfStock(StateConflict):
    """A shipment beyond stock not confirmed yet (the page asks; nothing was written)."""

    def __init__(self, warnings: list[StockWarning]):
        super().__init__(
            "short_of_stock",
            warnings[0].message,
            field=warnings[0].field,
            errors={w.field: [w.message] for w in warnings},
        )
        self.warnings = warnings


def stock_warnings(order: Order, rows: Sequence[ShipmentLine], on_hand: dict[int, Decimal]) -> list[StockWarning]:
    """One warning per LIC whose lines take more than its released stock on hand (never below 0)."""
    taken: dict[int, Decimal] = {}
    runs_out: dict[int, int] = {}  # LIC id -> index of the line where it runs out
    codes = {}
    for index, row in enumerate(rows):
        taken[row.lic_id] = taken.get(row.lic_id, Decimal(0)) + row.quantity
        codes[row.lic_id] = row.lic.code
        if row.lic_id not in runs_out and taken[row.lic_id] > max(on_hand.get(row.lic_id, Decimal(0)), Decimal(0)):
            runs_out[row.lic_id] = index
    warnings = []
    for lic_id, index in runs_out.items():
        available = max(on_hand.get(lic_id, Decimal(0)), Decimal(0))
        short = taken[lic_id] - available
        message = f"Line {index + 1}: " + MSG_SHORT_OF_STOCK.format(
            lic=codes[lic_id],
            office=order.office.code,
            on_hand=_fmt(available),
            quantity=_fmt(taken[lic_id]),
            short=_fmt(short),
        )
        warnings.append(
            StockWarning(
                field=f"lines[{index}].quantity",
                lic=codes[lic_id],
                on_hand=available,
                quantity=taken[lic_id],
                short=short,
                message=message,
            )
        )
    return warnings


@transaction.atomic
def post_return(
    *,
    order: Order,
    date: datetime.date,
    lines: Sequence[ReturnLineInput],
    actor: User | None,
    override_reason: str = "",
) -> CustomerReturn:
    """Record goods the customer sent back: one negative usage of kind "return" per line,
    optionally naming the shipment usage it returns (record_usage checks the limit).
    Allowed on closed orders too (returns arrive after an order is done).

    Per LIC, a return brings back at most what the order shipped net of its earlier returns (400
    ``return_exceeds_shipped``; goods never shipped would lower COGS). An accountant may
    post it anyway with ``override_reason``, kept on the return when the limit was exceeded; anyone
    else giving one is refused (403 ``override_not_permitted``). The limit is read under the LIC
    row locks, so two returns at once cannot both pass it."""
    check_can_post(actor, order.office)
    if not lines:
        raise ValidationFailed("no_lines", MSG_NO_LINES, field="lines")
    override_reason = _check_override(override_reason, actor)
    check_open_date(date)
    locks.lics_for_update(line.lic.pk for line in lines)
    serial_moves.refuse_repeats((line.lic, line.serial_numbers) for line in lines)
    order = order_locks.order_for_share(order.pk)  # its office must not change under the return
    check_not_before_order(order, date, "return")
    limits = selectors.order_returnable(order, (line.lic.pk for line in lines))
    overridden = False
    document = CustomerReturn.objects.create(
        number=numbering.next_number("RT"), order=order, date=date, created_by=actor
    )
    shipment_ct = ContentType.objects.get_for_model(Shipment)
    rows = []
    for index, line in enumerate(lines):
        try:
            quantity = check_quantity(line.quantity, positive=True)
            # serials returned without naming their usage name the usage that has them out
            returned = line.usage or serial_moves.usage_out_with(
                lic=line.lic, office=order.office, serial_numbers=line.serial_numbers
            )
            if returned is not None:
                returned = InventoryUsage.objects.get(pk=returned.pk)
                if not (
                    returned.kind == UsageKind.SHIPMENT
                    and returned.source_type_id == shipment_ct.pk
                    and Shipment.objects.filter(pk=returned.source_id, order=order).exists()
                ):
                    raise ValidationFailed(
                        "return_not_of_order",
                        MSG_RETURN_NOT_OF_ORDER.format(usage=returned, number=order.number),
                        field="usage",
                    )
            usage = record_return_usage(
                document=document,
                order=order,
                lic=line.lic,
                date=date,
                quantity=quantity,
                returns_usage=returned,
                serial_numbers=line.serial_numbers,
                actor=actor,
            )
            # after the line's own checks (a named usage's limit speaks first); a refusal rolls it back
            overridden |= _check_return_limit(order, line.lic, quantity, limits[line.lic.pk], override_reason)
        except ValidationFailed as exc:
            raise line_error(exc, index) from exc
        rows.append(
            ReturnLine(customer_return=document, line_no=index + 1, lic=line.lic, quantity=quantity, usage=usage)
        )
    ReturnLine.objects.bulk_create(rows)
    if overridden:  # kept only when it overrode something: an audit finds exactly the overrides
        CustomerReturn.objects.filter(pk=document.pk).update(override_reason=override_reason)
        document.override_reason = override_reason
    return document


def record_return_usage(
    *,
    document: CustomerReturn,
    order: Order,
    lic: LineItemCode,
    date: datetime.date,
    quantity: Decimal,
    returns_usage: InventoryUsage | None,
    serial_numbers: Sequence[str],
    actor: User | None,
) -> InventoryUsage:
    """The usage of one return line (negative ``quantity`` of the positive one given), in the
    order's office; a return and a shipment's reversal both write it."""
    return record_usage_locked(
        lic=lic,
        office=order.office,
        date=date,
        quantity=-quantity,
        kind=UsageKind.RETURN,
        source=document,
        source_label=document.number,
        actor=actor,
        returns_usage=returns_usage,
        serial_numbers=serial_numbers,
    )


def check_not_before_order(order: Order, date: datetime.date, document: str) -> None:
    """A shipment, return or production order is never dated before its customer order (400
    ``date_before_order``). The caller holds the order row (its date is fixed once a
    document is posted on it: lock_order_for_edit)."""
    if date < order.date:
        raise ValidationFailed(
            "date_before_order",
            MSG_BEFORE_ORDER.format(number=order.number, date=order.date.isoformat(), document=document),
            field="date",
        )


def _fmt(value: Decimal) -> str:
    """A quantity for a message: 1000.000000 -> "1,000", 2.500000 -> "2.5" (never "1E+3")."""
    return plain(value, grouping=True)


def _check_override(reason: str, actor: User | None) -> str:
    """The override reason as stored (clean text); only the accounting permission may give one."""
    reason = clean_text(reason)
    if not reason:
        return ""
    if actor is not None and not actor.has_perm(OVERRIDE_PERMISSION):
        raise NotPermitted("override_not_permitted", MSG_OVERRIDE_NOT_PERMITTED, field="override_reason")
    if len(reason) > OVERRIDE_REASON_MAX_LENGTH:
        raise ValidationFailed("override_reason_too_long", MSG_OVERRIDE_TOO_LONG, field="override_reason")
    return reason


def _check_return_limit(order: Order, lic: LineItemCode, quantity: Decimal, limit: dict, override: str) -> bool:
    """Count ``quantity`` against what the order shipped of ``lic`` net of its returns (``limit``,
    updated for the next line); True when it goes over and ``override`` allows it."""
    shipped, returned = limit["shipped"], limit["returned"]
    left = shipped - returned
    if quantity > left and not override:
        raise ValidationFailed(
            "return_exceeds_shipped",
            MSG_RETURN_EXCEEDS_SHIPPED.format(
                number=order.number,
                lic=lic.code,
                left=_fmt(max(left, Decimal(0))),
                shipped=_fmt(shipped),
                returned=_fmt(returned),
                asked=_fmt(quantity),
            ),
            field="quantity",
        )
    limit["returned"] = returned + quantity
    return quantity > left


# --- the order's state: posting on it, closing, reopening, editing ------------------------------


def lock_open_order(*, order: Order, message: str = MSG_ORDER_CLOSED) -> Order:
    """Share-lock the order row for a posting (after the posting's LIC locks) and refuse a closed
    order (409 ``order_closed``). A close in flight waits for the posting; a posting that waited for
    a close sees it. Returns the order as locked. Callers are atomic."""
    order = order_locks.order_for_share(order.pk)
    if order.status == OrderStatus.CLOSED:
        raise StateConflict("order_closed", message.format(number=order.number))
    return order


def _save_status(order: Order, status: str, actor: User | None, reason: str | None = None) -> Order:
    order.status = status
    if actor is not None:
        order._history_user = actor  # the order's audit history names who closed or reopened it
    order._change_reason = reason
    order.save(update_fields=["status"])
    return order


@transaction.atomic
def close_order(*, order: Order, actor: User | None) -> Order:
    """Close a customer order: nothing more is shipped on it and no production order is opened for
    it; returns are still recorded (goods come back after an order is done), and COGS goes on
    costing its usage. Refused (409) when already closed, or while a production order made for it is
    not closed (its work is still going on). Closing posts nothing: no figure changes."""
    check_can_post(actor, order.office)
    order = order_locks.order_for_update(order.pk)
    if order.status == OrderStatus.CLOSED:
        raise StateConflict("order_already_closed", MSG_ALREADY_CLOSED.format(number=order.number))
    unfinished = selectors.order_unclosed_document_numbers(order)
    if unfinished:
        raise StateConflict(
            "order_has_open_production", MSG_OPEN_PRODUCTION.format(number=order.number, numbers=", ".join(unfinished))
        )
    return _save_status(order, OrderStatus.CLOSED, actor)


@transaction.atomic
def reopen_order(*, order: Order, reason: str, actor: User | None) -> Order:
    """Reopen a closed order, with a reason kept in its history. Nothing else prevents it: closing
    posted nothing, so reopening changes no figure, and whatever is posted on the order afterwards
    is dated in the open period by its own service (the lock date). Refused (409) when open."""
    check_can_post(actor, order.office)
    reason = clean_text(reason)
    if not reason:
        raise ValidationFailed("reason_required", MSG_REASON_REQUIRED, field="reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationFailed("reason_too_long", MSG_REASON_TOO_LONG.format(limit=REASON_MAX_LENGTH), field="reason")
    order = order_locks.order_for_update(order.pk)
    if order.status != OrderStatus.CLOSED:
        raise StateConflict("order_not_closed", MSG_NOT_CLOSED.format(number=order.number))
    return _save_status(order, OrderStatus.OPEN, actor, reason)


@transaction.atomic
def lock_order_for_edit(*, order: Order, changed: Sequence[str]) -> Order:
    """Before the admin saves an edited order: lock its row (held until the admin's transaction
    ends, so no document is posted between this check and the save) and refuse (409
    ``order_fields_locked``) a change of its customer, office or date once it has posted documents:
    their usage was recorded in that office, for that customer's order."""
    order = order_locks.order_for_update(order.pk)
    locked = [name for name in LOCKED_ONCE_POSTED if name in changed]
    if locked and selectors.order_has_documents(order):
        raise StateConflict(
            "order_fields_locked", MSG_FIELDS_LOCKED.format(number=order.number, fields=", ".join(locked))
        )
    return order


# --- master data: customers --------------------------------------------------------------------

CUSTOMER_EDITABLE_FIELDS = ("code", "name")


@transaction.atomic
def update_customer(*, customer: Customer, actor: User | None, **changes) -> Customer:
    """Change a customer's code or name (audit history records who)."""
    from core.master_data import apply_changes

    apply_changes(customer, changes, editable=CUSTOMER_EDITABLE_FIELDS, actor=actor)
    return customer
