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
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, NamedTuple

from django.apps import apps
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction

from core.money import ZERO, unit_cost
from inventory_lots import locks, pending
from inventory_lots.models import CostChangeCause, LineItemCode
from inventory_lots.selectors import current_lock_date
from inventory_lots.services import COST_HISTORY_SQL, LotCostTarget, cost_history_params, storable_cost

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
    office_id: int


Key = tuple[int, int]  # a pair: (office id, LIC id)


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
    transfer_numbers: dict[int, str] = field(default_factory=dict)  # transfer lot id -> its transfer's number
    # the transfer usage whose lot this job costed (``_cost_transfer_lots``): not marked for a round
    settled_usages: set[int] = field(default_factory=set)

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
    *,
    run_id: int,
    office_id: int | None,
    lic_ids: list[int],
    date: datetime.date,
    actor: User | None,
    skip: Collection[Key] = (),
) -> JobResult:
    """Process the pairs of one job that are still pending -- these LICs in one office, or in every
    office (``office_id`` None: a LIC's pairs in all offices together, so a transfer's destination
    is planned with its cost) -- in one transaction under the LIC row locks, but not the pairs in
    ``skip`` (their marks stay). Safe to run twice: the second finds nothing pending."""
    result = JobResult()
    with phase("lock"):
        # entries are dated from the lock date read below: it must stay there until this commits
        locks.lock_date_shared()
        lics = locks.lics_for_update(lic_ids)
        to_do = take_pending(office_id, sorted(lics), skip)
    if not to_do:
        return result
    with phase("read"):
        cycles = recompute_production_lots(to_do, date=date, actor=actor)
        result.exceptions.extend(PairFailure(c.lic_id, None, c.message, c.office_id) for c in cycles)
        result.transfer_usages, result.transfer_numbers = lot_costs.transfer_usage_lots(to_do)
    with connection.cursor() as cursor, by_primary_key(cursor):
        _read_plan_write(run_id=run_id, pairs=to_do, lics=lics, date=date, actor=actor, result=result)
    with phase("write_other"):
        mark_production_lots(result.production_orders, result.transfer_lots)
        failed: dict[int, list[int]] = defaultdict(list)
        for failure in result.exceptions:  # the next run retries them
            failed[failure.office_id].append(failure.lic_id)
        for failed_office, failed_lics in failed.items():
            pending.mark_pairs(failed_office, failed_lics)
    return result


# --- steps 2, 3 and 5: what is pending ----------------------------------------------------------
# A production lot whose component COGS moved waits in PendingLotCost for its cost to be recomputed
# (its pair is pending too); the lot's table belongs to this app, the pair's to inventory_lots.


def take_pending(office_id: int | None, lic_ids: list[int], skip: Collection[Key] = ()) -> list[Key]:
    """The pairs of the job with something to do (their PendingCogs marks taken, or a production lot
    waiting for its cost), ascending: these LICs in the office, or in every office (None); a pair in
    ``skip`` is left out with its mark."""
    to_do = pending.take_pairs_in(office_id, lic_ids, keep=skip)
    params: list[Any] = [lic_ids]
    where = "lic_id = ANY(%s)"
    if office_id is not None:
        where, params = f"office_id = %s AND {where}", [office_id, lic_ids]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT office_id, lic_id FROM cogs_pendinglotcost WHERE {where}", params)  # noqa: S608
        to_do.update((row[0], row[1]) for row in cursor.fetchall())
    return sorted(to_do - set(skip))


