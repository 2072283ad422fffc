"""The lot page's "Cost History" (position 100, key ``cost_history``) and "Trace" (position 110,
page only) sections."""

from __future__ import annotations

from inventory_lots.models import Lot
from inventory_lots.sections import Section

from . import selectors
from .forms import UnitCostCorrectionForm


def cost_history_section(lot: Lot) -> Section:
    """Every unit cost change with the COGS adjustments it caused (2 queries)."""
    rows, unattributed = selectors.cost_history(lot)
    return Section(
        key="cost_history",
        title="Cost History",
        template="traceability/_section_cost_history.html",
        context={
            "rows": rows,
            "unattributed": unattributed,
            "form": UnitCostCorrectionForm(initial={"unit_cost": lot.unit_cost}),
        },
        api=selectors.cost_history_api(rows),
    )


def trace_section(lot: Lot) -> Section:
    """Links to the trace (down and up) and the recall report (no query)."""
    return Section(
        key="",
        title="Trace",
        template="traceability/_section_trace.html",
        context={"production": lot.type == "production"},
    )
