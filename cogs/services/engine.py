"""One job of a COGS run: some LICs of one office, processed in one transaction.

``process_job`` goes as the domain does (docs/cogs.md, "A job"):

1. lock the job's LIC rows (inventory_lots.locks, pk order);
2. take the pairs still pending (inventory_lots.pending; production lots waiting for a cost
   recompute count too);
3. recompute those production lots' costs (production.services, DOMAIN.md 5: costs flow up);
4. per group of GROUP_LICS LICs: read the lots and the unallocated usage, plan each pair
   (cogs.allocation.PairPlanner: give-backs and allocation, revaluation, accruals), write the
   entries and the balances;
5. mark what moved: the production lots whose component COGS changed (recomputed next round),
   and the pairs that could not be posted (pending again, for the next run).

Step 4 is pipelined: a database thread reads group k+1 and writes group k-1 while this thread
plans group k (cogs.services.pipeline); the statements are cogs.services.statements.
"""

from __future__ import annotations

import datetime
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.apps import apps
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction

from core.money import ZERO
from inventory_lots import locks, pending
from inventory_lots.models import LineItemCode
from inventory_lots.selectors import current_lock_date

from ..allocation import (
    Holding,
    LotDelta,
    PairPlan,
    PairPlanner,
    PlanLot,
    PlannedEntry,
    PlanUsage,
    UsageDelta,
    ValueTooLarge,
)
from . import lot_costs
from . import statements as sql
from .pipeline import JobCursor, Pipeline, by_primary_key, job_pipeline, phase, rows

# LICs per read-plan-write group of a job (a job has up to COGS_JOB_LICS = 500)
GROUP_LICS = 50


class PairFailure(NamedTuple):
    """A pair that could not be posted: nothing of it was written, it stays pending for the next run."""

    lic_id: int
    usage_id: int | None  # the usage that caused it, when known
    message: str


@dataclass
class JobResult:
    pairs: int = 0
    entries: int = 0
    allocated_quantity: Decimal = ZERO
    given_back_quantity: Decimal = ZERO
    value_posted: Decimal = ZERO
    accrued_value_posted: Decimal = ZERO
    accrual_reversals_posted: Decimal = ZERO
    production_orders: set[int] = field(default_factory=set)
    transfer_lots: set[int] = field(default_factory=set)  # transfer lots whose usage's COGS moved
    exceptions: list[PairFailure] = field(default_factory=list)
    # the job's transfer usage -> the lot each feeds (cogs.services.lot_costs), read once a job
    transfer_usages: dict[int, int] = field(default_factory=dict)

    def merge(self, other: JobResult) -> None:
        self.pairs += other.pairs
        self.entries += other.entries
        self.allocated_quantity += other.allocated_quantity
        self.given_back_quantity += other.given_back_quantity
        self.value_posted += other.value_posted
        self.accrued_value_posted += other.accrued_value_posted
        self.accrual_reversals_posted += other.accrual_reversals_posted
        self.production_orders |= other.production_orders
        self.transfer_lots |= other.transfer_lots
        self.exceptions.extend(other.exceptions)

    def add(self, plan: PairPlan) -> None:
        totals = plan.totals()
        self.entries += len(plan.entries)
        self.allocated_quantity += totals.allocated
        self.given_back_quantity += totals.given_back
        self.value_posted += totals.value
        self.accrued_value_posted += totals.accrued
        self.accrual_reversals_posted += totals.accrual_reversals


@transaction.atomic
def process_job(
    *, run_id: int, office_id: int, lic_ids: list[int], date: datetime.date, actor: User | None
) -> JobResult:
    """Process the pairs (office, each LIC) of one job that are still pending, in one transaction
    under the LIC row locks. Safe to run twice: the second finds nothing pending."""
    result = JobResult()
    with phase("lock"):
        # entries are dated from the lock date read below: it must stay there until this commits
        locks.lock_date_shared()
        lics = locks.lics_for_update(lic_ids)
        to_do = take_pending(office_id, sorted(lics))
    if not to_do:
        return result
    with phase("read"):
        cycles = recompute_production_lots(office_id, to_do, date=date, actor=actor)
        result.exceptions.extend(PairFailure(c.lic_id, None, c.message) for c in cycles)
        result.transfer_usages = lot_costs.transfer_usage_lots(office_id, to_do)
    with connection.cursor() as cursor, by_primary_key(cursor):
        _read_plan_write(run_id=run_id, office_id=office_id, lic_ids=to_do, lics=lics, date=date, result=result)
    with phase("write_other"):
        mark_production_lots(result.production_orders, result.transfer_lots)
        if result.exceptions:  # the next run retries them
            pending.mark_pairs(office_id, [failure.lic_id for failure in result.exceptions])
    return result


