"""Writes of purchasing: purchase orders, receipts (which create purchase lots), their reversal,
vendor invoices with freight, and closing a PO (which fixes its lots' unit cost).

Lock order (inventory_lots/locks.py): LIC rows by pk, then lots by pk, then PO lines by pk
(purchasing/locks.py). Each service locks first, then validates against the locked rows, then
writes. A refusal raises a DomainError; the transaction rolls back and nothing is written.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Case, DecimalField, F, Max, Value, When

from core import numbering
from core.errors import StateConflict, ValidationFailed, line_error
from core.money import MAX_DIGITS, MONEY_PLACES, QTY_PLACES, UNIT_COST_PLACES, ZERO, money, plain, unit_cost
from core.text import clean_text
from inventory_lots import locks as lot_locks
from inventory_lots import serial_moves
from inventory_lots.dates import check_reversal_date
from inventory_lots.models import (
    CostChangeCause,
    LineItemCode,
    Lot,
    LotSerial,
    LotType,
    Office,
)
from inventory_lots.reversals import first_used_lot
from inventory_lots.scope import check_can_post
from inventory_lots.selectors import current_lock_date
from inventory_lots.services import (
    change_lot_unit_cost_locked,
    check_date_window,
    check_open_date,
    check_places,
    check_quantity,
    check_value_storable,
    create_lot,
    mark_cogs_pending,
)

from . import locks
from .costing import FreightLine, closing_unit_cost, spread_freight
from .models import (
    POStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
    Vendor,
    VendorInvoice,
    VendorInvoiceLine,
)

_QTY_FIELD = DecimalField(max_digits=MAX_DIGITS, decimal_places=QTY_PLACES)

MSG_NO_LINES = "Enter at least one line."
MSG_PO_CLOSED = "Purchase order {po} is closed: nothing more can be received or invoiced on it."
MSG_PO_ALREADY_CLOSED = "Purchase order {po} is already closed."
MSG_NOT_ON_PO = "PO line {line} is not a line of purchase order {po}."
MSG_RECEIVE_NOT_INVENTORIED = "{lic} on line {line_no} is not inventoried: non-inventoried lines are not received."
MSG_OVER_RECEIPT = (
    "Only {open} of {lic} is still open on PO line {line_no} (ordered {ordered}, received {received}); "
    "asked {asked}. Tick “allow receiving more than ordered” to accept it."
)
MSG_BEFORE_PO = "The date cannot be before the purchase order's date ({date})."
MSG_CLOSE_BEFORE_DOCUMENTS = (
    "Purchase order {po} has a receipt or vendor invoice dated {date}: it cannot be closed before that."
)
MSG_VENDOR_MISMATCH = "Purchase order {po} is from vendor {po_vendor}, not {vendor}."
MSG_INVOICE_NUMBER_REQUIRED = "Enter the vendor's invoice number."
MSG_INVOICE_NUMBER_TAKEN = "Vendor {vendor} already has an invoice numbered {number}."
MSG_NEGATIVE_AMOUNT = "Amount cannot be negative."
MSG_NEGATIVE_FREIGHT = "Freight cannot be negative."
MSG_NEGATIVE_COST = "Unit cost cannot be negative."
MSG_FREIGHT_NOWHERE = "Freight needs at least one inventoried line with an amount to be spread over."
MSG_NOT_INVOICED = (
    "Line {line_no} ({lic}) has {received} received but only {purchased} invoiced: "
    "enter the vendor invoice before closing the PO."
)
MSG_ALREADY_REVERSED = "Receipt {receipt} has already been reversed."
MSG_REVERSE_A_REVERSAL = "Receipt {receipt} is itself a reversal and cannot be reversed."
MSG_LOT_USED = "Lot {lot} of receipt {receipt} has been used: a receipt can be reversed only while its lots are unused."
MSG_REVERSE_CLOSED = "Purchase order {po} is closed: its receipts can no longer be reversed."
MSG_REVERSE_LOCKED = (
    "Receipt {receipt} is dated {date}, on or before the lock date {lock}: its lots are in closed books and "
    "cannot be reversed. Post a negative inventory adjustment in an open period instead."
)
MSG_REASON_REQUIRED = "Give the reason for the reversal."


# --- inputs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class POLineInput:
    lic: LineItemCode
    quantity: Decimal
    unit_cost: Decimal


@dataclass(frozen=True)
class ReceiptLineInput:
    po_line: PurchaseOrderLine
    quantity: Decimal
    mfr_lot_number: str = ""
    serial_numbers: Sequence[str] = field(default_factory=tuple)


@dataclass(frozen=True)
class InvoiceLineInput:
    po_line: PurchaseOrderLine
    quantity: Decimal
    amount: Decimal


def _fmt(value: Decimal) -> str:
    """A quantity for a message: 10.000000 -> "10", 2.500000 -> "2.5" (never "1E+1")."""
    return plain(value)


def _check_not_before_po(po: PurchaseOrder, date: datetime.date) -> None:
    if date < po.date:
        raise ValidationFailed("date_before_po", MSG_BEFORE_PO.format(date=po.date.isoformat()), field="date")


def _check_close_not_before_documents(po: PurchaseOrder, date: datetime.date) -> None:
    """The close dates its lots' cost change (po_closed): before a receipt or invoice of the PO it
    would change a lot's cost before the lot exists, or before the cost it sets was known.
    Read under the PO line locks, which receipts and invoices take too."""
    latest = max(
        filter(
            None,
            (
                Receipt.objects.filter(purchase_order=po).aggregate(d=Max("date"))["d"],
                VendorInvoice.objects.filter(purchase_order=po).aggregate(d=Max("date"))["d"],
            ),
        ),
        default=None,
    )
    if latest is not None and date < latest:
        raise ValidationFailed(
            "date_before_po_documents",
            MSG_CLOSE_BEFORE_DOCUMENTS.format(po=po.number, date=latest.isoformat()),
            field="date",
        )


def _check_lines_on_po(po: PurchaseOrder, po_lines: Sequence[PurchaseOrderLine]) -> None:
    for index, line in enumerate(po_lines):
        if line.purchase_order_id != po.pk:
            raise line_error(
                ValidationFailed("po_line_mismatch", MSG_NOT_ON_PO.format(line=line.pk, po=po.number), field="po_line"),
                index,
            )


def _locked_po_status(po: PurchaseOrder) -> str:
    """Read the PO's status after its lines are locked (close locks every line, so this is current)."""
    return PurchaseOrder.objects.filter(pk=po.pk).values_list("status", flat=True).get()


