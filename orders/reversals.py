"""Reversal of shipments and customer returns (DOMAIN.md 9), by accountants, as receipts and job costs
already have: a reason, a date in the open period (not before the document), linked both ways, never
twice and never of a reversal (409).

- A shipment is reversed by a customer return (``reverses_shipment``) whose lines name each shipment
  line's usage, for what that usage still holds net of earlier returns naming it: a line with
  nothing left is skipped, a shipment with nothing left on any line is refused (409
  ``nothing_to_reverse``). Serialized LICs return the serials still out on the usage.
- A customer return is reversed by a shipment (``reverses_return``) whose lines are positive
  shipment usage naming the return's usage (``reverses_usage``): COGS puts each back on the lots the
  return gave back to first (cogs.allocation), so a reversed return puts back exactly what it took.
  Serialized LICs ship the serials the return brought back, which must still be in stock (409
  ``serial_out_again`` otherwise: reverse what took them first).

A reversal is a correction, not new business: it is allowed on a closed order and is not held to the
order's return limit (the domain's limit is the usage's own, net of its returns). A module of its
own beside orders/services.py (which it uses): the two documents' reversals share their rules.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Sum

from core import numbering
from core.errors import StateConflict
from inventory_lots import locks
from inventory_lots.dates import check_reversal_date
from inventory_lots.models import InventoryUsage, SerialUse, UsageKind
from inventory_lots.reversals import check_reason
from inventory_lots.scope import check_can_post
from inventory_lots.services import check_open_date, record_usage_locked

from . import locks as order_locks
from .models import CustomerReturn, ReturnLine, Shipment, ShipmentLine
from .services import record_return_usage

MSG_REVERSE_A_REVERSAL = "{document} is itself a reversal (of {original}) and cannot be reversed."
MSG_ALREADY_REVERSED = "{document} has already been reversed by {reversal}."
MSG_NOTHING_LEFT = "Every line of shipment {document} has already come back: there is nothing left to reverse."
MSG_SERIAL_OUT_AGAIN = (
    "Serial number(s) of {lic} that return {document} brought back are out again ({serials}): reverse what "
    "took them first."
)


def still_held(usage: InventoryUsage) -> Decimal:
    """A usage's quantity net of the returns naming it (what a reversal gives back)."""
    returned = usage.returns.aggregate(s=Sum("quantity"))["s"] or Decimal(0)
    return usage.quantity + returned


def _serials_out_on(usage: InventoryUsage) -> list[str]:
    return sorted(
        SerialUse.objects.filter(usage=usage, returned_by__isnull=True).values_list("serial__serial_number", flat=True)
    )


@transaction.atomic
def reverse_shipment(*, shipment: Shipment, date: datetime.date, reason: str, actor: User | None) -> CustomerReturn:
    """Reverse a shipment with a customer return naming each line's usage (see the module's doc)."""
    check_can_post(actor, shipment.order.office)
    reason = check_reason(reason)
    if shipment.reverses_return_id is not None:
        raise StateConflict(
            "reverse_a_reversal",
            MSG_REVERSE_A_REVERSAL.format(document=f"Shipment {shipment.number}", original=shipment.reverses_return),
        )
    check_open_date(date)
    check_reversal_date(date, document=f"Shipment {shipment.number}", document_date=shipment.date)
    lines = list(shipment.lines.select_related("lic", "usage").order_by("line_no"))
    locks.lics_for_update(line.lic_id for line in lines)
    order = order_locks.order_for_share(shipment.order_id)
    done = CustomerReturn.objects.filter(reverses_shipment=shipment).first()
    if done is not None:
        raise StateConflict(
            "already_reversed", MSG_ALREADY_REVERSED.format(document=f"Shipment {shipment.number}", reversal=done)
        )
    left = {line.pk: still_held(line.usage) for line in lines}
    if not any(q > 0 for q in left.values()):
        raise StateConflict("nothing_to_reverse", MSG_NOTHING_LEFT.format(document=shipment.number))
    document = CustomerReturn.objects.create(
        number=numbering.next_number("RT"),
        order=order,
        date=date,
        reverses_shipment=shipment,
        reason=reason,
        created_by=actor,
    )
    rows = []
    for line in lines:
        quantity = left[line.pk]
        if quantity <= 0:
            continue  # already back in full
        usage = record_return_usage(
            document=document,
            order=order,
            lic=line.lic,
            date=date,
            quantity=quantity,
            returns_usage=line.usage,
            serial_numbers=_serials_out_on(line.usage) if line.lic.serialized else (),
            actor=actor,
        )
        rows.append(
            ReturnLine(customer_return=document, line_no=len(rows) + 1, lic=line.lic, quantity=quantity, usage=usage)
        )
    ReturnLine.objects.bulk_create(rows)
    return document


@transaction.atomic
def reverse_return(
    *, customer_return: CustomerReturn, date: datetime.date, reason: str, actor: User | None
) -> Shipment:
    """Reverse a customer return with a shipment whose usage names each line's return usage."""
    check_can_post(actor, customer_return.order.office)
    reason = check_reason(reason)
    document_name = f"Customer return {customer_return.number}"
    if customer_return.reverses_shipment_id is not None:
        raise StateConflict(
            "reverse_a_reversal",
            MSG_REVERSE_A_REVERSAL.format(document=document_name, original=customer_return.reverses_shipment),
        )
    check_open_date(date)
    check_reversal_date(date, document=document_name, document_date=customer_return.date)
    lines = list(customer_return.lines.select_related("lic", "usage").order_by("line_no"))
    locks.lics_for_update(line.lic_id for line in lines)
    order = order_locks.order_for_share(customer_return.order_id)
    done = Shipment.objects.filter(reverses_return=customer_return).first()
    if done is not None:
        raise StateConflict("already_reversed", MSG_ALREADY_REVERSED.format(document=document_name, reversal=done))
    serials = {line.pk: _serials_back_by(line, customer_return) for line in lines}
    shipment = Shipment.objects.create(
        number=numbering.next_number("SH"),
        order=order,
        date=date,
        reverses_return=customer_return,
        reason=reason,
        created_by=actor,
    )
    rows = []
    for line in lines:
        usage = record_usage_locked(
            lic=line.lic,
            office=order.office,
            date=date,
            quantity=-line.usage.quantity,
            kind=UsageKind.SHIPMENT,
            source=shipment,
            source_label=shipment.number,
            actor=actor,
            reverses_usage=line.usage,
            serial_numbers=serials[line.pk],
        )
        rows.append(
            ShipmentLine(shipment=shipment, line_no=line.line_no, lic=line.lic, quantity=usage.quantity, usage=usage)
        )
    ShipmentLine.objects.bulk_create(rows)
    shipment.warnings = []
    return shipment


def _serials_back_by(line: ReturnLine, customer_return: CustomerReturn) -> list[str]:
    """The serials a return line brought back, refused (409) when any has left stock again."""
    if not line.lic.serialized:
        return []
    serials = sorted(SerialUse.objects.filter(returned_by=line.usage).values_list("serial__serial_number", flat=True))
    out_again = SerialUse.objects.filter(
        serial__lic=line.lic, serial__serial_number__in=serials, returned_by__isnull=True
    ).select_related("usage", "serial")
    taken = sorted(f"{u.serial.serial_number} on {u.usage.source_label}" for u in out_again)
    if taken:
        raise StateConflict(
            "serial_out_again",
            MSG_SERIAL_OUT_AGAIN.format(lic=line.lic.code, document=customer_return.number, serials=", ".join(taken)),
        )
    return serials
