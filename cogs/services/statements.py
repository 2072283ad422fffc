"""The named SQL statements of a COGS job, and the text they take as input.

Each statement is read by the engine (cogs.services.engine) on the job's connection. The codes
they test (entry kinds, the lot status, the usage kind) are formatted in from the one Python
definition of each (cogs.models.EntryKind, inventory_lots.models.LotStatus / UsageKind), so the
statement text the server plans is the same as if they were written out. A statement's comment
says why it has the shape it has; docs/cogs.md ("Speed") has the measurements.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal

from inventory_lots.models import LotStatus, UsageKind

from ..allocation import LotDelta, PlannedEntry, UsageDelta
from ..models import MOVEMENT_KINDS_SQL, EntryKind

ALLOCATION = int(EntryKind.ALLOCATION)
GIVE_BACK = int(EntryKind.GIVE_BACK)
GIVE_BACK_LIFO = int(EntryKind.GIVE_BACK_LIFO)
OPEN = LotStatus.OPEN.value
PRODUCTION = UsageKind.PRODUCTION.value

# The pair's lots, with what the plan needs of each, and whether step 3 must re-target it (a cost
# change since its latest entry was posted). "Has a cost change" is a scalar subquery, probed by the
# lot's index, not EXISTS: PostgreSQL may run an EXISTS as a hashed subplan that reads the whole cost
# history on every query, and does whenever its statistics say the table is small -- as after a full
# run's first groups wrote thousands of transfer lots' cost changes into an empty table (85 ms a
# query at 84,000 rows, 18 s of a full run; 3 ms probed).
LOTS_SQL = """
SELECT l.id, l.lic_id, l.date, l.qty_in, l.qty_used, l.unit_cost, l.value_used, l.released,
       GREATEST(l.date, l.movement_date),
       ((SELECT c.id FROM inventory_lots_lotcostchange c WHERE c.lot_id = l.id LIMIT 1) IS NOT NULL
        AND (SELECT e.unit_cost FROM cogs_cogsentry e WHERE e.lot_id = l.id ORDER BY e.id DESC LIMIT 1)
            <> l.unit_cost) AS revalue
FROM inventory_lots_lot l
WHERE l.office_id = %(office)s AND l.lic_id = ANY(%(lics)s)
"""

# Unallocated usage of the pairs, found through the narrow inventory_lots_unallocatedusage (one row per
# usage with unallocated_quantity <> 0, kept by triggers). The ids are read first (index only), then
# each usage's UsageCogs row by primary key (it carries what the plan needs of the usage: the wide
# usage row is not read), so the plan does not depend on the side table's statistics (it swings from
# a million rows to none within one run). Short positive usage is returned only where it can move (the
# pair has released stock or an unallocated return) or still needs its first accrual. The conditions
# are tried in this order and the two pair-level ones are InitPlans, run at most once a query and
# only if a row needs them: a full run's usage all need a first accrual, so it pays for neither.
USAGE_SQL = f"""
SELECT c.usage_id, c.lic_id, c.date, c.quantity, c.allocated_quantity, c.lot_id, c.returns_usage_id,
       c.accrued_value, c.no_cost_basis, c.production_order_id, c.accrual_date, c.reverses_usage_id, c.cogs_value
FROM inventory_lots_usagecogs c
WHERE c.usage_id = ANY(ARRAY(SELECT s.usage_id FROM inventory_lots_unallocatedusage s
                             WHERE s.office_id = %(office)s AND s.lic_id = ANY(%(lics)s)))
  AND (c.quantity < 0 OR (c.accrued_value = 0 AND NOT c.no_cost_basis)
       OR c.lic_id = ANY(ARRAY(SELECT l.lic_id FROM inventory_lots_lot l  -- the pair has released stock
                               WHERE l.office_id = %(office)s AND l.lic_id = ANY(%(lics)s) AND l.status = '{OPEN}'
                                 AND l.released))
       OR c.lic_id = ANY(ARRAY(SELECT r.lic_id FROM inventory_lots_usagecogs r  -- an unallocated return
                               WHERE r.quantity < 0 AND r.usage_id = ANY(ARRAY(
                                 SELECT s.usage_id FROM inventory_lots_unallocatedusage s
                                 WHERE s.office_id = %(office)s AND s.lic_id = ANY(%(lics)s))))))
