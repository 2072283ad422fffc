"""A page of usages' allocations in one query, for the usage list of the API (registered with
inventory_lots.selectors.register_allocation_reader in CogsConfig.ready).

The same figures as ``cogs.selectors.usage_allocations`` (net quantity and value per lot, lots in
the order of their first entry; accruals are not allocations) for many usages at once. Kept out
of cogs/selectors.py while that module is being changed elsewhere; it can move there."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from core.money import ZERO

from .models import CogsEntry


def usages_allocations(usage_ids: Iterable[int]) -> dict[int, list[dict]]:
    """``{usage id: [{lot, quantity, value}]}`` (strings for decimals); usages without
    allocations are left out."""
    ids = sorted(set(usage_ids))
    if not ids:
        return {}
    rows = (
        CogsEntry.objects.filter(usage_id__in=ids, lot__isnull=False)
        .order_by("usage_id", "id")
        .values_list("usage_id", "lot_id", "quantity", "value")
    )
    totals: dict[int, dict[int, list[Decimal]]] = {}
    for usage_id, lot_id, quantity, value in rows:
        t = totals.setdefault(usage_id, {}).setdefault(lot_id, [ZERO, ZERO])
        t[0] += quantity
        t[1] += value
    return {
        usage_id: [{"lot": lot_id, "quantity": str(q), "value": str(v)} for lot_id, (q, v) in lots.items()]
        for usage_id, lots in totals.items()
    }