def recompute_production_lots(
    pairs: list[Key], *, date: datetime.date, actor: User | None
) -> list[lot_costs.CostCycle]:
    """Recompute the cost of the production and transfer lots of these pairs waiting for it (the LICs
    are locked); returns those left as they are because their cost would depend on itself."""
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM cogs_pendinglotcost WHERE (office_id, lic_id) IN "
            "(SELECT * FROM unnest(%s::bigint[], %s::bigint[])) RETURNING lot_id",
            [[o for o, _ in pairs], [lic for _, lic in pairs]],
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
    """What a group's read returned for one (office, LIC): the rows as read (a planner is built from
    them, again if a transfer lot of the pair gets its cost in the job) and the objects of the
    latest plan (``lots``, ``usages``: a plan changes them)."""

    lot_rows: list[tuple] = field(default_factory=list)  # PlanLot's fields
    usage_rows: list[tuple] = field(default_factory=list)  # PlanUsage's fields, then the COGS value
    revalue_ids: list[int] = field(default_factory=list)  # lots whose cost changed since their entries
    lots: list[PlanLot] = field(default_factory=list)
    usages: list[PlanUsage] = field(default_factory=list)

    def fresh(self, costs: dict[int, Decimal]) -> None:
        """New plan objects from the rows, each lot at its cost in ``costs`` if there."""
        self.lots = [
            PlanLot(r[0], r[1], r[2], r[3], costs.get(r[0], r[4]), r[5], r[6], r[7]) if costs else PlanLot(*r)
            for r in self.lot_rows
        ]
        self.usages = [PlanUsage(*r[:11]) for r in self.usage_rows]


@dataclass
class GroupRead:
    pairs: dict[Key, Pair]
    production_orders: dict[int, int]  # component usage id -> its production order id


@dataclass
class GroupWrite:
    entries: list[tuple[int, int, PlannedEntry]] = field(default_factory=list)  # (office id, LIC id, entry)
    lot_deltas: dict[int, LotDelta] = field(default_factory=dict)
    usage_deltas: dict[int, UsageDelta] = field(default_factory=dict)


@dataclass
class GroupInputs:
    """What planning a pair of the group needs besides its rows (read once for the group)."""

    lics: dict[int, LineItemCode]
    named: dict[int, list[Holding]]
    serial_lots: dict[int, dict[int, Decimal]]
    revalue: dict[int, list[Holding]]
    date: datetime.date
    first_open: datetime.date | None


def _groups(pairs: list[Key]) -> list[list[Key]]:
    """The job's pairs in groups of about GROUP_LICS pairs, a LIC's pairs (its offices) always in one
    group: a transfer and the lot it makes (one LIC, two offices) are planned together."""
    groups: list[list[Key]] = []
    by_lic: dict[int, list[Key]] = defaultdict(list)
    for key in pairs:
        by_lic[key[1]].append(key)
    current: list[Key] = []
    for lic_id in sorted(by_lic):
        current.extend(sorted(by_lic[lic_id]))
        if len(current) >= GROUP_LICS:
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return groups


def _read_plan_write(
    *,
    run_id: int,
    pairs: list[Key],
    lics: dict[int, LineItemCode],
    date: datetime.date,
    actor: User | None,
    result: JobResult,
) -> None:
    """Read, plan and write the job's pending pairs in groups of about GROUP_LICS pairs, pipelined:
    the database thread reads group k+1 and writes group k-1 while this thread plans group k, in one
    transaction on one connection. Records in ``result`` the production orders whose component
    COGS moved."""
    production_ct = production_order_type_id()
    first_open = first_open_day()
    groups = _groups(pairs)
    with job_pipeline() as db:
        reading = db.later(_query_group, db.new_cursor, groups[0])
        for k, group in enumerate(groups):
            with phase("read_wait"):
                queried = reading.result()
            if k + 1 < len(groups):
                reading = db.later(_query_group, db.new_cursor, groups[k + 1])
            with phase("read_load"):
                read = _load(queried)
            with phase("read_wait"):
                named, revalue, estimates = _read_dependent(db, read, production_ct)
                serial_lots = _read_serial_lots(db, read.pairs, lics)
            inputs = GroupInputs(lics, named, serial_lots, revalue, date, first_open)
            planners = _plan_group(read.pairs, group, inputs, result)
            with phase("read_wait"):
                _retarget(db, planners, read, revalue, production_ct)
            with phase("plan"):
                costs = _cost_transfer_lots(planners, read, inputs, result)
                if costs:  # the accrual estimate is the latest released lot's cost: maybe one of these
                    recosted = {key: read.pairs[key] for key in {c.key for c in costs}}
                    estimates.update(_local_estimates(recosted, {c.lot_id: c.new for c in costs})[0])
            write = GroupWrite()
            for key, planner in planners.items():
                time.sleep(0)  # releases the GIL: the database thread, if waiting for it, goes on at once
                with phase("plan"):
                    _accrue(key, planner, estimates.get(key), read, write, result)
            with phase("write_build"):
                for c in costs:  # a costed lot nothing was allocated from still takes its cost
                    write.lot_deltas.setdefault(c.lot_id, LotDelta(ZERO, ZERO))
                args = (
                    sql.entries_copy_text(run_id, write.entries),
                    sql.lot_balance_arrays(write.lot_deltas, {c.lot_id: c.new for c in costs}),
                    sql.usage_balance_arrays(write.usage_deltas),
                    _cost_history(costs, date, actor, result.transfer_numbers),
                )
            db.write(_write_group, db.cursor, *args)