"""  # noqa: S608 (constants only)

# Holdings of the usage that returns name: per (named usage, lot) its allocations net of the
# give-backs of the returns naming it, and its latest allocation.
NAMED_HOLDINGS_SQL = f"""
SELECT COALESCE(r.returns_usage_id, e.usage_id) AS owner, e.lot_id, SUM(e.quantity),
       COALESCE(MAX(e.id) FILTER (WHERE e.kind = {ALLOCATION}), 0)
FROM cogs_cogsentry e
LEFT JOIN inventory_lots_inventoryusage r ON e.kind = {GIVE_BACK} AND r.id = e.usage_id
WHERE (e.kind = {ALLOCATION} AND e.usage_id = ANY(%(named)s))
   OR (e.kind = {GIVE_BACK} AND e.usage_id IN (SELECT x.id FROM inventory_lots_inventoryusage x
                                      WHERE x.returns_usage_id = ANY(%(named)s)))
GROUP BY 1, 2
"""  # noqa: S608 (constants only)

# DOMAIN.md 9, the reversal of a customer return: per (reversed return among %(named)s, lot) what its
# give-backs took back there less what its reversal already took there again, and the latest give-back
# (the plan puts the reversal back latest give-back first). A positive usage in %(named)s has no
# give-backs and no reversal: nothing. (cogsentry_usage_id; the reversal by inventory_lots_usage_reversed_once)
REVERSED_GIVE_BACKS_SQL = f"""
SELECT x.ret, x.lot_id, -SUM(x.q), MAX(x.back)
FROM (SELECT e.usage_id AS ret, e.lot_id, e.quantity AS q, e.id AS back FROM cogs_cogsentry e
      WHERE e.usage_id = ANY(%(named)s) AND e.kind IN ({GIVE_BACK}, {GIVE_BACK_LIFO})
      UNION ALL
      SELECT v.reverses_usage_id, e.lot_id, e.quantity, 0 FROM inventory_lots_inventoryusage v
      JOIN cogs_cogsentry e ON e.usage_id = v.id AND e.kind = {ALLOCATION}
      WHERE v.reverses_usage_id = ANY(%(named)s)) x
GROUP BY 1, 2 HAVING MAX(x.back) > 0
"""  # noqa: S608 (constants only)

# every posted record (usage, lot) of the lots step 3 re-targets: quantity, value, latest allocation,
# the production order of a component usage, the part given back LIFO, latest give-back to the named
# usage's lots, the usage a return names
REVALUE_HOLDINGS_SQL = f"""
SELECT e.lot_id, e.usage_id, SUM(e.quantity), SUM(e.value), COALESCE(MAX(e.id) FILTER (WHERE e.kind = {ALLOCATION}), 0),
       CASE WHEN u.kind = '{PRODUCTION}' AND u.source_type_id = %(production_ct)s THEN u.source_id END,
       COALESCE(SUM(e.quantity) FILTER (WHERE e.kind = {GIVE_BACK_LIFO}), 0),
       COALESCE(MAX(e.id) FILTER (WHERE e.kind = {GIVE_BACK}), 0),
       u.returns_usage_id