# --- steps 2, 3 and 5: what is pending ----------------------------------------------------------
# A production lot whose component COGS moved waits in PendingLotCost for its cost to be recomputed
# (its pair is pending too); the lot's table belongs to this app, the pair's to inventory_lots.


def take_pending(office_id: int, lic_ids: list[int]) -> list[int]:
    """The LICs of the job with something to do (their PendingCogs marks taken, or a production lot
    waiting for its cost), ascending."""
    to_do = pending.take_pairs(office_id, lic_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT lic_id FROM cogs_pendinglotcost WHERE office_id = %s AND lic_id = ANY(%s)",
            [office_id, lic_ids],
        )
        to_do.update(row[0] for row in cursor.fetchall())
    return sorted(to_do)


def recompute_production_lots(
    office_id: int, lic_ids: list[int], *, date: datetime.date, actor: User | None
) -> list[lot_costs.CostCycle]:
    """Recompute the cost of the production and transfer lots of these pairs waiting for it (the LICs
    are locked); returns those left as they are because their cost would depend on itself."""
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM cogs_pendinglotcost WHERE office_id = %s AND lic_id = ANY(%s) RETURNING lot_id",
            [office_id, lic_ids],
        )
        lot_ids = sorted(row[0] for row in cursor.fetchall())
    if not lot_ids:
        return []
    return lot_costs.recompute(lot_ids, date=date, actor=actor)


def mark_production_lots(order_ids: Iterable[int], transfer_lot_ids: Iterable[int] = ()) -> None:
    """Component COGS of these production orders changed, or the usage of these transfer lots: their
    lots recompute next round."""
    order_ids = sorted(order_ids)
    lot_ids = sorted(transfer_lot_ids)
    if not order_ids and not lot_ids:
        return
    with connection.cursor() as cursor:
        if order_ids:
            cursor.execute(sql.PRODUCTION_LOTS_SQL, [production_order_type_id(), order_ids])
            lot_ids = sorted({*lot_ids, *(row[0] for row in cursor.fetchall())})
        if not lot_ids:
            return
        cursor.execute(
            "INSERT INTO cogs_pendinglotcost (lot_id, lic_id, office_id) SELECT id, lic_id, office_id "
            "FROM inventory_lots_lot WHERE id = ANY(%s) ON CONFLICT (lot_id) DO NOTHING",
            [lot_ids],
        )
    pending.mark_pairs_of_lots(lot_ids)


# the pairs with a production lot waiting for its cost, within a run's scope (cogs.services.runs)
LOT_COST_PAIRS_IN_SCOPE_SQL = "SELECT office_id, lic_id FROM cogs_pendinglotcost WHERE {scope}"


def production_order_type_id() -> int:
    return ContentType.objects.get_for_model(apps.get_model("production", "ProductionOrder")).pk


def first_open_day() -> datetime.date | None:
    lock = current_lock_date()
    return lock + datetime.timedelta(days=1) if lock else None


# --- step 4: read, plan, write, group by group ---------------------------------------------------


@dataclass
class Pair:
    """What a group's read returned for one (LIC, office)."""

    lots: list[PlanLot] = field(default_factory=list)
    usages: list[PlanUsage] = field(default_factory=list)
    revalue_ids: list[int] = field(default_factory=list)  # lots whose cost changed since their entries


@dataclass
class GroupRead:
    pairs: dict[int, Pair]  # by LIC id
    production_orders: dict[int, int]  # component usage id -> its production order id


@dataclass
class GroupWrite:
    entries: list[tuple[int, PlannedEntry]] = field(default_factory=list)  # (LIC id, entry)
    lot_deltas: dict[int, LotDelta] = field(default_factory=dict)
    usage_deltas: dict[int, UsageDelta] = field(default_factory=dict)