def _planner(key: Key, pair: Pair, inputs: GroupInputs) -> PairPlanner:
    """The pair's planner after the give-back loop, on the pair's current objects. The holdings and
    serial counts it changes are copies: the pair can be planned again."""
    lic = inputs.lics[key[1]]
    named_ids = {x.returns_usage_id for x in pair.usages if x.returns_usage_id}
    reversed_ids = {x.reverses_usage_id for x in pair.usages if x.reverses_usage_id}
    serial_lots = None
    if lic.serialized:  # a serialized LIC's usage goes to its serials' lots
        serial_lots = {u.id: dict(inputs.serial_lots[u.id]) for u in pair.usages if u.id in inputs.serial_lots}
    planner = PairPlanner(
        method=lic.costing_method,
        lots=pair.lots,
        usages=pair.usages,
        named_holdings=[replace(h) for u in named_ids for h in inputs.named.get(u, [])],
        # _load_named keeps a reversed return's give-backs under its id negated
        reversed_give_backs=[replace(h) for u in reversed_ids for h in inputs.named.get(-u, [])],
        first_open=inputs.first_open,
        run_date=inputs.date,
        serial_lots=serial_lots,
    )
    planner.loop()
    return planner


def _plan_group(
    pairs: dict[Key, Pair], keys: list[Key], inputs: GroupInputs, result: JobResult
) -> dict[Key, PairPlanner]:
    """Each pair's planner after the give-back loop, pair by pair."""
    out = {}
    for key in keys:
        pair = pairs.get(key)
        result.pairs += 1
        if pair is None:
            continue
        with phase("plan"):
            pair.fresh({})
            out[key] = _planner(key, pair, inputs)
    return out


def _retarget(
    db: Pipeline,
    planners: dict[Key, PairPlanner],
    read: GroupRead,
    revalue: dict[int, list[Holding]],
    production_ct: int,
) -> None:
    """Step 3 for the group: re-target the lots whose unit cost changed and those that took a
    give-back. The posted records of the latter are read here (on the database thread, after the
    writes queued before: other LICs), the former's were read with the group."""
    extra = sorted({lot_id for p in planners.values() for lot_id in p.given_back_lots} - revalue.keys())
    if extra:
        revalue.update(db.now(_load_revalue, db.cursor, extra, read.production_orders, production_ct))
    for key, planner in planners.items():
        with phase("plan"):
            _revalue(planner, read.pairs[key], revalue)


def _revalue(planner: PairPlanner, pair: Pair, revalue: dict[int, list[Holding]]) -> None:
    planner.revalue_lots({i: revalue.get(i, []) for i in planner.retarget_ids(pair.revalue_ids)})


class LotCost(NamedTuple):
    """A transfer lot costed in the job: its pair, its date, its old and new unit cost."""

    lot_id: int
    key: Key
    date: datetime.date
    old: Decimal
    new: Decimal


