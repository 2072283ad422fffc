"""One job of a COGS run: a chunk of (office, LICs) processed in one transaction.

Lock the LIC rows (inventory_lots.locks, pk order), take the pairs still marked in PendingCogs
(deleting the marks), recompute pending production lot costs, read the pairs' lots and
unallocated usage in a few set-based queries, plan each LIC in memory (cogs.allocation), then
write: entries with COPY, lot and usage balances with one set-based UPDATE each.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction

from inventory_lots import locks
from inventory_lots.services import current_lock_date
from production.services import recompute_production_lot_cost_locked  # DOMAIN.md 5: costs flow up

from ..allocation import Holding, PairPlanner, PlanLot, PlannedEntry, PlanUsage

log = logging.getLogger(__name__)
ZERO = Decimal("0")
PHASES: dict[str, float] = defaultdict(float)  # seconds per step of process_chunk (bench profile)


@contextmanager
def _phase(name: str):
    start = time.perf_counter()
    try:
        yield
    finally:
        PHASES[name] += time.perf_counter() - start

LOTS_SQL = """
SELECT l.id, l.lic_id, l.date, l.qty_in, l.qty_used, l.unit_cost, l.value_used, l.released,
       (EXISTS (SELECT 1 FROM inventory_lots_lotcostchange c WHERE c.lot_id = l.id)
        AND (SELECT e.unit_cost FROM cogs_cogsentry e WHERE e.lot_id = l.id ORDER BY e.id DESC LIMIT 1)
            <> l.unit_cost) AS revalue
FROM inventory_lots_lot l
WHERE l.office_id = %(office)s AND l.lic_id = ANY(%(lics)s)
"""

# Unallocated usage of the pairs, found through the narrow inventory_lots_unallocatedusage (one row per
# usage with unallocated_quantity <> 0, kept by triggers). The ids are read first (index only) and the
# usage rows by primary key, so the plan does not depend on the side table's statistics (it swings from
# a million rows to none within one run). Short positive usage is returned only where it can move (the
# pair has released stock or an unallocated return) or still needs its first accrual.
USAGE_SQL = """
WITH c AS MATERIALIZED (
  SELECT u.id, u.lic_id, u.date, u.quantity, u.allocated_quantity, u.lot_id, u.returns_usage_id,
         u.accrued_value, u.no_cost_basis,
         CASE WHEN u.kind = 'production' AND u.source_type_id = %(production_ct)s THEN u.source_id END AS prod_order
  FROM inventory_lots_inventoryusage u
  WHERE u.id = ANY(ARRAY(SELECT s.usage_id FROM inventory_lots_unallocatedusage s
                         WHERE s.office_id = %(office)s AND s.lic_id = ANY(%(lics)s)))
)
SELECT * FROM c
WHERE c.quantity < 0 OR c.lic_id = ANY(%(stock)s) OR (c.accrued_value = 0 AND NOT c.no_cost_basis)
   OR c.lic_id IN (SELECT r.lic_id FROM c r WHERE r.quantity < 0)
"""

NAMED_HOLDINGS_SQL = """
SELECT COALESCE(r.returns_usage_id, e.usage_id) AS owner, e.lot_id, SUM(e.quantity),
       COALESCE(MAX(e.id) FILTER (WHERE e.kind = 1), 0)
FROM cogs_cogsentry e
LEFT JOIN inventory_lots_inventoryusage r ON e.kind = 2 AND r.id = e.usage_id
WHERE (e.kind = 1 AND e.usage_id = ANY(%(named)s))
   OR (e.kind = 2 AND e.usage_id IN (SELECT x.id FROM inventory_lots_inventoryusage x
                                      WHERE x.returns_usage_id = ANY(%(named)s)))
GROUP BY 1, 2
"""

REVALUE_HOLDINGS_SQL = """
SELECT e.lot_id, e.usage_id, SUM(e.quantity), SUM(e.value), COALESCE(MAX(e.id) FILTER (WHERE e.kind = 1), 0),
       CASE WHEN u.kind = 'production' AND u.source_type_id = %(production_ct)s THEN u.source_id END