# --- purchase orders -------------------------------------------------------------------------


@transaction.atomic
def create_purchase_order(
    *, vendor: Vendor, office: Office, date: datetime.date, lines: Sequence[POLineInput], actor: User | None
) -> PurchaseOrder:
    """Create an open PO numbered ``PO-nnnnnn``. Lines may be inventoried or not."""
    check_can_post(actor, office)
    if not lines:
        raise ValidationFailed("no_lines", MSG_NO_LINES, field="lines")
    check_date_window(date)  # a commitment, not a posting: the lock date does not apply
    cleaned = []
    for index, line in enumerate(lines):
        try:
            quantity = check_quantity(line.quantity, positive=True)
            check_places(line.unit_cost, UNIT_COST_PLACES, "unit_cost")
            if line.unit_cost < 0:
                raise ValidationFailed("negative_unit_cost", MSG_NEGATIVE_COST, field="unit_cost")
            check_value_storable(quantity, line.unit_cost)  # else a line that could never be received
        except ValidationFailed as exc:
            raise line_error(exc, index) from exc
        cleaned.append((line.lic, quantity, unit_cost(line.unit_cost)))
    po = PurchaseOrder.objects.create(
        number=numbering.next_number("PO"), vendor=vendor, office=office, date=date, created_by=actor
    )
    PurchaseOrderLine.objects.bulk_create(
        PurchaseOrderLine(purchase_order=po, line_no=n, lic=lic, quantity=quantity, unit_cost=cost)
        for n, (lic, quantity, cost) in enumerate(cleaned, start=1)
    )
    return po


# --- receipts --------------------------------------------------------------------------------