def _read_plan_write(
    *,
    run_id: int,
    office_id: int,
    lic_ids: list[int],
    lics: dict[int, LineItemCode],
    date: datetime.date,
    result: JobResult,
) -> None:
    """Read, plan and write the job's pending pairs in groups of GROUP_LICS LICs, pipelined: the
    database thread reads group k+1 and writes group k-1 while this thread plans group k, in one
    transaction on one connection. Records in ``result`` the production orders whose component
    COGS moved."""
    production_ct = production_order_type_id()
    first_open = first_open_day()
    groups = [lic_ids[i : i + GROUP_LICS] for i in range(0, len(lic_ids), GROUP_LICS)]
    with job_pipeline() as db:
        reading = db.later(_query_group, db.new_cursor, office_id, groups[0])
        for k, group in enumerate(groups):
            with phase("read_wait"):
                queried = reading.result()
            if k + 1 < len(groups):
                reading = db.later(_query_group, db.new_cursor, office_id, groups[k + 1])
            with phase("read_load"):
                read = _load(*queried)
            with phase("read_wait"):
                named, revalue, estimates = _read_dependent(db, office_id, read, production_ct)
                serial_lots = _read_serial_lots(db, read.pairs, lics)
            planners = _plan_group(read.pairs, group, lics, named, date, first_open, result, serial_lots)
            with phase("read_wait"):
                _retarget(db, planners, read, revalue, production_ct)
            write = GroupWrite()
            for lic_id, planner in planners:
                time.sleep(0)  # releases the GIL: the database thread, if waiting for it, goes on at once
                with phase("plan"):
                    _accrue(lic_id, planner, estimates.get(lic_id), read, write, result)
            with phase("write_build"):
                args = (
                    sql.entries_copy_text(run_id, office_id, write.entries),
                    sql.lot_balance_arrays(write.lot_deltas),
                    sql.usage_balance_arrays(write.usage_deltas),
                )
            db.write(_write_group, db.cursor, *args)


def _plan_group(
    pairs: dict[int, Pair],
    lic_ids: list[int],
    lics: dict[int, LineItemCode],
    named: dict[int, list[Holding]],
    date: datetime.date,
    first_open: datetime.date | None,
    result: JobResult,
    serial_lots: dict[int, dict[int, Decimal]],
) -> list[tuple[int, PairPlanner]]:
    """(LIC, its planner after the give-back loop), LIC by LIC."""
    out = []
    for lic_id in lic_ids:
        pair = pairs.get(lic_id)
        result.pairs += 1
        if pair is None:
            continue
        with phase("plan"):
            named_ids = {x.returns_usage_id for x in pair.usages if x.returns_usage_id}
            reversed_ids = {x.reverses_usage_id for x in pair.usages if x.reverses_usage_id}
            planner = PairPlanner(
                method=lics[lic_id].costing_method,
                lots=pair.lots,
                usages=pair.usages,
                named_holdings=[h for u in named_ids for h in named.get(u, [])],
                # _load_named keeps a reversed return's give-backs under its id negated
                reversed_give_backs=[h for u in reversed_ids for h in named.get(-u, [])],
                first_open=first_open,
                run_date=date,
                # a serialized LIC's usage goes to its serials' lots
                serial_lots=serial_lots if lics[lic_id].serialized else None,
            )
            planner.loop()
        out.append((lic_id, planner))
    return out


def _retarget(
    db: Pipeline,
    planners: list[tuple[int, PairPlanner]],
    read: GroupRead,
    revalue: dict[int, list[Holding]],
    production_ct: int,
) -> None:
    """Step 3 for the group: re-target the lots whose unit cost changed and those that took a
    give-back. The posted records of the latter are read here (on the database thread, after the
    writes queued before: other LICs), the former's were read with the group."""
    extra = sorted({lot_id for _, p in planners for lot_id in p.given_back_lots} - revalue.keys())
    if extra:
        revalue.update(db.now(_load_revalue, db.cursor, extra, read.production_orders, production_ct))
    for lic_id, planner in planners:
        with phase("plan"):
            planner.revalue_lots({i: revalue.get(i, []) for i in planner.retarget_ids(read.pairs[lic_id].revalue_ids)})


def _accrue(
    lic_id: int, planner: PairPlanner, estimate: Decimal | None, read: GroupRead, write: GroupWrite, result: JobResult
) -> None:
    """The pair's accruals (6a), then its plan joins the group's write; a pair whose plan cannot be
    stored is reported instead, and the rest of the job goes on."""
    try:
        planner.accruals(estimate)
    except ValueTooLarge as error:
        result.exceptions.append(PairFailure(lic_id, error.usage_id, str(error)))
        return
    plan = planner.plan
    result.add(plan)
    write.entries.extend([(lic_id, e) for e in plan.entries])
    write.lot_deltas.update(plan.lot_deltas)
    write.usage_deltas.update(plan.usage_deltas)
    transfers = result.transfer_usages
    if transfers:
        result.transfer_lots.update(
            transfers[uid] for uid, d in plan.usage_deltas.items() if d.value != 0 and uid in transfers
        )
    orders = read.production_orders
    if orders:
        result.production_orders.update(
            orders[uid] for uid, d in plan.usage_deltas.items() if d.value != 0 and uid in orders
        )