FROM cogs_cogsentry e JOIN inventory_lots_inventoryusage u ON u.id = e.usage_id
WHERE e.lot_id = ANY(%(lots)s)
GROUP BY e.lot_id, e.usage_id, u.kind, u.source_type_id, u.source_id, u.returns_usage_id
"""  # noqa: S608 (constants only)

# Serialized LICs: per usage, the lots of the serials it took out (a return: brought back),
# with their counts; and, for usage already partly allocated, what it moved per lot (allocations and
# give-backs), so only the rest is planned.
SERIAL_LOTS_SQL = """
SELECT m.usage_id, s.lot_id, count(*) FROM inventory_lots_serialuse m
JOIN inventory_lots_lotserial s ON s.id = m.serial_id WHERE m.usage_id = ANY(%(ids)s) GROUP BY 1, 2
UNION ALL
SELECT m.returned_by_id, s.lot_id, count(*) FROM inventory_lots_serialuse m
JOIN inventory_lots_lotserial s ON s.id = m.serial_id WHERE m.returned_by_id = ANY(%(ids)s) GROUP BY 1, 2
"""

SERIAL_MOVED_SQL = f"""
SELECT e.usage_id, e.lot_id, abs(SUM(e.quantity)) FROM cogs_cogsentry e
WHERE e.usage_id = ANY(%(ids)s) AND e.kind IN {MOVEMENT_KINDS_SQL} AND e.lot_id IS NOT NULL
GROUP BY 1, 2
"""  # noqa: S608 (constants only)

# the accrual estimate of LICs with no released lot in the job's office: the latest released lot
# elsewhere (DOMAIN.md 6a)
ESTIMATE_SQL = """
SELECT DISTINCT ON (l.lic_id) l.lic_id, l.unit_cost
FROM inventory_lots_lot l
WHERE l.lic_id = ANY(%(lics)s) AND l.released
ORDER BY l.lic_id, (l.office_id = %(office)s) DESC, l.date DESC, l.id DESC
"""

# the lots of production orders whose component COGS moved (their cost recomputes next round)
PRODUCTION_LOTS_SQL = """
SELECT id FROM inventory_lots_lot WHERE transaction_type_id = %s AND transaction_id = ANY(%s) ORDER BY id
"""

# Balance deltas go in as array literals built with str.join (psycopg's list dumper inspects every
# element: ~1 us each, a second per million values); ids ascending so the rows are met in heap order.
# The usage's COGS row (inventory_lots_usagecogs, narrow, only its primary key indexed, fillfactor 50)
# takes a HOT update; UnallocatedUsage follows by that table's statement trigger
# (inventory_lots/sql/unallocated_follows_usage_cogs.sql).
# A transfer lot the job costed (cogs.services.engine, ``_cost_transfer_lots``) takes its new unit
# cost here too (``c``; NULL: unchanged): one new row version per lot, not two.
UPDATE_LOTS_SQL = """
UPDATE inventory_lots_lot l SET qty_used = l.qty_used + d.q, value_used = l.value_used + d.v,
    movement_date = GREATEST(l.movement_date, d.m), unit_cost = COALESCE(d.c, l.unit_cost)
FROM unnest(%s::bigint[], %s::numeric[], %s::numeric[], %s::date[], %s::numeric[]) AS d(id, q, v, m, c)
WHERE l.id = d.id
"""

UPDATE_USAGE_SQL = """
UPDATE inventory_lots_usagecogs c
SET allocated_quantity = c.allocated_quantity + d.q, cogs_value = c.cogs_value + d.v,
    accrued_value = c.accrued_value + COALESCE(d.a, 0), no_cost_basis = COALESCE(d.n, c.no_cost_basis),
    accrual_date = COALESCE(d.ad, c.accrual_date)
FROM unnest(%s::bigint[], %s::numeric[], %s::numeric[], %s::numeric[], %s::boolean[], %s::date[])
     AS d(id, q, v, a, n, ad)