@transaction.atomic
def receive_purchase_order(
    *,
    purchase_order: PurchaseOrder,
    date: datetime.date,
    lines: Sequence[ReceiptLineInput],
    actor: User | None,
    allow_over_receipt: bool = False,
    reason: str = "",
) -> Receipt:
    """Receive some or all of the PO's lines: one purchase lot per receipt line, at the PO
    line's unit cost. Refused on a closed PO (409), for non-inventoried lines, and beyond the
    open quantity unless ``allow_over_receipt`` with a ``reason`` (what was agreed with the vendor;
    recorded on the receipt)."""
    check_can_post(actor, purchase_order.office)
    if not lines:
        raise ValidationFailed("no_lines", MSG_NO_LINES, field="lines")
    check_open_date(date)
    _check_not_before_po(purchase_order, date)
    _check_lines_on_po(purchase_order, [line.po_line for line in lines])
    lot_locks.lics_for_update(line.po_line.lic_id for line in lines)
    locked = locks.po_lines_for_update(line.po_line.pk for line in lines)
    if _locked_po_status(purchase_order) != POStatus.OPEN:
        raise StateConflict("po_closed", MSG_PO_CLOSED.format(po=purchase_order.number), field=None)
    quantities = _check_receipt_lines(lines, locked, allow_over_receipt)
    reason = _check_over_receipt_reason(lines, quantities, locked, reason)
    receipt = Receipt.objects.create(
        number=numbering.next_number("RCV"),
        purchase_order=purchase_order,
        date=date,
        allow_over_receipt=allow_over_receipt,
        reason=reason,
        created_by=actor,
    )
    # a lot's transaction is the line that points at the lot: the lines' ids come first
    ids = numbering.reserve_ids(ReceiptLine, len(lines))
    receipt_lines = []
    for index, (line, quantity) in enumerate(zip(lines, quantities, strict=True)):
        try:
            receipt_lines.append(_receive_line(receipt, index + 1, ids[index], locked[line.po_line.pk], line, quantity))
        except ValidationFailed as exc:
            raise line_error(exc, index) from exc
    ReceiptLine.objects.bulk_create(receipt_lines)
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for receipt_line in receipt_lines:
        totals[receipt_line.po_line_id] += receipt_line.quantity
    _add_received(totals, locked)
    return receipt


MSG_OVER_RECEIPT_REASON = (
    "Receiving more than ordered needs a reason (what was agreed with the vendor): PO line {line_no} of {lic} "
    "would be {received} of {ordered}."
)
MSG_REASON_TOO_LONG = "The reason is too long: at most 200 characters."


def _check_over_receipt_reason(
    lines: Sequence[ReceiptLineInput], quantities: list[Decimal], locked: dict[int, PurchaseOrderLine], reason: str
) -> str:
    """An over-receipt is allowed only with a recorded reason; a receipt within the ordered
    quantities needs none (allowing it in advance changes nothing)."""
    reason = clean_text(reason)
    if len(reason) > 200:
        raise ValidationFailed("reason_too_long", MSG_REASON_TOO_LONG, field="reason")
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for line, quantity in zip(lines, quantities, strict=True):
        totals[line.po_line.pk] += quantity
    for pk, total in totals.items():
        po_line = locked[pk]
        if po_line.quantity_received + total > po_line.quantity and not reason:
            raise ValidationFailed(
                "over_receipt_reason_required",
                MSG_OVER_RECEIPT_REASON.format(
                    line_no=po_line.line_no,
                    lic=po_line.lic.code,
                    received=_fmt(po_line.quantity_received + total),
                    ordered=_fmt(po_line.quantity),
                ),
                field="reason",
            )
    return reason


def _add_received(totals: dict[int, Decimal], locked: dict[int, PurchaseOrderLine]) -> None:
    """One UPDATE for every PO line received (F() under the line locks; the CHECK is the backstop)."""
    over = [pk for pk, total in totals.items() if locked[pk].quantity_received + total > locked[pk].quantity]
    PurchaseOrderLine.objects.filter(pk__in=list(totals)).update(
        quantity_received=F("quantity_received")
        + Case(*[When(pk=pk, then=Value(total)) for pk, total in totals.items()], output_field=_QTY_FIELD),
        over_receipt_allowed=Case(When(pk__in=over, then=Value(True)), default=F("over_receipt_allowed")),
    )