# --- the reads and writes, on the database thread ------------------------------------------------


def _query_group(
    new_cursor: Callable[[], JobCursor], office_id: int, lic_ids: list[int]
) -> tuple[JobCursor, JobCursor]:
    with phase("db_read"):
        return query_pairs(new_cursor, office_id, lic_ids)


def query_pairs(new_cursor: Callable[[], JobCursor], office_id: int, lic_ids: list[int]) -> tuple[JobCursor, JobCursor]:
    """Run the pairs' lot and usage queries; their rows are converted by ``_load`` on the planning
    thread (psycopg turns rows into Python objects on fetch)."""
    lots, usage = new_cursor(), new_cursor()
    with lots.pipeline():  # both sent at once: one round trip
        lots.execute(sql.LOTS_SQL, {"office": office_id, "lics": lic_ids})
        usage.execute(sql.USAGE_SQL, {"office": office_id, "lics": lic_ids})
    return lots, usage


def _load(lots: JobCursor, usage: JobCursor) -> GroupRead:
    pairs: dict[int, Pair] = defaultdict(Pair)
    for lot_id, lic_id, date, qty_in, qty_used, cost, value_used, released, moved, revalue in rows(lots):
        pair = pairs[lic_id]
        pair.lots.append(PlanLot(lot_id, date, qty_in, qty_used, cost, value_used, released, moved))
        if revalue:
            pair.revalue_ids.append(lot_id)
    orders: dict[int, int] = {}
    for uid, lic_id, date, quantity, allocated, lot_id, returns_id, accrued, ncb, order_id, accrued_on, rev in rows(
        usage
    ):
        pairs[lic_id].usages.append(
            PlanUsage(uid, date, quantity, allocated, lot_id, returns_id, accrued, ncb, accrued_on, None, rev)
        )
        if order_id is not None:
            orders[uid] = order_id
    lots.close()
    usage.close()
    return GroupRead(pairs, orders)


def _read_dependent(
    db: Pipeline, office_id: int, read: GroupRead, production_ct: int
) -> tuple[dict[int, list[Holding]], dict[int, list[Holding]], dict[int, Decimal]]:
    """The reads that depend on a group's rows: holdings of the usage returns name and of the lots
    to revalue, estimates from other offices (rarely anything to read in a full run). On the
    database thread when there is something to read (it then waits for the writes queued before
    it), else nothing to wait for."""
    pairs = read.pairs
    named_ids = sorted(
        {u.returns_usage_id for p in pairs.values() for u in p.usages if u.returns_usage_id}
        | {u.reverses_usage_id for p in pairs.values() for u in p.usages if u.reverses_usage_id}
    )
    revalue_ids = sorted(lot_id for p in pairs.values() for lot_id in p.revalue_ids)
    estimates, missing = _local_estimates(pairs)
    named: dict[int, list[Holding]] = {}
    revalue: dict[int, list[Holding]] = {}
    if named_ids or revalue_ids or missing:
        named, revalue, others = db.now(
            _read_holdings_and_estimates,
            db.cursor,
            office_id,
            named_ids,
            revalue_ids,
            missing,
            read.production_orders,
            production_ct,
        )
        estimates.update(others)
    return named, revalue, estimates


def _read_holdings_and_estimates(
    cursor: JobCursor,
    office_id: int,
    named_ids: list[int],
    revalue_ids: list[int],
    missing: list[int],
    orders: dict[int, int],
    production_ct: int,
) -> tuple[dict[int, list[Holding]], dict[int, list[Holding]], dict[int, Decimal]]:
    with phase("db_read"):
        return (
            _load_named(cursor, named_ids),
            _load_revalue(cursor, revalue_ids, orders, production_ct),
            _other_office_estimates(cursor, office_id, missing),
        )