FROM cogs_cogsentry e JOIN inventory_lots_inventoryusage u ON u.id = e.usage_id
WHERE e.lot_id = ANY(%(lots)s)
GROUP BY e.lot_id, e.usage_id, u.kind, u.source_type_id, u.source_id
"""

ESTIMATE_SQL = """
SELECT DISTINCT ON (l.lic_id) l.lic_id, l.unit_cost
FROM inventory_lots_lot l
WHERE l.lic_id = ANY(%(lics)s) AND l.released
ORDER BY l.lic_id, (l.office_id = %(office)s) DESC, l.date DESC, l.id DESC
"""

# Balance deltas go in as array literals built with str.join (psycopg's list dumper inspects every
# element: ~1 us each, a second per million values); ids ascending so the rows are met in heap order.
# The usage UPDATE touches no indexed column (see inventory_lots migration 0007), so with the table's
# fillfactor it is a HOT update; UnallocatedUsage follows by the table's statement trigger.
UPDATE_LOTS_SQL = """
UPDATE inventory_lots_lot l SET qty_used = l.qty_used + d.q, value_used = l.value_used + d.v
FROM unnest(%s::bigint[], %s::numeric[], %s::numeric[]) AS d(id, q, v) WHERE l.id = d.id
"""

UPDATE_USAGE_SQL = """
UPDATE inventory_lots_inventoryusage u
SET allocated_quantity = u.allocated_quantity + d.q, cogs_value = u.cogs_value + d.v,
    accrued_value = u.accrued_value + d.a, no_cost_basis = COALESCE(d.n, u.no_cost_basis)
