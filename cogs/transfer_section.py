"""A transfer lot's "Transferred from" section (DOMAIN.md 9): the transfer, its usage in the source
office and that usage's allocations there (the lots it took from, net quantity and value), with Go-To
links both ways. In the COGS app because the allocations are COGS entries; two queries."""

from __future__ import annotations

from django.db.models import Sum

from inventory_lots.models import Lot, LotType
from inventory_lots.sections import Section
from inventory_lots.selectors import ROW_OFFICE
from transfers.models import TransferLine

from .models import CogsEntry


def transferred_from_section(lot: Lot) -> Section | None:
    if lot.type != LotType.TRANSFER:
        return None
    line = (
        TransferLine.objects.select_related("transfer__from_office", "usage__cogs_state").filter(lot_id=lot.pk).first()
    )
    if line is None:
        return None
    usage = line.usage
    allocations = list(
        CogsEntry.objects.filter(usage_id=usage.pk, lot__isnull=False)
        .values("lot_id", "lot__number", "lot__office_id", "lot__office__code")
        .annotate(quantity=Sum("quantity"), value=Sum("value"))
        .order_by("lot_id")
    )
    return Section(
        key="transferred_from",
        title="Transferred from",
        template="cogs/_section_transferred_from.html",
        context={"line": line, "transfer": line.transfer, "usage": usage, "allocations": allocations},
        api={
            "transfer": line.transfer_id,
            "transfer_number": line.transfer.number,
            "from_office": line.transfer.from_office.code,
            "usage": usage.pk,
            "quantity": str(usage.quantity),
            "allocated_quantity": str(usage.allocated_quantity),
            "cogs_value": str(usage.cogs_value),
            "allocations": [
                {
                    ROW_OFFICE: a["lot__office_id"],  # a lot of an unseen office: one line (lot_sections)
                    "lot": a["lot_id"],
                    "lot_number": a["lot__number"],
                    "quantity": str(a["quantity"]),
                    "value": str(a["value"]),
                }
                for a in allocations
            ],
        },
    )