def _load_named(cursor: JobCursor, named: list[int]) -> dict[int, list[Holding]]:
    """Holdings of the usage that returns name (``named``: their ids)."""
    out: dict[int, list[Holding]] = defaultdict(list)
    if named:
        cursor.execute(sql.NAMED_HOLDINGS_SQL, {"named": named})
        for owner, lot_id, quantity, last in cursor.fetchall():
            out[owner].append(Holding(owner, lot_id, quantity, ZERO, last))
        # the give-backs of the reversed returns among them (DOMAIN.md 9), under the return's id negated
        cursor.execute(sql.REVERSED_GIVE_BACKS_SQL, {"named": named})
        for returned, lot_id, quantity, last in cursor.fetchall():
            out[-returned].append(Holding(returned, lot_id, quantity, ZERO, last))
    return out


def _load_revalue(
    cursor: JobCursor, lot_ids: list[int], orders: dict[int, int], production_ct: int
) -> dict[int, list[Holding]]:
    """Every posted record (usage, lot) of the lots to re-target (a component usage's production
    order is added to ``orders``)."""
    out: dict[int, list[Holding]] = defaultdict(list)
    if lot_ids:
        cursor.execute(sql.REVALUE_HOLDINGS_SQL, {"lots": lot_ids, "production_ct": production_ct})
        for lot_id, uid, quantity, value, last, order_id, lifo, last_back, owner in cursor.fetchall():
            out[lot_id].append(Holding(uid, lot_id, quantity, value, last, lifo, last_back, owner))
            if order_id is not None:
                orders.setdefault(uid, order_id)
    return out


def _local_estimates(pairs: dict[int, Pair]) -> tuple[dict[int, Decimal], list[int]]:
    """The accrual unit cost of each pair (DOMAIN.md 6a) is the latest released lot of the LIC, in
    this office if it has one: read here from the pair's loaded lots. Returns those, and the
    LICs with usage but no released lot here (``_other_office_estimates`` reads theirs)."""
    out: dict[int, Decimal] = {}
    missing = []
    for lic_id, pair in pairs.items():
        best = None
        for lot in pair.lots:
            if lot.released and (best is None or (lot.date, lot.id) > (best.date, best.id)):
                best = lot
        if best is not None:
            out[lic_id] = best.unit_cost
        elif pair.usages:
            missing.append(lic_id)
    return out, sorted(missing)


def _other_office_estimates(cursor: JobCursor, office_id: int, missing: list[int]) -> dict[int, Decimal]:
    if not missing:
        return {}
    cursor.execute(sql.ESTIMATE_SQL, {"lics": missing, "office": office_id})
    return dict(cursor.fetchall())


def _read_serial_lots(
    db: Pipeline, pairs: dict[int, Pair], lics: dict[int, LineItemCode]
) -> dict[int, dict[int, Decimal]]:
    """Serialized LICs of the group: usage id -> {lot id: its serials there still to allocate, or
    for a return to give back}, read on the database thread. Other LICs read nothing here."""
    usages = [u for lic_id, pair in pairs.items() if lics[lic_id].serialized for u in pair.usages]
    if not usages:
        return {}
    return db.now(
        _load_serial_lots, db.cursor, sorted(u.id for u in usages), sorted(u.id for u in usages if u.allocated != 0)
    )


def _load_serial_lots(cursor: JobCursor, usage_ids: list[int], partial: list[int]) -> dict[int, dict[int, Decimal]]:
    with phase("db_read"):
        out: dict[int, dict[int, Decimal]] = defaultdict(dict)
        cursor.execute(sql.SERIAL_LOTS_SQL, {"ids": usage_ids})
        for usage_id, lot_id, count in cursor.fetchall():
            out[usage_id][lot_id] = Decimal(count)
        if partial:
            cursor.execute(sql.SERIAL_MOVED_SQL, {"ids": partial})
            for usage_id, lot_id, moved in cursor.fetchall():
                if lot_id in out.get(usage_id, ()):
                    out[usage_id][lot_id] -= moved
        return dict(out)


def _write_group(
    cursor: JobCursor, entries_text: str, lot_arrays: list[str] | None, usage_arrays: list[str] | None
) -> None:
    if entries_text:
        with phase("db_entries"):
            cursor.copy_in(sql.COPY_SQL, entries_text)
    if lot_arrays or usage_arrays:
        with phase("db_balances"):
            cursor.execute(
                sql.BALANCES_SQL, [*(lot_arrays or sql.LOT_ARRAYS_EMPTY), *(usage_arrays or sql.USAGE_ARRAYS_EMPTY)]
            )
