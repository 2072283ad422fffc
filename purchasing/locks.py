"""The only place select_for_update() appears for purchasing models.

Global lock order (see inventory_lots/locks.py): LIC rows first, then lots, then document lines
(here: PO lines) by pk. Every purchasing service that touches lots takes the LIC locks through
``inventory_lots.locks`` before calling these.
"""

from __future__ import annotations

from collections.abc import Iterable

from .models import PurchaseOrderLine


def po_lines_for_update(line_ids: Iterable[int]) -> dict[int, PurchaseOrderLine]:
    """Lock PO lines by pk (``FOR NO KEY UPDATE``: receipt/invoice lines may still reference them)."""
    rows = (
        PurchaseOrderLine.objects.select_for_update(no_key=True, of=("self",))
        .select_related("lic")
        .filter(pk__in=sorted(set(line_ids)))
        .order_by("pk")
    )
    return {line.pk: line for line in rows}