def _cost_transfer_lots(
    planners: dict[Key, PairPlanner], read: GroupRead, inputs: GroupInputs, result: JobResult
) -> list[LotCost]:
    """DOMAIN.md 9 in dependency order, within the group: a transfer lot made by a transfer usage
    planned here, with nothing posted on it yet, takes its cost (the usage's COGS value / quantity)
    before the pair it is used in is written, instead of its provisional cost corrected by a later
    round. A lot's turn comes after the transfer lots its usage took from (levels); allocation
    quantities do not depend on costs, so the lots each usage took from are known from the first
    plan, and a new cost only re-values the plan's allocations on the lot (``PairPlanner.reprice``).
    Lots in a cycle (and those after one), a usage not fully allocated or not new, a lot with posted
    records: left to the rounds, as before. Returns the lots whose cost changed (the group's write
    sets them, with their cost history rows)."""
    transfers = result.transfer_usages
    if not transfers:
        return []
    usage_pair: dict[int, Key] = {}
    for key, pair in read.pairs.items():
        for r in pair.usage_rows:
            # new: nothing allocated, no COGS value (its value is this plan's)
            if r[0] in transfers and r[3] == 0 and r[11] == 0 and key in planners:
                usage_pair[r[0]] = key
    if not usage_pair:
        return []
    wanted = {transfers[u]: u for u in usage_pair}
    lot_pair: dict[int, Key] = {}
    lot_row: dict[int, tuple] = {}
    for key, pair in read.pairs.items():
        for r in pair.lot_rows:
            if r[0] in wanted and r[3] == 0 and r[5] == 0 and key in planners:  # nothing posted on it
                lot_pair[r[0]] = key
                lot_row[r[0]] = r
    usage_of = {lot: u for lot, u in wanted.items() if lot in lot_pair}
    if not usage_of:
        return []
    # the candidate lots each candidate's usage took from (its allocations in its pair's first plan)
    sources: dict[int, set[int]] = {lot: set() for lot in usage_of}
    lot_of = {u: lot for lot, u in usage_of.items()}
    for key in {usage_pair[u] for u in lot_of}:
        for e in planners[key].plan.entries:
            if e.lot_id in usage_of and e.usage_id in lot_of:
                sources[lot_of[e.usage_id]].add(e.lot_id)
    levels = _levels(sources)
    costs: dict[int, Decimal] = {}
    for level in levels:
        changed: dict[Key, list[int]] = defaultdict(list)
        for lot in level:
            u = usage_of[lot]
            planner = planners[usage_pair[u]]
            usage = planner.usage_by_id[u]
            if usage.quantity <= 0 or usage.allocated != usage.quantity:
                continue  # not fully allocated: the lot keeps its provisional cost (rounds, as before)
            delta = planner.plan.usage_deltas.get(u)
            target = unit_cost((delta.value if delta else ZERO) / usage.quantity)
            if not storable_cost(lot_row[lot][2], target):
                continue  # the rounds' recompute refuses it, as before
            result.settled_usages.add(u)
            if target != lot_row[lot][4]:
                costs[lot] = target
                changed[lot_pair[lot]].append(lot)
        for key, lots in changed.items():
            # the plan's allocations on these lots re-valued at their new cost, or (a give-back or
            # revaluation on one of them) the pair planned again at it
            if not planners[key].reprice({lot: costs[lot] for lot in lots}):
                pair = read.pairs[key]
                pair.fresh(costs)
                planner = planners[key] = _planner(key, pair, inputs)
                _revalue(planner, pair, inputs.revalue)
    return [LotCost(lot, lot_pair[lot], lot_row[lot][1], lot_row[lot][4], cost) for lot, cost in sorted(costs.items())]


def _levels(sources: dict[int, set[int]]) -> list[list[int]]:
    """The lots in dependency order, level by level: a lot comes after every lot among ``sources``'
    keys it depends on. Lots in a cycle, or after one, are left out."""
    remaining = {lot: set(srcs) & sources.keys() for lot, srcs in sources.items()}
    levels: list[list[int]] = []
    done: set[int] = set()
    while True:
        level = sorted(lot for lot, srcs in remaining.items() if srcs <= done)
        if not level:
            return levels
        levels.append(level)
        done.update(level)
        for lot in level:
            del remaining[lot]