def _check_receipt_lines(
    lines: Sequence[ReceiptLineInput], locked: dict[int, PurchaseOrderLine], allow_over_receipt: bool
) -> list[Decimal]:
    """Validate quantities against the locked PO lines (several receipt lines may share one)."""
    asked: dict[int, Decimal] = defaultdict(lambda: ZERO)
    quantities = []
    for index, line in enumerate(lines):
        po_line = locked[line.po_line.pk]
        try:
            if not po_line.lic.inventoried:
                raise ValidationFailed(
                    "lic_not_inventoried",
                    MSG_RECEIVE_NOT_INVENTORIED.format(lic=po_line.lic.code, line_no=po_line.line_no),
                    field="po_line",
                )
            quantity = check_quantity(line.quantity, positive=True)
            asked[po_line.pk] += quantity
            if not allow_over_receipt and po_line.quantity_received + asked[po_line.pk] > po_line.quantity:
                raise ValidationFailed(
                    "over_receipt",
                    MSG_OVER_RECEIPT.format(
                        open=_fmt(po_line.quantity_open),
                        lic=po_line.lic.code,
                        line_no=po_line.line_no,
                        ordered=_fmt(po_line.quantity),
                        received=_fmt(po_line.quantity_received),
                        asked=_fmt(asked[po_line.pk]),
                    ),
                    field="quantity",
                )
        except ValidationFailed as exc:
            raise line_error(exc, index) from exc
        quantities.append(quantity)
    return quantities


def _receive_line(
    receipt: Receipt, line_no: int, pk: int, po_line: PurchaseOrderLine, line: ReceiptLineInput, quantity: Decimal
) -> ReceiptLine:
    receipt_line = ReceiptLine(
        pk=pk,
        receipt=receipt,
        line_no=line_no,
        po_line=po_line,
        quantity=quantity,
        mfr_lot_number=clean_text(line.mfr_lot_number) if po_line.lic.track_by_mfr_lot else "",
        serial_numbers=serial_moves.clean(line.serial_numbers) if po_line.lic.serialized else [],
    )
    # The lot's transaction is the receipt line and the line points at the lot: id reserved above.
    receipt_line.lot = create_lot(
        type=LotType.PURCHASE,
        office=receipt.purchase_order.office,
        lic=po_line.lic,
        date=receipt.date,
        quantity=quantity,
        unit_cost_value=po_line.unit_cost,
        transaction_obj=receipt_line,
        transaction_label=f"{receipt.number}/{line_no}",
        parent_order=receipt.purchase_order,
        mfr_lot_number=line.mfr_lot_number,
        serial_numbers=line.serial_numbers,
    )
    return receipt_line


@transaction.atomic
def reverse_receipt(*, receipt: Receipt, date: datetime.date, reason: str, actor: User | None) -> Receipt:
    """Reverse a receipt whose lots are unused: a reversing receipt with negative lines brings
    each lot's quantity in to 0 and gives the quantity back to the PO line. The original stays."""
    check_can_post(actor, receipt.purchase_order.office)
    reason = clean_text(reason)
    if not reason:
        raise ValidationFailed("reason_required", MSG_REASON_REQUIRED, field="reason")
    if receipt.reverses_id is not None:
        raise StateConflict("reverse_a_reversal", MSG_REVERSE_A_REVERSAL.format(receipt=receipt.number))
    check_open_date(date)
    # a reversal brings the receipt's lots' quantity in to 0: lots dated in closed books would change
    # what those books show (DOMAIN.md 6a: nothing posted on or before the lock date is edited)
    lock = current_lock_date()  # stable from here to commit: check_open_date holds the lock date's lock
    if lock is not None and receipt.date <= lock:
        raise StateConflict(
            "receipt_locked",
            MSG_REVERSE_LOCKED.format(receipt=receipt.number, date=receipt.date.isoformat(), lock=lock.isoformat()),
        )
    po = receipt.purchase_order
    _check_not_before_po(po, date)
    check_reversal_date(date, document=f"Receipt {receipt.number}", document_date=receipt.date)
    lines = list(receipt.lines.select_related("po_line").order_by("line_no"))
    lot_locks.lics_for_update(line.po_line.lic_id for line in lines)
    lots = lot_locks.lots_for_update(line.lot_id for line in lines)
    locks.po_lines_for_update(line.po_line_id for line in lines)
    if Receipt.objects.filter(reverses=receipt).exists():
        raise StateConflict("already_reversed", MSG_ALREADY_REVERSED.format(receipt=receipt.number))
    if _locked_po_status(po) != POStatus.OPEN:
        raise StateConflict("po_closed", MSG_REVERSE_CLOSED.format(po=po.number))
    used = first_used_lot(lots)
    if used is not None:
        raise StateConflict("lot_used", MSG_LOT_USED.format(lot=used.number, receipt=receipt.number))
    reversal = Receipt.objects.create(
        number=numbering.next_number("RCV"),
        purchase_order=po,
        date=date,
        reverses=receipt,
        reason=reason,
        created_by=actor,
    )
    ReceiptLine.objects.bulk_create(
        ReceiptLine(
            receipt=reversal,
            line_no=line.line_no,
            po_line_id=line.po_line_id,
            quantity=-line.quantity,
            lot_id=line.lot_id,
            serial_numbers=line.serial_numbers,
        )
        for line in lines
    )
    for line in lines:
        PurchaseOrderLine.objects.filter(pk=line.po_line_id).update(
            quantity_received=F("quantity_received") - line.quantity
        )
        Lot.objects.filter(pk=line.lot_id).update(qty_in=F("qty_in") - line.quantity)
        mark_cogs_pending(lots[line.lot_id].lic_id, lots[line.lot_id].office_id)
    # The serial numbers go back to being unused (they stay listed on both receipt lines).
    LotSerial.objects.filter(lot_id__in=list(lots)).delete()
    return reversal