FROM unnest(%s::bigint[], %s::numeric[], %s::numeric[], %s::numeric[], %s::boolean[]) AS d(id, q, v, a, n)
WHERE u.id = d.id
"""


def _array(values) -> str:
    """A PostgreSQL array literal of ints, Decimals or booleans/None (no quoting needed)."""
    return "{" + ",".join(["NULL" if v is None else ("t" if v else "f") if v is True or v is False else str(v)
                           for v in values]) + "}"


def _num_array(values) -> str:
    return "{" + ",".join(map(str, values)) + "}"

COPY_SQL = (
    "COPY cogs_cogsentry (run_id, kind, lic_id, office_id, lot_id, usage_id, date, quantity, value, unit_cost) "
    "FROM STDIN"
)


@dataclass
class ChunkResult:
    pairs: int = 0
    entries: int = 0
    allocated_quantity: Decimal = ZERO
    given_back_quantity: Decimal = ZERO
    value_posted: Decimal = ZERO
    accrued_value_posted: Decimal = ZERO
    accrual_reversals_posted: Decimal = ZERO
    production_orders: set = field(default_factory=set)

    def add(self, plan) -> None:
        allocated, given_back, value, accrued, reversed_ = plan.totals()
        self.entries += len(plan.entries)
        self.allocated_quantity += allocated
        self.given_back_quantity += given_back
        self.value_posted += value
        self.accrued_value_posted += accrued
        self.accrual_reversals_posted += reversed_


def first_open_day() -> datetime.date | None:
    lock = current_lock_date()
    return lock + datetime.timedelta(days=1) if lock else None


def _production_ct_id() -> int:
    return ContentType.objects.get_for_model(apps.get_model("production", "ProductionOrder")).pk


def _take_pending(cursor, office_id: int, lic_ids: list[int]) -> list[int]:
    """Delete this chunk's PendingCogs marks (and pending production recomputes' pairs) under
    the LIC locks; the pairs returned are the ones to process."""
    cursor.execute(
        "DELETE FROM inventory_lots_pendingcogs WHERE office_id = %s AND lic_id = ANY(%s) RETURNING lic_id",
        [office_id, lic_ids],
    )
    pending = {row[0] for row in cursor.fetchall()}
    cursor.execute(
        "SELECT DISTINCT lic_id FROM cogs_pendinglotcost WHERE office_id = %s AND lic_id = ANY(%s)",
        [office_id, lic_ids],
    )
    pending.update(row[0] for row in cursor.fetchall())
    return sorted(pending)


def _recompute_production_lots(cursor, office_id: int, lic_ids: list[int], date, actor) -> None:
    cursor.execute(
        "DELETE FROM cogs_pendinglotcost WHERE office_id = %s AND lic_id = ANY(%s) RETURNING lot_id",
        [office_id, lic_ids],
    )
    lot_ids = sorted(row[0] for row in cursor.fetchall())
    if not lot_ids:
        return
    from inventory_lots.models import Lot

    for lot in Lot.objects.filter(pk__in=lot_ids).order_by("pk"):
        recompute_production_lot_cost_locked(lot=lot, date=date, actor=actor)


@dataclass
class _PairState:
    lots: list = field(default_factory=list)
    usages: list = field(default_factory=list)
    revalue_ids: list = field(default_factory=list)


def _load(cursor, office_id: int, lic_ids: list[int]):
    pairs: dict[int, _PairState] = defaultdict(_PairState)
    cursor.execute(LOTS_SQL, {"office": office_id, "lics": lic_ids})
    stock: set[int] = set()
    for lot_id, lic_id, date, qty_in, qty_used, cost, value_used, released, revalue in cursor.fetchall():
        state = pairs[lic_id]
        state.lots.append(PlanLot(lot_id, date, qty_in, qty_used, cost, value_used, released))
        if released and qty_in > qty_used:
            stock.add(lic_id)
        if revalue:
            state.revalue_ids.append(lot_id)
    cursor.execute(USAGE_SQL, {"office": office_id, "lics": lic_ids, "stock": sorted(stock),
                               "production_ct": _production_ct_id()})
    prod_orders: dict[int, int] = {}  # component usage id -> its production order id
    for uid, lic_id, date, quantity, allocated, lot_id, returns_id, accrued, ncb, order_id in cursor.fetchall():
        pairs[lic_id].usages.append(PlanUsage(uid, date, quantity, allocated, lot_id, returns_id, accrued, ncb))
        if order_id is not None:
            prod_orders[uid] = order_id
    return pairs, prod_orders


def _load_named(cursor, pairs) -> dict[int, list[Holding]]:
    named = sorted({u.returns_usage_id for s in pairs.values() for u in s.usages if u.returns_usage_id})
    out: dict[int, list[Holding]] = defaultdict(list)
    if named:
        cursor.execute(NAMED_HOLDINGS_SQL, {"named": named})
        for owner, lot_id, quantity, last in cursor.fetchall():
            out[owner].append(Holding(owner, lot_id, quantity, ZERO, last))
    return out


def _load_revalue(cursor, pairs, prod_orders) -> dict[int, list[Holding]]:
    lot_ids = sorted(lot_id for s in pairs.values() for lot_id in s.revalue_ids)
    out: dict[int, list[Holding]] = defaultdict(list)
    if lot_ids:
        cursor.execute(REVALUE_HOLDINGS_SQL, {"lots": lot_ids, "production_ct": _production_ct_id()})
        for lot_id, uid, quantity, value, last, order_id in cursor.fetchall():
            out[lot_id].append(Holding(uid, lot_id, quantity, value, last))
            if order_id is not None:
                prod_orders.setdefault(uid, order_id)
    return out


def _estimates(cursor, office_id: int, lic_ids: list[int]) -> dict[int, Decimal]:
    if not lic_ids:
        return {}
    cursor.execute(ESTIMATE_SQL, {"lics": lic_ids, "office": office_id})
    return dict(cursor.fetchall())


def _copy_entries(cursor, run_id: int, office_id: int, rows: list[tuple[int, PlannedEntry]]) -> None:
    if not rows:
        return
    prefix = f"{run_id}\t"
    null = "\\N"
    dates: dict = {}  # a few hundred distinct dates for a million entries
    for _, e in rows:
        if e.date not in dates:
            dates[e.date] = e.date.isoformat()
    lines = [
        f"{prefix}{e.kind}\t{lic_id}\t{office_id}\t{null if e.lot_id is None else e.lot_id}\t{e.usage_id}\t"
        f"{dates[e.date]}\t{e.quantity}\t{e.value}\t{e.unit_cost}\n"
        for lic_id, e in rows
    ]
    text = "".join(lines)
    with cursor.cursor.copy(COPY_SQL) as copy:
        copy.write(text)


@contextmanager
def _by_primary_key(cursor):
    """Plan the balance UPDATEs as one primary-key probe per delta row. Seeing a 30,000-element
    array, PostgreSQL prefers to hash it and scan the whole table (0.56 s for 33,500 usage rows
    of a million, against 0.17 s probing: the full run's largest step); a chunk's rows are a few
    per cent of the table, so the probe is always the right plan. ``work_mem`` keeps the usage
    trigger's transition table (every updated row) in memory: at the 4 MB default a job's
    33,500 rows spill to a temporary file and the trigger takes 187 ms instead of 113 ms."""
    cursor.execute("SELECT current_setting('enable_hashjoin'), current_setting('enable_mergejoin'), "
                   "current_setting('work_mem')")
    before = cursor.fetchone()
    cursor.execute("SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off; SET LOCAL work_mem = '64MB'")
    yield
    # back to what they were for the rest of the job's transaction (no try/finally: a failed
    # statement aborts the transaction, whose rollback undoes SET LOCAL, and its error must surface)
    cursor.execute("SELECT set_config('enable_hashjoin', %s, true), set_config('enable_mergejoin', %s, true), "
                   "set_config('work_mem', %s, true)", before)


def _write_lots(cursor, lot_deltas: dict) -> None:
    if lot_deltas:
        ids = sorted(lot_deltas)
        rows = [lot_deltas[i] for i in ids]
        with _by_primary_key(cursor):
            cursor.execute(UPDATE_LOTS_SQL, [_num_array(ids), _num_array(r[0] for r in rows),
                                             _num_array(r[1] for r in rows)])


def _write_usage(cursor, usage_deltas: dict) -> None:
    if usage_deltas:
        ids = sorted(usage_deltas)
        rows = [usage_deltas[i] for i in ids]
        with _by_primary_key(cursor):
            cursor.execute(UPDATE_USAGE_SQL, [
                _num_array(ids), _num_array(r[0] for r in rows), _num_array(r[1] for r in rows),
                _num_array(r[2] for r in rows), _array([r[3] for r in rows]),
            ])


def _mark_production(cursor, order_ids: set[int]) -> None:
    """Component COGS of these production orders changed: their lots recompute next pass."""
    ct_id = _production_ct_id()
    if not order_ids:
        return
    cursor.execute(
        "WITH l AS (SELECT id, lic_id, office_id FROM inventory_lots_lot "
        "           WHERE transaction_type_id = %s AND transaction_id = ANY(%s)), "
        "ins AS (INSERT INTO cogs_pendinglotcost (lot_id, lic_id, office_id) SELECT id, lic_id, office_id FROM l "
        "        ON CONFLICT (lot_id) DO NOTHING) "
        "INSERT INTO inventory_lots_pendingcogs (lic_id, office_id) SELECT DISTINCT lic_id, office_id FROM l "
        "ON CONFLICT (lic_id, office_id) DO NOTHING",
        [ct_id, sorted(order_ids)],
    )


@transaction.atomic
def process_chunk(*, run_id: int, office_id: int, lic_ids: list[int], date: datetime.date, actor) -> ChunkResult:
    """Process the pairs (office, each LIC) of one chunk that are still pending, in one
    transaction under the LIC row locks. Safe to run twice: the second finds nothing pending."""
    with _phase("lock"):
        lics = locks.lics_for_update(lic_ids)
    result = ChunkResult()
    with connection.cursor() as cursor:
        with _phase("lock"):
            pending = _take_pending(cursor, office_id, sorted(lics))
        if not pending:
            return result
        with _phase("read"):
            _recompute_production_lots(cursor, office_id, pending, date, actor)
            pairs, prod_orders = _load(cursor, office_id, pending)
            named = _load_named(cursor, pairs)
            revalue = _load_revalue(cursor, pairs, prod_orders)
        with _phase("plan"):
            planners = _plan(pairs, pending, lics, named, revalue, date, result)
        with _phase("read"):
            estimates = _estimates(cursor, office_id, sorted(k for k, p in planners.items() if p.needs_estimate()))
        with _phase("plan"):
            rows, lot_deltas, usage_deltas = _collect(planners, estimates, result)
        with _phase("write_entries"):
            _copy_entries(cursor, run_id, office_id, rows)
        with _phase("write_lots"):
            _write_lots(cursor, lot_deltas)
        with _phase("write_usage"):
            _write_usage(cursor, usage_deltas)
        with _phase("write_other"):
            for uid, order_id in prod_orders.items():
                delta = usage_deltas.get(uid)
                if delta is not None and delta[1] != 0:
                    result.production_orders.add(order_id)
            _mark_production(cursor, result.production_orders)
    return result


def _plan(pairs, pending, lics, named, revalue, date, result) -> dict[int, PairPlanner]:
    first_open = first_open_day()
    planners: dict[int, PairPlanner] = {}
    for lic_id in pending:
        state = pairs.get(lic_id)
        result.pairs += 1
        if state is None:
            continue
        named_ids = {x.returns_usage_id for x in state.usages if x.returns_usage_id}
        planner = PairPlanner(
            method=lics[lic_id].costing_method, lots=state.lots, usages=state.usages,
            named_holdings=[h for u in named_ids for h in named.get(u, [])], first_open=first_open, run_date=date,
            track_holdings=bool(state.revalue_ids),
        )
        planner.loop()
        planner.revalue_lots({i: revalue.get(i, []) for i in state.revalue_ids})
        planners[lic_id] = planner
    return planners


def _collect(planners, estimates, result):
    rows: list[tuple[int, PlannedEntry]] = []
    lot_deltas: dict = {}
    usage_deltas: dict = {}
    for lic_id, planner in planners.items():
        planner.accruals(estimates.get(lic_id))
        plan = planner.plan
        result.add(plan)
        rows.extend((lic_id, e) for e in plan.entries)
        lot_deltas.update(plan.lot_deltas)
        usage_deltas.update(plan.usage_deltas)
    return rows, lot_deltas, usage_deltas