def _accrue(
    key: Key, planner: PairPlanner, estimate: Decimal | None, read: GroupRead, write: GroupWrite, result: JobResult
) -> None:
    """The pair's accruals (6a), then its plan joins the group's write; a pair whose plan cannot be
    stored is reported instead, and the rest of the job goes on."""
    office_id, lic_id = key
    try:
        planner.accruals(estimate)
    except ValueTooLarge as error:
        result.exceptions.append(PairFailure(lic_id, error.usage_id, str(error), office_id))
        return
    plan = planner.plan
    result.add(plan)
    write.entries.extend([(office_id, lic_id, e) for e in plan.entries])
    write.lot_deltas.update(plan.lot_deltas)
    write.usage_deltas.update(plan.usage_deltas)
    transfers = result.transfer_usages
    if transfers:
        settled = result.settled_usages
        result.transfer_lots.update(
            transfers[uid]
            for uid, d in plan.usage_deltas.items()
            if d.value != 0 and uid in transfers and uid not in settled
        )
    orders = read.production_orders
    if orders:
        result.production_orders.update(
            orders[uid] for uid, d in plan.usage_deltas.items() if d.value != 0 and uid in orders
        )


# --- the reads and writes, on the database thread ------------------------------------------------


def _query_group(new_cursor: Callable[[], JobCursor], keys: list[Key]) -> list[tuple[int, JobCursor, JobCursor]]:
    with phase("db_read"):
        by_office: dict[int, list[int]] = defaultdict(list)
        for office_id, lic_id in keys:
            by_office[office_id].append(lic_id)
        cursors = [(office_id, new_cursor(), new_cursor()) for office_id in sorted(by_office)]
        with cursors[0][1].pipeline():  # every office's queries sent at once: one round trip
            for office_id, lots, usage in cursors:
                _execute_pair_queries(lots, usage, office_id, by_office[office_id])
        return cursors


def _execute_pair_queries(lots: JobCursor, usage: JobCursor, office_id: int, lic_ids: list[int]) -> None:
    lots.execute(sql.LOTS_SQL, {"office": office_id, "lics": lic_ids})
    usage.execute(sql.USAGE_SQL, {"office": office_id, "lics": lic_ids})


def query_pairs(new_cursor: Callable[[], JobCursor], office_id: int, lic_ids: list[int]) -> tuple[JobCursor, JobCursor]:
    """Run the pairs' lot and usage queries; their rows are converted by ``_load`` on the planning
    thread (psycopg turns rows into Python objects on fetch)."""
    lots, usage = new_cursor(), new_cursor()
    with lots.pipeline():  # both sent at once: one round trip
        _execute_pair_queries(lots, usage, office_id, lic_ids)
    return lots, usage


def _load(queried: list[tuple[int, JobCursor, JobCursor]]) -> GroupRead:
    pairs: dict[Key, Pair] = defaultdict(Pair)
    orders: dict[int, int] = {}
    for office_id, lots, usage in queried:
        for lot_id, lic_id, date, qty_in, qty_used, cost, value_used, released, moved, revalue in rows(lots):
            pair = pairs[(office_id, lic_id)]
            pair.lot_rows.append((lot_id, date, qty_in, qty_used, cost, value_used, released, moved))
            if revalue:
                pair.revalue_ids.append(lot_id)
        for (
            uid,
            lic_id,
            date,
            quantity,
            allocated,
            lot_id,
            returns_id,
            accrued,
            ncb,
            order_id,
            accrued_on,
            rev,
            value,
        ) in rows(usage):
            pairs[(office_id, lic_id)].usage_rows.append(
                (uid, date, quantity, allocated, lot_id, returns_id, accrued, ncb, accrued_on, None, rev, value)
            )
            if order_id is not None:
                orders[uid] = order_id
        lots.close()
        usage.close()
    return GroupRead(pairs, orders)


