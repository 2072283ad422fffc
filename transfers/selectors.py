"""Reads of transfers: the list and one transfer with its lines (their LIC, usage and lot)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

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
