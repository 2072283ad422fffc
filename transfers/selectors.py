"""Reads of transfers: the list and one transfer with its lines (their LIC, usage and lot)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from .models import Transfer, TransferLine


def transfer_list() -> QuerySet[Transfer]:
    """Newest first, with what every list shows and the lines (one query for all the lines)."""
    lines = TransferLine.objects.select_related("lic", "lot", "usage").order_by("line_no")
    return (
        Transfer.objects.select_related("from_office", "to_office")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .order_by("-date", "-id")
    )
