"""Reads of transfers: the list and one transfer with its lines (their LIC, usage and lot); what the
reversals dated after a date took back from the transfer lots (a physical count's book)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Prefetch, QuerySet, Sum

from inventory_lots.scope import EVERYTHING, Scope

from .models import Transfer, TransferLine


def transfer_list(scope: Scope = EVERYTHING) -> QuerySet[Transfer]:
    """Newest first, with what every list shows and the lines (one query for all the lines). A
    transfer is seen by the users of either office (DOMAIN.md section 11)."""
    lines = TransferLine.objects.select_related("lic", "lot", "usage", "reverses_line__lot").order_by("line_no")
    return (
        Transfer.objects.visible_to(scope)
        .select_related("from_office", "to_office")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .order_by("-date", "-id")
    )


def later_reversals(office, date: datetime.date, lic_ids: list[int]) -> dict[int, Decimal]:
    """{LIC id: Σ the reversal lines (-quantity) dated after ``date`` of the transfer lots of ``office``
    dated on or before it}: the quantity those lots had at ``date`` that their qty_in lost since
    (inventory_lots.counts.register_later_quantity)."""
    return dict(
        TransferLine.objects.filter(
            reverses_line__isnull=False,
            reverses_line__lot__office=office,
            reverses_line__lot__date__lte=date,
            lic_id__in=lic_ids,
            transfer__date__gt=date,
        )
        .values("lic_id")
        .annotate(q=Sum("quantity"))
        .values_list("lic_id", "q")
    )