# --- vendor invoices -------------------------------------------------------------------------


def _check_invoice_header(vendor: Vendor, po: PurchaseOrder, number: str, freight: Decimal) -> None:
    if not number:
        raise ValidationFailed("invoice_number_required", MSG_INVOICE_NUMBER_REQUIRED, field="number")
    if po.vendor_id != vendor.pk:
        raise ValidationFailed(
            "vendor_mismatch",
            MSG_VENDOR_MISMATCH.format(po=po.number, po_vendor=po.vendor.code, vendor=vendor.code),
            field="vendor",
        )
    check_places(freight, MONEY_PLACES, "freight")
    if freight < 0:
        raise ValidationFailed("negative_freight", MSG_NEGATIVE_FREIGHT, field="freight")


def _check_invoice_lines(lines: Sequence[InvoiceLineInput]) -> list[tuple[Decimal, Decimal]]:
    cleaned = []
    for index, line in enumerate(lines):
        try:
            quantity = check_quantity(line.quantity, positive=True)
            check_places(line.amount, MONEY_PLACES, "amount")
            if line.amount < 0:
                raise ValidationFailed("negative_amount", MSG_NEGATIVE_AMOUNT, field="amount")
        except ValidationFailed as exc:
            raise line_error(exc, index) from exc
        cleaned.append((quantity, money(line.amount)))
    return cleaned


@transaction.atomic
def post_vendor_invoice(
    *,
    vendor: Vendor,
    purchase_order: PurchaseOrder,
    number: str,
    date: datetime.date,
    lines: Sequence[InvoiceLineInput],
    actor: User | None,
    freight: Decimal = ZERO,
) -> VendorInvoice:
    """Post a vendor invoice against PO lines; freight is spread over its inventoried lines by
    amount (DOMAIN.md 4). Refused on a closed PO (409)."""
    check_can_post(actor, purchase_order.office)
    number = clean_text(number)
    freight = freight if freight is not None else ZERO
    if not lines:
        raise ValidationFailed("no_lines", MSG_NO_LINES, field="lines")
    _check_invoice_header(vendor, purchase_order, number, freight)
    check_open_date(date)
    _check_not_before_po(purchase_order, date)
    _check_lines_on_po(purchase_order, [line.po_line for line in lines])
    cleaned = _check_invoice_lines(lines)
    locked = locks.po_lines_for_update(line.po_line.pk for line in lines)
    if _locked_po_status(purchase_order) != POStatus.OPEN:
        raise StateConflict("po_closed", MSG_PO_CLOSED.format(po=purchase_order.number))
    shares = spread_freight(
        freight,
        [
            FreightLine(
                line_no=n,
                amount=amount,
                inventoried=locked[line.po_line.pk].lic.inventoried,
                po_line_no=locked[line.po_line.pk].line_no,
            )
            for n, (line, (_, amount)) in enumerate(zip(lines, cleaned, strict=True), start=1)
        ],
    )
    if shares is None:
        raise ValidationFailed("freight_without_lines", MSG_FREIGHT_NOWHERE, field="freight")
    invoice = _create_invoice(vendor, purchase_order, number, date, money(freight), actor)
    invoice_lines = [
        VendorInvoiceLine(
            invoice=invoice, line_no=n, po_line=line.po_line, quantity=quantity, amount=amount, freight_share=shares[n]
        )
        for n, (line, (quantity, amount)) in enumerate(zip(lines, cleaned, strict=True), start=1)
    ]
    VendorInvoiceLine.objects.bulk_create(invoice_lines)
    for invoice_line in sorted(invoice_lines, key=lambda x: x.po_line.pk):
        PurchaseOrderLine.objects.filter(pk=invoice_line.po_line.pk).update(
            quantity_purchased=F("quantity_purchased") + invoice_line.quantity,
            amount_invoiced=F("amount_invoiced") + invoice_line.amount,
            freight_allocated=F("freight_allocated") + invoice_line.freight_share,
        )
    return invoice


