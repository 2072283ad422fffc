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

from core.money import plain, unit_cost
from inventory_lots.models import Lot, LotType, UsageKind
from production import selectors as production_selectors
from production.services import recompute_production_lot_cost_locked
from transfers.services import (
    recompute_transfer_lot_costs_locked,
    transfer_lot_target_cost,
    transfer_lot_target_costs,
)

MSG_CYCLE = (
    "Lot {lot}: its unit cost would depend on itself through transfers or production (its cost "
    "{old} would become {new}); left as it is. Reverse or correct one of the documents in the cycle."
)

# the transfer usage of the job's pairs (offices x LICs, narrowed to the pairs by the caller) and the
# lot each feeds (a reversal's usage feeds none)
TRANSFER_USAGE_LOTS_SQL = """
SELECT d.from_office_id, t.lic_id, t.usage_id, t.lot_id, d.number FROM transfers_transferline t
JOIN transfers_transfer d ON d.id = t.transfer_id
WHERE d.from_office_id = ANY(%s) AND t.lic_id = ANY(%s) AND t.lot_id IS NOT NULL
"""

# Each given lot with the lots its inputs were allocated from: the entries (cogsentry_usage_id) of the
# usage it is made of -- a transfer lot's transfer usage (transfers_transferline's unique lot index), a
# production lot's component usage (production_productionorder's lot index, usage_source).
# ``self_dependent`` walks it level by level, one indexed lookup per level for all the lots of a
# round (a recursive CTE per lot was planned as a merge join over every entry and transfer line:
# ~100 ms a lot, paid by every recomputed lot).
FED_BY_SQL = f"""
SELECT DISTINCT f.lot_id, e.lot_id FROM (
    SELECT t.lot_id, t.usage_id FROM transfers_transferline t WHERE t.lot_id = ANY(%(lots)s)
    UNION ALL
    SELECT p.lot_id, u.id FROM production_productionorder p
    JOIN inventory_lots_inventoryusage u
      ON u.source_type_id = %(ct)s AND u.source_id = p.id AND u.kind = '{UsageKind.PRODUCTION.value}'
    WHERE p.lot_id = ANY(%(lots)s)
) f JOIN cogs_cogsentry e ON e.usage_id = f.usage_id
WHERE e.lot_id IS NOT NULL
"""  # noqa: S608 (constants only)


class CostCycle(NamedTuple):
    lic_id: int
    lot_id: int
    message: str
    office_id: int


def transfer_usage_lots(pairs: list[tuple[int, int]]) -> tuple[dict[int, int], dict[int, str]]:
    """For the job's pairs (office, LIC): transfer usage id -> the transfer lot it feeds, and each
    such lot's transfer number."""
    wanted = set(pairs)
    usages: dict[int, int] = {}
    numbers: dict[int, str] = {}
    with connection.cursor() as cursor:
        cursor.execute(TRANSFER_USAGE_LOTS_SQL, [sorted({o for o, _ in pairs}), sorted({lic for _, lic in pairs})])
        for office, lic, usage, lot, number in cursor.fetchall():
            if (office, lic) in wanted:
                usages[usage] = lot
                numbers[lot] = number
    return usages, numbers


def self_dependent(lot_ids: list[int]) -> set[int]:
    """The lots among these that are among the lots their own inputs were allocated from, transitively.
    Every lot's inputs are read once (memo), and each walk stops at lots it has met, so it ends on any
    graph (cycles elsewhere included)."""
    ct = production_selectors.production_order_content_type().pk
    inputs: dict[int, set[int]] = {}
    reached: dict[int, set[int]] = {lot: set() for lot in lot_ids}
    frontier: dict[int, set[int]] = {lot: {lot} for lot in lot_ids}
    looped: set[int] = set()
    with connection.cursor() as cursor:
        while frontier:
            unread = sorted({lot for lots in frontier.values() for lot in lots} - inputs.keys())
            if unread:
                cursor.execute(FED_BY_SQL, {"ct": ct, "lots": unread})
                for lot in unread:
                    inputs[lot] = set()
                for fed, source in cursor.fetchall():
                    inputs[fed].add(source)
            following: dict[int, set[int]] = {}
            for origin, lots in frontier.items():
                found = set().union(*(inputs[lot] for lot in lots)) - reached[origin]
                if origin in found:
                    looped.add(origin)
                elif found:
                    reached[origin] |= found
                    following[origin] = found
            frontier = following
    return looped


def _target(lot: Lot) -> tuple[Decimal | None, object]:
    """(the lot's target unit cost or None, its production order or None)."""
    if lot.type == LotType.TRANSFER:
        return transfer_lot_target_cost(lot), None
    order = production_selectors.production_order_for_lot(lot)
    if order is None:
        return None, None
    return unit_cost(production_selectors.cost_inputs(order, lot).unit_cost), order


def recompute(lot_ids: list[int], *, date: datetime.date, actor: User | None) -> list[CostCycle]:
    """Recompute these lots' unit costs (the caller holds their LICs' locks); returns the lots left as
    they are because their cost would depend on itself. Transfer lots go in a batch (their targets, the
    cycle check and the writes: a few queries for the whole round's lots); production lots one by one
    (their costs read their orders' components). A cost change is a new value for the lot's own pair,
    planned after this: no lot's change alters another's target or the allocations the check walks, so
    the order here does not matter."""
    rows = list(
        Lot.objects.filter(pk__in=lot_ids)
        .order_by("pk")
        .values_list("pk", "type", "lic_id", "number", "date", "unit_cost", "office_id")
    )
    transfer_targets = transfer_lot_target_costs([row[0] for row in rows if row[1] == LotType.TRANSFER])
    produced = Lot.objects.in_bulk([row[0] for row in rows if row[1] != LotType.TRANSFER])
    changing: list[tuple[tuple, Decimal]] = []  # (the lot's row, its target)
    for row in rows:
        target = transfer_targets.get(row[0]) if row[1] == LotType.TRANSFER else _target(produced[row[0]])[0]
        if target is not None and target != row[5]:
            changing.append((row, target))
    looped = self_dependent([row[0] for row, _ in changing]) if changing else set()
    cycles: list[CostCycle] = []
    transfers: list[tuple[int, datetime.date, Decimal]] = []
    for (pk, type_, lic_id, number, lot_date, old, office_id), target in changing:
        if pk in looped:
            message = MSG_CYCLE.format(lot=number, old=plain(old), new=plain(target))
            cycles.append(CostCycle(lic_id, pk, message, office_id))
        elif type_ == LotType.TRANSFER:
            transfers.append((pk, lot_date, target))
        else:
            recompute_production_lot_cost_locked(lot=produced[pk], date=date, actor=actor)
    # their pairs are the job's, planned after this (their pending marks taken): not marked again
    recompute_transfer_lot_costs_locked(targets=transfers, date=date, actor=actor, mark_pending=False)
    return cycles
