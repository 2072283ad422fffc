"""One job of a COGS run: a chunk of (office, LICs) processed in one transaction.

Lock the LIC rows (inventory_lots.locks, pk order), take the pairs still marked in PendingCogs
(deleting the marks), recompute pending production lot costs, then read, plan and write the
pairs in groups of GROUP_LICS LICs: per group, a few set-based reads of the lots and the
unallocated usage, the plan of each LIC in memory (cogs.allocation), then the entries with COPY
and the lot and usage balances with one set-based UPDATE each.

The groups are pipelined on the job's one connection: a database thread runs the statements in
order (read group k+1, write group k-1) while this thread converts rows and plans group k, so
PostgreSQL and Python work at the same time (docs/cogs.md, "Speed").
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import logging
import sys
import threading
import time
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal

import psycopg
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction

from inventory_lots import locks
from inventory_lots.services import current_lock_date
from production.services import recompute_production_lot_cost_locked  # DOMAIN.md 5: costs flow up

from ..allocation import Holding, PairPlanner, PlanLot, PlannedEntry, PlanUsage, ValueTooLarge

log = logging.getLogger(__name__)
ZERO = Decimal("0")
PHASES: dict[str, float] = defaultdict(float)  # seconds per step of process_chunk (bench profile)


@contextlib.contextmanager
def _phase(name: str):
    start = time.perf_counter()
    try:
        yield
    finally:
        PHASES[name] += time.perf_counter() - start


LOTS_SQL = """
SELECT l.id, l.lic_id, l.date, l.qty_in, l.qty_used, l.unit_cost, l.value_used, l.released,
       GREATEST(l.date, l.movement_date),
       (EXISTS (SELECT 1 FROM inventory_lots_lotcostchange c WHERE c.lot_id = l.id)
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
# only if a row needs them: a full run's usage all need a first accrual, so it pays for neither
# (the materialized CTE this replaced took 1.34 s of server time over a million rows, this 1.02 s).
USAGE_SQL = """
SELECT c.usage_id, c.lic_id, c.date, c.quantity, c.allocated_quantity, c.lot_id, c.returns_usage_id,
       c.accrued_value, c.no_cost_basis, c.production_order_id, c.accrual_date
FROM inventory_lots_usagecogs c
WHERE c.usage_id = ANY(ARRAY(SELECT s.usage_id FROM inventory_lots_unallocatedusage s
                             WHERE s.office_id = %(office)s AND s.lic_id = ANY(%(lics)s)))
  AND (c.quantity < 0 OR (c.accrued_value = 0 AND NOT c.no_cost_basis)
       OR c.lic_id = ANY(ARRAY(SELECT l.lic_id FROM inventory_lots_lot l  -- the pair has released stock
                               WHERE l.office_id = %(office)s AND l.lic_id = ANY(%(lics)s) AND l.status = 'open'
                                 AND l.released))
       OR c.lic_id = ANY(ARRAY(SELECT r.lic_id FROM inventory_lots_usagecogs r  -- an unallocated return
                               WHERE r.quantity < 0 AND r.usage_id = ANY(ARRAY(
                                 SELECT s.usage_id FROM inventory_lots_unallocatedusage s
                                 WHERE s.office_id = %(office)s AND s.lic_id = ANY(%(lics)s))))))
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

# every posted record (usage, lot) of the lots step 3 re-targets: quantity, value, latest allocation,
# the part given back LIFO, latest give-back to the named usage's lots, the usage a return names
REVALUE_HOLDINGS_SQL = """
SELECT e.lot_id, e.usage_id, SUM(e.quantity), SUM(e.value), COALESCE(MAX(e.id) FILTER (WHERE e.kind = 1), 0),
       CASE WHEN u.kind = 'production' AND u.source_type_id = %(production_ct)s THEN u.source_id END,
       COALESCE(SUM(e.quantity) FILTER (WHERE e.kind = 3), 0), COALESCE(MAX(e.id) FILTER (WHERE e.kind = 2), 0),
       u.returns_usage_id
FROM cogs_cogsentry e JOIN inventory_lots_inventoryusage u ON u.id = e.usage_id
WHERE e.lot_id = ANY(%(lots)s)
GROUP BY e.lot_id, e.usage_id, u.kind, u.source_type_id, u.source_id, u.returns_usage_id
"""

# Serialized LICs (issue 17): per usage, the lots of the serials it took out (a return: brought back),
# with their counts; and, for usage already partly allocated, what it moved per lot (allocations and
# give-backs), so only the rest is planned.
SERIAL_LOTS_SQL = """
SELECT m.usage_id, s.lot_id, count(*) FROM inventory_lots_serialuse m
JOIN inventory_lots_lotserial s ON s.id = m.serial_id WHERE m.usage_id = ANY(%(ids)s) GROUP BY 1, 2
UNION ALL
SELECT m.returned_by_id, s.lot_id, count(*) FROM inventory_lots_serialuse m
JOIN inventory_lots_lotserial s ON s.id = m.serial_id WHERE m.returned_by_id = ANY(%(ids)s) GROUP BY 1, 2
"""

SERIAL_MOVED_SQL = """
SELECT e.usage_id, e.lot_id, abs(SUM(e.quantity)) FROM cogs_cogsentry e
WHERE e.usage_id = ANY(%(ids)s) AND e.kind IN (1, 2, 3) AND e.lot_id IS NOT NULL GROUP BY 1, 2
"""

ESTIMATE_SQL = """
SELECT DISTINCT ON (l.lic_id) l.lic_id, l.unit_cost
FROM inventory_lots_lot l
WHERE l.lic_id = ANY(%(lics)s) AND l.released
ORDER BY l.lic_id, (l.office_id = %(office)s) DESC, l.date DESC, l.id DESC
"""

# Balance deltas go in as array literals built with str.join (psycopg's list dumper inspects every
# element: ~1 us each, a second per million values); ids ascending so the rows are met in heap order.
# The usage's COGS row (inventory_lots_usagecogs, narrow, only its primary key indexed, fillfactor 50)
# takes a HOT update; UnallocatedUsage follows by that table's statement trigger (migration 0011).
UPDATE_LOTS_SQL = """
UPDATE inventory_lots_lot l SET qty_used = l.qty_used + d.q, value_used = l.value_used + d.v,
    movement_date = GREATEST(l.movement_date, d.m)
FROM unnest(%s::bigint[], %s::numeric[], %s::numeric[], %s::date[]) AS d(id, q, v, m) WHERE l.id = d.id
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


def _array(values) -> str:
    """A PostgreSQL array literal of ints, Decimals, dates or booleans/None (no quoting needed)."""
    return (
        "{"
        + ",".join(
            ["NULL" if v is None else ("t" if v else "f") if v is True or v is False else str(v) for v in values]
        )
        + "}"
    )


def _num_array(values) -> str:
    return "{" + ",".join(map(str, values)) + "}"


COPY_SQL = (
    "COPY cogs_cogsentry (run_id, kind, lic_id, office_id, lot_id, usage_id, date, quantity, value, unit_cost) "
    "FROM STDIN"
)

SWITCH_INTERVAL = 0.0002  # seconds (the interpreter's default is 0.005)
_switch_lock = threading.Lock()
_switch_users = 0
_switch_before = 0.005


@contextlib.contextmanager
def _quick_gil_handoff():
    """The database thread needs the GIL back briefly after each wait on the server (each chunk of
    a COPY, each result); at the interpreter's default 5 ms switch interval it would queue behind
    the planner that long every time. The interval is process-wide: lowered while any job of the
    process is pipelining, restored when the last one ends."""
    global _switch_users, _switch_before
    with _switch_lock:
        if _switch_users == 0:
            _switch_before = sys.getswitchinterval()
            sys.setswitchinterval(SWITCH_INTERVAL)
        _switch_users += 1
    try:
        yield
    finally:
        with _switch_lock:
            _switch_users -= 1
            if _switch_users == 0:
                sys.setswitchinterval(_switch_before)


FETCH_ROWS = 256

# LICs per read-plan-write group of a job (a job has up to COGS_CHUNK_LICS = 500)
GROUP_LICS = 50


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
    # (LIC id, usage id or None, message): pairs that could not be posted (nothing of them was
    # written; they stay pending for the next run)
    exceptions: list = field(default_factory=list)

    def merge(self, other: ChunkResult) -> None:
        self.pairs += other.pairs
        self.entries += other.entries
        self.allocated_quantity += other.allocated_quantity
        self.given_back_quantity += other.given_back_quantity
        self.value_posted += other.value_posted
        self.accrued_value_posted += other.accrued_value_posted
        self.accrual_reversals_posted += other.accrual_reversals_posted
        self.production_orders |= other.production_orders
        self.exceptions.extend(other.exceptions)

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


class _Cursor:
    """A psycopg cursor of the job's connection for the database thread (Django's cursors belong
    to the thread that opened the connection), whose statements still pass through the
    connection's execute wrappers (``connection.execute_wrapper``), as every query of the app does."""

    def __init__(self, db, wrappers):
        self.db = db
        self.wrappers = wrappers
        # server-side binding (Django's own cursors bind client-side): the balance arrays (megabytes per
        # job) go in the Bind message as they are, not quoted into the statement text and lexed back
        self.cursor = psycopg.Cursor(db.connection)

    def _run(self, executor, sql, params):
        context = {"connection": self.db, "cursor": self}
        for wrapper in reversed(self.wrappers):
            executor = functools.partial(wrapper, executor)
        return executor(sql, params, False, context)

    def execute(self, sql, params=None):
        return self._run(lambda sql, params, many, context: self.cursor.execute(sql, params), sql, params)

    def copy_in(self, sql, text: str) -> None:
        def copy(sql, params, many, context):
            with self.cursor.copy(sql) as stream:
                stream.write(text)

        self._run(copy, sql, None)

    def pipeline(self):
        return self.db.connection.pipeline()

    def fetchall(self):
        return self.cursor.fetchall()

    def fetchmany(self, size: int):
        return self.cursor.fetchmany(size)

    def close(self) -> None:
        self.cursor.close()


def _query(new_cursor, office_id: int, lic_ids: list[int]):
    """Run the pair's lot and usage queries; their rows are converted by ``_load`` (psycopg turns
    rows into Python objects on fetch, so the database thread leaves that to the planning thread)."""
    lots, usage = new_cursor(), new_cursor()
    with lots.pipeline():  # both sent at once: one round trip
        lots.execute(LOTS_SQL, {"office": office_id, "lics": lic_ids})
        usage.execute(USAGE_SQL, {"office": office_id, "lics": lic_ids})
    return lots, usage


def _rows(cursor):
    """The rows of an executed query, converted FETCH_ROWS at a time: converting is one C call that
    holds the GIL, and the database thread must not wait behind a whole result's conversion."""
    while rows := cursor.fetchmany(FETCH_ROWS):
        yield from rows


def _load(lots, usage):
    pairs: dict[int, _PairState] = defaultdict(_PairState)
    for lot_id, lic_id, date, qty_in, qty_used, cost, value_used, released, moved, revalue in _rows(lots):
        state = pairs[lic_id]
        state.lots.append(PlanLot(lot_id, date, qty_in, qty_used, cost, value_used, released, moved))
        if revalue:
            state.revalue_ids.append(lot_id)
    prod_orders: dict[int, int] = {}  # component usage id -> its production order id
    for uid, lic_id, date, quantity, allocated, lot_id, returns_id, accrued, ncb, order_id, accrued_on in _rows(usage):
        pairs[lic_id].usages.append(
            PlanUsage(uid, date, quantity, allocated, lot_id, returns_id, accrued, ncb, accrued_on)
        )
        if order_id is not None:
            prod_orders[uid] = order_id
    lots.close()
    usage.close()
    return pairs, prod_orders


def _load_named(cursor, named: list[int]) -> dict[int, list[Holding]]:
    """Holdings of the usage that returns name (``named``: their ids)."""
    out: dict[int, list[Holding]] = defaultdict(list)
    if named:
        cursor.execute(NAMED_HOLDINGS_SQL, {"named": named})
        for owner, lot_id, quantity, last in cursor.fetchall():
            out[owner].append(Holding(owner, lot_id, quantity, ZERO, last))
    return out


def _load_revalue(cursor, lot_ids: list[int], prod_orders, production_ct: int) -> dict[int, list[Holding]]:
    """Every posted record (usage, lot) of the lots to re-target."""
    out: dict[int, list[Holding]] = defaultdict(list)
    if lot_ids:
        cursor.execute(REVALUE_HOLDINGS_SQL, {"lots": lot_ids, "production_ct": production_ct})
        for lot_id, uid, quantity, value, last, order_id, lifo, last_back, owner in cursor.fetchall():
            out[lot_id].append(Holding(uid, lot_id, quantity, value, last, lifo, last_back, owner))
            if order_id is not None:
                prod_orders.setdefault(uid, order_id)
    return out


def _local_estimates(pairs) -> tuple[dict[int, Decimal], list[int]]:
    """The accrual unit cost of each pair (DOMAIN.md 6a) is the latest released lot of the LIC, in
    this office if it has one: read here from the pair's loaded lots. Returns those, and the
    LICs with usage but no released lot here (``_other_office_estimates`` reads theirs)."""
    out: dict[int, Decimal] = {}
    missing = []
    for lic_id, state in pairs.items():
        best = None
        for lot in state.lots:
            if lot.released and (best is None or (lot.date, lot.id) > (best.date, best.id)):
                best = lot
        if best is not None:
            out[lic_id] = best.unit_cost
        elif state.usages:
            missing.append(lic_id)
    return out, sorted(missing)


def _other_office_estimates(cursor, office_id: int, missing: list[int]) -> dict[int, Decimal]:
    if not missing:
        return {}
    cursor.execute(ESTIMATE_SQL, {"lics": missing, "office": office_id})
    return dict(cursor.fetchall())


def _entries_text(run_id: int, office_id: int, rows: list[tuple[int, PlannedEntry]]) -> str:
    """The entries as COPY text, one line each."""
    prefix = f"{run_id}\t"
    null = "\\N"
    dates: dict = {}  # a few hundred distinct dates for a million entries
    for _, e in rows:
        if e.date not in dates:
            dates[e.date] = e.date.isoformat()
    return "".join(
        [
            f"{prefix}{e.kind}\t{lic_id}\t{office_id}\t{null if e.lot_id is None else e.lot_id}\t{e.usage_id}\t"
            f"{dates[e.date]}\t{e.quantity}\t{e.value}\t{e.unit_cost}\n"
            for lic_id, e in rows
        ]
    )


def _lot_params(lot_deltas: dict) -> list | None:
    if not lot_deltas:
        return None
    ids = sorted(lot_deltas)
    rows = [lot_deltas[i] for i in ids]
    return [
        _num_array(ids),
        _num_array([r[0] for r in rows]),
        _num_array([r[1] for r in rows]),
        _array([r[2] for r in rows]),
    ]


def _usage_params(usage_deltas: dict) -> list | None:
    if not usage_deltas:
        return None
    ids = sorted(usage_deltas)
    rows = [usage_deltas[i] for i in ids]
    accrued = [r[2] for r in rows]
    basis = [r[3] for r in rows]
    accrued_on = [r[4] for r in rows]
    # most groups accrue nothing: the accrual arrays then go empty (unnest pads them with NULLs)
    return [
        _num_array(ids),
        _num_array([r[0] for r in rows]),
        _num_array([r[1] for r in rows]),
        _num_array(accrued) if any(accrued) else "{}",
        _array(basis) if any(n is not None for n in basis) else "{}",
        _array(accrued_on) if any(d is not None for d in accrued_on) else "{}",
    ]


@contextlib.contextmanager
def _by_primary_key(cursor):
    """Plan the balance UPDATEs as one primary-key probe per delta row. Seeing a 30,000-element
    array, PostgreSQL prefers to hash it and scan the whole table (0.56 s for 33,500 usage rows
    of a million, against 0.17 s probing: the full run's largest step); a chunk's rows are a few
    per cent of the table, so the probe is always the right plan. ``work_mem`` keeps the usage
    trigger's transition table (every updated row) in memory: at the 4 MB default a job's
    33,500 rows spill to a temporary file and the trigger takes 187 ms instead of 113 ms."""
    cursor.execute(
        "SELECT current_setting('enable_hashjoin'), current_setting('enable_mergejoin'), current_setting('work_mem')"
    )
    before = cursor.fetchone()
    cursor.execute("SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off; SET LOCAL work_mem = '64MB'")
    yield
    # back to what they were for the rest of the job's transaction (no try/finally: a failed
    # statement aborts the transaction, whose rollback undoes SET LOCAL, and its error must surface)
    cursor.execute(
        "SELECT set_config('enable_hashjoin', %s, true), set_config('enable_mergejoin', %s, true), "
        "set_config('work_mem', %s, true)",
        before,
    )


# --- the database thread: runs in the job's transaction on the job's connection, one operation at a
# time in submission order, while the main thread plans (its waits on the server release the GIL)


def _query_group(new_cursor, office_id: int, lic_ids: list[int]):
    with _phase("db_read"):
        return _query(new_cursor, office_id, lic_ids)


def _read_more(cursor, office_id: int, named_ids, revalue_ids, missing, prod_orders, production_ct: int):
    """The reads that depend on a group's rows: holdings of the usage returns name and of the lots
    to revalue, estimates from other offices (rarely anything to read in a full run)."""
    with _phase("db_read"):
        return (
            _load_named(cursor, named_ids),
            _load_revalue(cursor, revalue_ids, prod_orders, production_ct),
            _other_office_estimates(cursor, office_id, missing),
        )


def _load_serial_lots(cursor, usage_ids: list[int], partial: list[int]) -> dict[int, dict[int, Decimal]]:
    with _phase("db_read"):
        out: dict[int, dict[int, Decimal]] = defaultdict(dict)
        cursor.execute(SERIAL_LOTS_SQL, {"ids": usage_ids})
        for usage_id, lot_id, count in cursor.fetchall():
            out[usage_id][lot_id] = Decimal(count)
        if partial:
            cursor.execute(SERIAL_MOVED_SQL, {"ids": partial})
            for usage_id, lot_id, moved in cursor.fetchall():
                if lot_id in out.get(usage_id, ()):
                    out[usage_id][lot_id] -= moved
        return dict(out)


def _read_serial_lots(db, cursor, pairs, lics) -> dict[int, dict[int, Decimal]]:
    """Serialized LICs of the group (issue 17): usage id -> {lot id: its serials there still to allocate, or
    for a return to give back}, read on the database thread. Other LICs read nothing here."""
    usages = [u for lic_id, state in pairs.items() if lics[lic_id].serialized for u in state.usages]
    if not usages:
        return {}
    return db.submit(
        _load_serial_lots, cursor, sorted(u.id for u in usages), sorted(u.id for u in usages if u.allocated != 0)
    ).result()


def _write_group(cursor, entries_text: str, lot_params, usage_params) -> None:
    if entries_text:
        with _phase("db_entries"):
            cursor.copy_in(COPY_SQL, entries_text)
    if lot_params or usage_params:
        with _phase("db_balances"):
            cursor.execute(BALANCES_SQL, [*(lot_params or ["{}"] * 4), *(usage_params or ["{}"] * 6)])


def _read_more_now(db, cursor, office_id: int, pairs, prod_orders, production_ct: int):
    """``_read_more`` on the database thread when there is something to read (it then waits for the
    writes queued before it), else nothing to wait for."""
    named_ids = sorted({u.returns_usage_id for s in pairs.values() for u in s.usages if u.returns_usage_id})
    revalue_ids = sorted(lot_id for s in pairs.values() for lot_id in s.revalue_ids)
    estimates, missing = _local_estimates(pairs)
    named, revalue, others = {}, {}, {}
    if named_ids or revalue_ids or missing:
        named, revalue, others = db.submit(
            _read_more, cursor, office_id, named_ids, revalue_ids, missing, prod_orders, production_ct
        ).result()
    estimates.update(others)
    return named, revalue, estimates


def _plan_and_write(*, run_id, office_id, pending, lics, date, result) -> set[int]:
    """Read, plan and write the pending pairs in groups of GROUP_LICS LICs, pipelined: the
    database thread reads group k+1 and writes group k-1 while this thread plans group k, so
    PostgreSQL and Python work at the same time on one connection, in one transaction. Returns
    the production orders whose component COGS moved."""
    production_ct = _production_ct_id()
    first_open = first_open_day()
    groups = [pending[i : i + GROUP_LICS] for i in range(0, len(pending), GROUP_LICS)]
    orders: set[int] = set()
    job_db = connections[DEFAULT_DB_ALIAS]  # this thread's wrapper (``connection`` resolves per thread)
    wrappers = list(job_db.execute_wrappers)

    def new_cursor():
        return _Cursor(job_db, wrappers)

    raw = new_cursor()
    db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cogs-db")
    writes: list[Future] = []
    try:
        with _quick_gil_handoff():
            reading = db.submit(_query_group, new_cursor, office_id, groups[0])
            for k, group in enumerate(groups):
                with _phase("read_wait"):
                    queried = reading.result()
                if k + 1 < len(groups):
                    reading = db.submit(_query_group, new_cursor, office_id, groups[k + 1])
                with _phase("read_load"):
                    pairs, prod_orders = _load(*queried)
                with _phase("read_wait"):
                    named, revalue, estimates = _read_more_now(db, raw, office_id, pairs, prod_orders, production_ct)
                    serial_lots = _read_serial_lots(db, raw, pairs, lics)
                rows: list[tuple[int, PlannedEntry]] = []
                lot_deltas: dict = {}
                usage_deltas: dict = {}
                planners = _plan(pairs, group, lics, named, date, first_open, result, serial_lots)
                with _phase("read_wait"):
                    _retarget(db, raw, planners, pairs, revalue, prod_orders, production_ct)
                for lic_id, planner in planners:
                    time.sleep(0)  # releases the GIL: the database thread, if waiting for it, goes on at once
                    with _phase("plan"):
                        try:
                            planner.accruals(estimates.get(lic_id))
                        except ValueTooLarge as error:  # this pair cannot be posted: the rest of the job can
                            result.exceptions.append((lic_id, error.usage_id, str(error)))
                            continue
                        plan = planner.plan
                        result.add(plan)
                        rows.extend([(lic_id, e) for e in plan.entries])
                        lot_deltas.update(plan.lot_deltas)
                        usage_deltas.update(plan.usage_deltas)
                        if prod_orders:
                            orders.update(
                                prod_orders[uid]
                                for uid, d in plan.usage_deltas.items()
                                if d[1] != 0 and uid in prod_orders
                            )
                with _phase("write_build"):
                    args = (
                        _entries_text(run_id, office_id, rows),
                        _lot_params(lot_deltas),
                        _usage_params(usage_deltas),
                    )
                if writes and writes[-1].done():
                    writes[-1].result()  # a write failed: stop planning now
                writes.append(db.submit(_write_group, raw, *args))
            with _phase("write_wait"):
                for write in writes:
                    write.result()
    except BaseException:
        db.shutdown(wait=True, cancel_futures=True)
        for write in writes:  # a failed write aborts the transaction: it, not what failed after it, is the cause
            if write.done() and not write.cancelled() and write.exception() is not None:
                raise write.exception() from None
        raise
    finally:
        db.shutdown(wait=True)
        raw.close()
    return orders


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
        with _by_primary_key(cursor):
            orders = _plan_and_write(
                run_id=run_id, office_id=office_id, pending=pending, lics=lics, date=date, result=result
            )
        with _phase("write_other"):
            result.production_orders.update(orders)
            _mark_production(cursor, result.production_orders)
            if result.exceptions:  # the next run retries them
                mark_pending(cursor, office_id, [lic_id for lic_id, _, _ in result.exceptions])
    return result


def mark_pending(cursor, office_id: int, lic_ids: list[int]) -> None:
    cursor.execute(
        "INSERT INTO inventory_lots_pendingcogs (lic_id, office_id) SELECT unnest(%s::bigint[]), %s "
        "ON CONFLICT (lic_id, office_id) DO NOTHING",
        [sorted(set(lic_ids)), office_id],
    )


def _plan(pairs, pending, lics, named, date, first_open, result, serial_lots=None) -> list[tuple[int, PairPlanner]]:
    """(LIC, its planner after the give-back loop), LIC by LIC."""
    out = []
    for lic_id in pending:
        state = pairs.get(lic_id)
        result.pairs += 1
        if state is None:
            continue
        with _phase("plan"):
            named_ids = {x.returns_usage_id for x in state.usages if x.returns_usage_id}
            planner = PairPlanner(
                method=lics[lic_id].costing_method,
                lots=state.lots,
                usages=state.usages,
                named_holdings=[h for u in named_ids for h in named.get(u, [])],
                first_open=first_open,
                run_date=date,
                # a serialized LIC's usage goes to its serials' lots (issue 17)
                serial_lots=(serial_lots or {}) if lics[lic_id].serialized else None,
            )
            planner.loop()
        out.append((lic_id, planner))
    return out


def _retarget(db, cursor, planners, pairs, revalue, prod_orders, production_ct: int) -> None:
    """Step 3 for the group: re-target the lots whose unit cost changed and those that took a
    give-back. The posted records of the latter are read here (on the database thread, after the
    writes queued before: other LICs), the former's were read with the group."""
    extra = sorted({lot_id for _, p in planners for lot_id in p.given_back_lots} - revalue.keys())
    if extra:
        revalue.update(db.submit(_load_revalue, cursor, extra, prod_orders, production_ct).result())
    for lic_id, planner in planners:
        with _phase("plan"):
            planner.revalue_lots({i: revalue.get(i, []) for i in planner.retarget_ids(pairs[lic_id].revalue_ids)})