def _create_invoice(vendor, po, number, date, freight, actor) -> VendorInvoice:
    taken = MSG_INVOICE_NUMBER_TAKEN.format(vendor=vendor.code, number=number)
    if VendorInvoice.objects.filter(vendor=vendor, number=number).exists():
        raise ValidationFailed("duplicate_invoice_number", taken, field="number")
    try:
        with transaction.atomic():  # a savepoint: a concurrent duplicate is a clear error, not a 500
            return VendorInvoice.objects.create(
                vendor=vendor, purchase_order=po, number=number, date=date, freight=freight, created_by=actor
            )
    except IntegrityError as exc:
        raise ValidationFailed("duplicate_invoice_number", taken, field="number") from exc


# --- closing ---------------------------------------------------------------------------------


@transaction.atomic
def close_purchase_order(*, purchase_order: PurchaseOrder, date: datetime.date, actor: User | None) -> PurchaseOrder:
    """Close the PO: every lot of a received line gets the unit cost (amount invoiced + freight
    allocated) / quantity received, recorded as a cost change (cause po_closed). Lines with
    nothing received just close. Refused while a line has received quantity not yet invoiced."""
    check_can_post(actor, purchase_order.office)
    po = purchase_order
    check_open_date(date)
    _check_not_before_po(po, date)
    line_ids = list(po.lines.values_list("pk", "lic_id"))
    lot_locks.lics_for_update(lic_id for _, lic_id in line_ids)
    receipt_lots = list(
        ReceiptLine.objects.filter(po_line__purchase_order=po, quantity__gt=0).values_list("po_line_id", "lot_id")
    )
    lots = lot_locks.lots_for_update(lot_id for _, lot_id in receipt_lots)
    locked = locks.po_lines_for_update(pk for pk, _ in line_ids)
    if _locked_po_status(po) != POStatus.OPEN:
        raise StateConflict("po_already_closed", MSG_PO_ALREADY_CLOSED.format(po=po.number))
    _check_close_not_before_documents(po, date)
    new_costs = {}
    for line in sorted(locked.values(), key=lambda x: x.line_no):
        if line.quantity_received <= 0:
            continue
        if line.quantity_received > line.quantity_purchased:
            raise StateConflict(
                "po_not_fully_invoiced",
                MSG_NOT_INVOICED.format(
                    line_no=line.line_no,
                    lic=line.lic.code,
                    received=_fmt(line.quantity_received),
                    purchased=_fmt(line.quantity_purchased),
                ),
            )
        new_costs[line.pk] = closing_unit_cost(
            amount_invoiced=line.amount_invoiced,
            freight_allocated=line.freight_allocated,
            quantity_received=line.quantity_received,
        )
    for po_line_id, lot_id in sorted(receipt_lots, key=lambda x: x[1]):
        lot = lots[lot_id]
        if po_line_id in new_costs and lot.qty_in > 0:
            change_lot_unit_cost_locked(
                lot=lot,
                new_unit_cost=new_costs[po_line_id],
                cause=CostChangeCause.PO_CLOSED,
                date=date,
                actor=actor,
                source_label=po.number,
            )
    PurchaseOrder.objects.filter(pk=po.pk).update(status=POStatus.CLOSED, closed_on=date, closed_by=actor)
    po.refresh_from_db()
    return po


# --- master data: vendors ----------------------------------------------------------------------

VENDOR_EDITABLE_FIELDS = ("code", "name")


@transaction.atomic
def update_vendor(*, vendor: Vendor, actor: User | None, **changes) -> Vendor:
    """Change a vendor's code or name (audit history records who)."""
    from core.master_data import apply_changes

    apply_changes(vendor, changes, editable=VENDOR_EDITABLE_FIELDS, actor=actor)
    return vendor