WHERE c.usage_id = d.id
"""

# both balance UPDATEs in one statement: one round trip a group (a data-modifying CTE always runs)
BALANCES_SQL = f"WITH lot_balances AS ({UPDATE_LOTS_SQL})\n{UPDATE_USAGE_SQL}"

COPY_SQL = (
    "COPY cogs_cogsentry (run_id, kind, lic_id, office_id, lot_id, usage_id, date, quantity, value, unit_cost) "
    "FROM STDIN"
)

# Plan the balance UPDATEs as one primary-key probe per delta row (cogs.services.pipeline.by_primary_key).
PLANNER_SETTINGS_SQL = (
    "SELECT current_setting('enable_hashjoin'), current_setting('enable_mergejoin'), current_setting('work_mem')"
)
PROBE_BY_PRIMARY_KEY_SQL = (
    "SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off; SET LOCAL work_mem = '64MB'"
)
RESTORE_PLANNER_SETTINGS_SQL = (
    "SELECT set_config('enable_hashjoin', %s, true), set_config('enable_mergejoin', %s, true), "
    "set_config('work_mem', %s, true)"
)

LOT_ARRAYS_EMPTY = ["{}"] * 5
USAGE_ARRAYS_EMPTY = ["{}"] * 6


def _array(values: Iterable[object]) -> str:
    """A PostgreSQL array literal of ints, Decimals, dates or booleans/None (no quoting needed)."""
    return (
        "{"
        + ",".join(
            ["NULL" if v is None else ("t" if v else "f") if v is True or v is False else str(v) for v in values]
        )
        + "}"
    )


def _num_array(values: Iterable[int | Decimal]) -> str:
    return "{" + ",".join(map(str, values)) + "}"


def entries_copy_text(run_id: int, rows: list[tuple[int, int, PlannedEntry]]) -> str:
    """The entries (office id, LIC id, entry) as COPY text for ``COPY_SQL``, one line each."""
    prefix = f"{run_id}\t"
    null = "\\N"
    dates: dict[datetime.date, str] = {}  # a few hundred distinct dates for a million entries
    for _, _, e in rows:
        if e.date not in dates:
            dates[e.date] = e.date.isoformat()
    return "".join(
        [
            f"{prefix}{e.kind}\t{lic_id}\t{office_id}\t{null if e.lot_id is None else e.lot_id}\t{e.usage_id}\t"
            f"{dates[e.date]}\t{e.quantity}\t{e.value}\t{e.unit_cost}\n"
            for office_id, lic_id, e in rows
        ]
    )


def lot_balance_arrays(deltas: Mapping[int, LotDelta], costs: Mapping[int, Decimal]) -> list[str] | None:
    """The five arrays of ``UPDATE_LOTS_SQL`` (id, quantity, value, movement date, new unit cost);
    None: no change. ``costs``: the lots' new unit costs (each of them is in ``deltas``)."""
    if not deltas:
        return None
    ids = sorted(deltas)
    rows = [deltas[i] for i in ids]
    return [
        _num_array(ids),
        _num_array([r.quantity for r in rows]),
        _num_array([r.value for r in rows]),
        _array([r.movement_date for r in rows]),
        _array([costs.get(i) for i in ids]) if costs else "{}",
    ]


def usage_balance_arrays(deltas: Mapping[int, UsageDelta]) -> list[str] | None:
    """The six arrays of ``UPDATE_USAGE_SQL`` (id, quantity, COGS, accrued, no cost basis, accrual
    date); None: no change."""
    if not deltas:
        return None
    ids = sorted(deltas)
    rows = [deltas[i] for i in ids]
    accrued = [r.accrued for r in rows]
    basis = [r.no_cost_basis for r in rows]
    accrued_on = [r.accrual_date for r in rows]
    # most groups accrue nothing: the accrual arrays then go empty (unnest pads them with NULLs)
    return [
        _num_array(ids),
        _num_array([r.quantity for r in rows]),
        _num_array([r.value for r in rows]),
        _num_array(accrued) if any(accrued) else "{}",
        _array(basis) if any(n is not None for n in basis) else "{}",
        _array(accrued_on) if any(d is not None for d in accrued_on) else "{}",
    ]
