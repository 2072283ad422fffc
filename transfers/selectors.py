"""Reads of transfers: the list and one transfer with its lines (their LIC, usage and lot); what the
reversals dated after a date took back from the transfer lots (a physical count's book)."""

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


# a transfer's reversal lines (-quantity) dated after the count's date, on transfer lots dated on or before
# it: what the lots had then and their qty_in lost since (inventory_lots.counts.register_later_quantity)
LATER_REVERSALS = """SELECT r.lic_id, r.quantity FROM transfers_transferline r
    JOIN transfers_transferline o ON o.id = r.reverses_line_id
    JOIN transfers_transfer t ON t.id = r.transfer_id
    JOIN inventory_lots_lot l ON l.id = o.lot_id
    WHERE l.office_id = %(office)s AND l.date <= %(d)s AND l.lic_id = ANY(%(lics)s) AND t.date > %(d)s"""