def _read_dependent(
    db: Pipeline, read: GroupRead, production_ct: int
) -> tuple[dict[int, list[Holding]], dict[int, list[Holding]], dict[Key, Decimal]]:
    """The reads that depend on a group's rows: holdings of the usage returns name and of the lots
    to revalue, estimates from other offices (rarely anything to read in a full run). On the
    database thread when there is something to read (it then waits for the writes queued before
    it), else nothing to wait for."""
    pairs = read.pairs
    named_ids = sorted(
        {r[5] for p in pairs.values() for r in p.usage_rows if r[5]}
        | {r[10] for p in pairs.values() for r in p.usage_rows if r[10]}
    )
    revalue_ids = sorted(lot_id for p in pairs.values() for lot_id in p.revalue_ids)
    estimates, missing = _local_estimates(pairs)
    named: dict[int, list[Holding]] = {}
    revalue: dict[int, list[Holding]] = {}
    if named_ids or revalue_ids or missing:
        named, revalue, others = db.now(
            _read_holdings_and_estimates,
            db.cursor,
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
    named_ids: list[int],
    revalue_ids: list[int],
    missing: list[Key],
    orders: dict[int, int],
    production_ct: int,
) -> tuple[dict[int, list[Holding]], dict[int, list[Holding]], dict[Key, Decimal]]:
    with phase("db_read"):
        return (
            _load_named(cursor, named_ids),
            _load_revalue(cursor, revalue_ids, orders, production_ct),
            _other_office_estimates(cursor, missing),
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


def _local_estimates(
    pairs: dict[Key, Pair], costs: dict[int, Decimal] | None = None
) -> tuple[dict[Key, Decimal], list[Key]]:
    """The accrual unit cost of each pair (DOMAIN.md 6a) is the latest released lot of the LIC, in
    this office if it has one: read here from the pair's loaded lots (at their cost in ``costs`` if
    there: transfer lots costed in the job). Returns those, and the pairs with usage but no released
    lot here (``_other_office_estimates`` reads theirs)."""
    out: dict[Key, Decimal] = {}
    missing = []
    for key, pair in pairs.items():
        best = None
        for r in pair.lot_rows:  # (id, date, ..., cost at 4, ..., released at 6)
            if r[6] and (best is None or (r[1], r[0]) > (best[1], best[0])):
                best = r
        if best is not None:
            out[key] = costs.get(best[0], best[4]) if costs else best[4]
        elif pair.usage_rows:
            missing.append(key)
    return out, sorted(missing)


def _other_office_estimates(cursor: JobCursor, missing: list[Key]) -> dict[Key, Decimal]:
    by_office: dict[int, list[int]] = defaultdict(list)
    for office_id, lic_id in missing:
        by_office[office_id].append(lic_id)
    out: dict[Key, Decimal] = {}
    for office_id, lic_ids in sorted(by_office.items()):
        cursor.execute(sql.ESTIMATE_SQL, {"lics": lic_ids, "office": office_id})
        out.update(((office_id, lic_id), cost) for lic_id, cost in cursor.fetchall())
    return out


def _read_serial_lots(
    db: Pipeline, pairs: dict[Key, Pair], lics: dict[int, LineItemCode]
) -> dict[int, dict[int, Decimal]]:
    """Serialized LICs of the group: usage id -> {lot id: its serials there still to allocate, or
    for a return to give back}, read on the database thread. Other LICs read nothing here."""
    usages = [r for key, pair in pairs.items() if lics[key[1]].serialized for r in pair.usage_rows]
    if not usages:
        return {}
    return db.now(_load_serial_lots, db.cursor, sorted(r[0] for r in usages), sorted(r[0] for r in usages if r[3] != 0))


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


def _cost_history(
    costs: list[LotCost], date: datetime.date, actor: User | None, numbers: dict[int, str]
) -> list[object] | None:
    """The cost history rows of the lots the group costed (DOMAIN.md 9, cause ``transfer_recompute``,
    dated the run's date or the lot's if later, labelled with the transfer's number), as
    ``inventory_lots.services.COST_HISTORY_SQL``'s parameters; None: none."""
    if not costs:
        return None
    changes = [(LotCostTarget(c.lot_id, c.new, max(date, c.date), numbers.get(c.lot_id, "")), c.old) for c in costs]
    return cost_history_params(changes, cause=CostChangeCause.TRANSFER_RECOMPUTE, actor=actor)


def _write_group(
    cursor: JobCursor,
    entries_text: str,
    lot_arrays: list[str] | None,
    usage_arrays: list[str] | None,
    cost_history: list[object] | None,
) -> None:
    if entries_text:
        with phase("db_entries"):
            cursor.copy_in(sql.COPY_SQL, entries_text)
    if lot_arrays or usage_arrays:
        with phase("db_balances"):
            cursor.execute(
                sql.BALANCES_SQL, [*(lot_arrays or sql.LOT_ARRAYS_EMPTY), *(usage_arrays or sql.USAGE_ARRAYS_EMPTY)]
            )
    if cost_history:
        with phase("db_balances"):
            cursor.execute(COST_HISTORY_SQL, cost_history)
