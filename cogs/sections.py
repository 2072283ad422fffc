"""The COGS sections of the lot page (position 90, key ``cogs``) and of the usage page."""

from __future__ import annotations

from inventory_lots.models import InventoryUsage, Lot
from inventory_lots.sections import Section

from . import selectors
from .models import EntryKind


def inventory_cogs_section(lot: Lot) -> Section:
    """Inventory COGS: the lot's entries, run by run (2 queries)."""
    entries = selectors.lot_entries(lot)
    api = [
        {
            "run": e.run_id,
            "date": e.date.isoformat(),
            "usage": e.usage_id,
            "kind": EntryKind(e.kind).name.lower(),
            "quantity": str(e.quantity),
            "value": str(e.value),
        }
        for e in entries
    ]
    return Section(
        key="cogs",
        title="Inventory COGS",
        template="cogs/_section_lot_cogs.html",
        context={"groups": selectors.group_by_run(entries)},
        api=api,
    )


def usage_cogs_section(usage: InventoryUsage) -> Section:
    """The usage page: its allocations (net per lot) and every entry (3 queries)."""
    entries = selectors.usage_entries(usage)
    return Section(
        key="cogs",
        title="COGS allocations and entries",
        template="cogs/_section_usage_cogs.html",
        context={"allocations": selectors.allocations_with_lots(usage), "entries": entries, "usage": usage},
    )
