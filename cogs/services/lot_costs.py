"""Step 3's first half (DOMAIN.md 6): the lots whose cost follows COGS -- production lots (their
component usage, DOMAIN.md 5) and transfer lots (their transfer usage, DOMAIN.md 9) -- recomputed in
dependency order, round by round (cogs.services.runs).

A job marks the lots fed by a usage whose COGS value moved (``feeding_lots``; the production orders of
component usage are found by the engine's reads, transfer lots through ``transfer_usage_lots``); the
next round recomputes them (``recompute``) before planning their pair, so the change flows on. A lot
whose cost would depend on itself (a cycle of transfers and production: the lot's inputs were, through
other lots, allocated from the lot itself) is not changed: it is reported as an exception of the run
(``CostCycle``), so a run never loops on it.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import NamedTuple

from django.contrib.auth.models import User
from django.db import connection

from core.money import unit_cost
from inventory_lots.models import Lot, LotType, UsageKind
from production import selectors as production_selectors
from production.services import recompute_production_lot_cost_locked
from transfers.services import recompute_transfer_lot_cost_locked, transfer_lot_target_cost

MSG_CYCLE = (
    "Lot {lot}: its unit cost would depend on itself through transfers or production (its cost "
    "{old} would become {new}); left as it is. Reverse or correct one of the documents in the cycle."
)

# the transfer usage of the job's pairs (office, LICs) and the lot each feeds
TRANSFER_USAGE_LOTS_SQL = """
SELECT t.usage_id, t.lot_id FROM transfers_transferline t
JOIN transfers_transfer d ON d.id = t.transfer_id
WHERE d.from_office_id = %s AND t.lic_id = ANY(%s)
"""

# Does the lot feed itself? The lots its inputs were allocated from, and theirs, transitively (UNION:
# each lot once); ``feeds`` (lot <- the usage it is made of) is inlined into each step, so only the
# lots met are read (transfers_transferline's unique lot index, production_productionorder's lot
# index, usage_source, cogsentry_usage_id).
SELF_DEPENDENT_SQL = f"""
WITH RECURSIVE feeds AS NOT MATERIALIZED (
    SELECT t.lot_id, t.usage_id FROM transfers_transferline t
    UNION ALL
    SELECT p.lot_id, u.id FROM production_productionorder p
    JOIN inventory_lots_inventoryusage u
      ON u.source_type_id = %(ct)s AND u.source_id = p.id AND u.kind = '{UsageKind.PRODUCTION.value}'
    WHERE p.lot_id IS NOT NULL
), dep(lot_id) AS (
    SELECT e.lot_id FROM feeds f JOIN cogs_cogsentry e ON e.usage_id = f.usage_id
    WHERE f.lot_id = %(lot)s AND e.lot_id IS NOT NULL
    UNION
    SELECT e.lot_id FROM dep d JOIN feeds f ON f.lot_id = d.lot_id
    JOIN cogs_cogsentry e ON e.usage_id = f.usage_id WHERE e.lot_id IS NOT NULL
)
SELECT EXISTS (SELECT 1 FROM dep WHERE lot_id = %(lot)s)
"""  # noqa: S608 (constants only)


class CostCycle(NamedTuple):
    lic_id: int
    lot_id: int
    message: str


def transfer_usage_lots(office_id: int, lic_ids: list[int]) -> dict[int, int]:
    """Transfer usage id -> the transfer lot it feeds, for the job's pairs."""
    with connection.cursor() as cursor:
        cursor.execute(TRANSFER_USAGE_LOTS_SQL, [office_id, lic_ids])
        return dict(cursor.fetchall())


def depends_on_itself(lot_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            SELF_DEPENDENT_SQL, {"ct": production_selectors.production_order_content_type().pk, "lot": lot_id}
        )
        return bool(cursor.fetchone()[0])


def _target(lot: Lot) -> tuple[Decimal | None, object]:
    """(the lot's target unit cost or None, its production order or None)."""
    if lot.type == LotType.TRANSFER:
        return transfer_lot_target_cost(lot), None
    order = production_selectors.production_order_for_lot(lot)
    if order is None:
        return None, None
    return unit_cost(production_selectors.cost_inputs(order, lot).unit_cost), order


def recompute(lot_ids: list[int], *, date: datetime.date, actor: User | None) -> list[CostCycle]:
    """Recompute these lots' unit costs (the caller holds their LICs' locks), ascending by id;
    returns the lots left as they are because their cost would depend on itself."""
    cycles: list[CostCycle] = []
    for lot in Lot.objects.filter(pk__in=lot_ids).order_by("pk"):
        target, _ = _target(lot)
        if target is None or target == lot.unit_cost:
            continue
        if depends_on_itself(lot.pk):
            message = MSG_CYCLE.format(lot=lot.number, old=lot.unit_cost.normalize(), new=target.normalize())
            cycles.append(CostCycle(lot.lic_id, lot.pk, message))
            continue
        if lot.type == LotType.TRANSFER:
            recompute_transfer_lot_cost_locked(lot=lot, date=date, actor=actor, target=target)
        else:
            recompute_production_lot_cost_locked(lot=lot, date=date, actor=actor)
    return cycles
