"""The COGS plan of one (LIC, office): a pure function over plain data (DOMAIN.md section 6).

No database here. ``plan_pair`` takes the pair's lots, its unallocated usage, the holdings of
the usage that returns name, and the holdings of lots whose unit cost changed; it runs the
give-back loop (give-backs, then allocation, repeated until a pass changes nothing), then the
revaluation, then the accruals (6a), and returns the entries to post plus the balance deltas.

Conventions (DOMAIN.md 6 "Conventions"): a return's quantities and values are negative;
revaluation entries carry quantity 0; the allocation that brings a lot's qty_used to qty_in is
valued ``value_in - value_used`` (the remainder rule); every other allocation and give-back is
``round(qty x unit cost, 2)`` half up. Step 3 re-targets every record of a lot whose unit cost
changed or that took a give-back: each (usage, lot) record at ``round(qty x unit cost, 2)``, a
holding returned in full at exactly zero (the holding rule), and the latest allocation of a used-up
lot at the remainder; the differences are revaluation entries.

Dates (DOMAIN.md 6a): an allocation or give-back is dated the latest of its usage's date, the first
open day and the lot's movement date (its date, more quantity reported into it, its allocation and
give-back entries), so stock is never used before it exists and a lot's entries are in date order.
An accrual is dated the later of its usage's date and the first open day; the reversal of an old
accrual and the accrual for what remains are dated the latest of the old accrual's date, the first
of the entries the plan posted for the usage and the first open day (the first, not the last: a run
that allocates a usage on two dates would otherwise count the estimate and the true cost of the
earlier part both, between the two dates).
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from core.money import (
    MAX_MONEY,  # numeric(18, 2): an entry's or a balance's value stays below it
    ZERO,
    money,
    plain,
)
from core.money import MONEY_EXP as CENT
from inventory_lots.models import CostingMethod

from .models import EntryKind

# the vocabulary as plain values (the planner compares them a million times a full run)
ALLOCATION = int(EntryKind.ALLOCATION)
GIVE_BACK = int(EntryKind.GIVE_BACK)
GIVE_BACK_LIFO = int(EntryKind.GIVE_BACK_LIFO)
REVALUATION = int(EntryKind.REVALUATION)
ACCRUAL = int(EntryKind.ACCRUAL)
ACCRUAL_REVERSAL = int(EntryKind.ACCRUAL_REVERSAL)

FIFO = CostingMethod.FIFO.value
LIFO = CostingMethod.LIFO.value
SPECIFIC = CostingMethod.SPECIFIC.value

NEW_SEQ_BASE = 1 << 62  # sequence numbers of entries planned now sort after every posted entry id


class ValueTooLarge(Exception):
    """A pair's plan holds a value no money column can store (an accrual of a huge usage at its
    estimate): the pair cannot be posted; the engine skips it and reports the usage."""

    def __init__(self, usage_id: int, quantity: Decimal, unit_cost: Decimal, value: Decimal):
        self.usage_id = usage_id
        super().__init__(
            f"usage {usage_id}: {plain(quantity, grouping=True)} × {plain(unit_cost, grouping=True)} = {value:,} "
            f"is too large to store (at most 9,999,999,999,999,999.99)"
        )


@dataclass(slots=True)
class PlanLot:
    id: int
    date: datetime.date
    qty_in: Decimal
    qty_used: Decimal
    unit_cost: Decimal
    value_used: Decimal
    released: bool = True
    # the lot's latest quantity event or allocation/give-back date: no new allocation or give-back
    # is dated earlier (left out or None: the lot's date, set by __post_init__)
    movement_date: datetime.date = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.movement_date is None or self.movement_date < self.date:
            self.movement_date = self.date

    @property
    def value_in(self) -> Decimal:
        return money(self.qty_in * self.unit_cost)

    @property
    def available(self) -> Decimal:
        return self.qty_in - self.qty_used


@dataclass(slots=True)
class PlanUsage:
    id: int
    date: datetime.date
    quantity: Decimal
    allocated: Decimal = ZERO
    lot_id: int | None = None  # specific unit: the named lot
    returns_usage_id: int | None = None
    accrued_value: Decimal = ZERO
    no_cost_basis: bool = False
    accrual_date: datetime.date | None = None  # the date of the open accrual's entry
    posted_date: datetime.date | None = None  # the earliest allocation/give-back this plan posted for it
    reverses_usage_id: int | None = None  # the reversal of a return (DOMAIN.md 9): the return it puts back

    @property
    def unallocated(self) -> Decimal:
        return self.quantity - self.allocated


@dataclass(slots=True)
class Holding:
    """Net position of one usage on one lot (from its entries): one *record* of the lot.

    ``owner`` is the usage a return names (its give-backs to that usage's lots count in that usage's
    holding); None for a positive usage and for a return naming none. ``lifo_quantity`` is the part
    of a return's quantity given back LIFO (not to the named usage's lots)."""

    usage_id: int
    lot_id: int
    quantity: Decimal
    value: Decimal = ZERO
    last_allocation: int = 0  # id (sequence) of the latest allocation entry, 0 if none
    lifo_quantity: Decimal = ZERO
    last_give_back: int = 0  # id (sequence) of the latest give-back to the named usage's lots, 0 if none
    owner: int | None = None

    @property
    def group(self) -> int:
        """The usage whose holding this record counts in (DOMAIN.md 6 "Conventions")."""
        return self.owner if self.owner is not None else self.usage_id

    @property
    def named_quantity(self) -> Decimal:
        return self.quantity - self.lifo_quantity


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ costs ~1 us more per entry (1M a full run)
class PlannedEntry:
    kind: int
    usage_id: int
    lot_id: int | None
    date: datetime.date
    quantity: Decimal
    value: Decimal
    unit_cost: Decimal


@dataclass(slots=True)
class LotDelta:
    """What a plan changes on one lot's balances: ``qty_used`` and ``value_used`` grow by these,
    ``movement_date`` becomes at least this (None: unchanged)."""

    quantity: Decimal
    value: Decimal
    movement_date: datetime.date | None = None


@dataclass(slots=True)
class UsageDelta:
    """What a plan changes on one usage's COGS row: ``allocated_quantity``, ``cogs_value`` and
    ``accrued_value`` grow by these; ``no_cost_basis`` and ``accrual_date`` are set when not None."""

    quantity: Decimal
    value: Decimal
    accrued: Decimal = ZERO
    no_cost_basis: bool | None = None
    accrual_date: datetime.date | None = None


class PlanTotals(NamedTuple):
    allocated: Decimal  # quantity allocated
    given_back: Decimal  # quantity given back (positive)
    value: Decimal  # value posted without accruals
    accrued: Decimal  # accrued value posted (net)
    accrual_reversals: Decimal  # accrual reversals posted (<= 0)


@dataclass
class PairPlan:
    entries: list[PlannedEntry] = field(default_factory=list)
    lot_deltas: dict[int, LotDelta] = field(default_factory=dict)  # by lot id
    usage_deltas: dict[int, UsageDelta] = field(default_factory=dict)  # by usage id
    passes: int = 0

    def totals(self) -> PlanTotals:
        """The plan's totals, in one pass over the entries."""
        allocated = given_back = value = accrued = reversed_ = ZERO
        for e in self.entries:
            kind = e.kind
            if kind == ALLOCATION:
                allocated += e.quantity
            elif kind in (GIVE_BACK, GIVE_BACK_LIFO):
                given_back -= e.quantity
            if kind == ACCRUAL:
                accrued += e.value
            elif kind == ACCRUAL_REVERSAL:
                accrued += e.value
                reversed_ += e.value
            else:
                value += e.value
        return PlanTotals(allocated, given_back, value, accrued, reversed_)

    @property
    def allocated_quantity(self) -> Decimal:
        return self.totals().allocated

    @property
    def given_back_quantity(self) -> Decimal:
        return self.totals().given_back

    @property
    def value_posted(self) -> Decimal:
        return self.totals().value

    @property
    def accrued_value_posted(self) -> Decimal:
        return self.totals().accrued


class PairPlanner:
    """The plan of one (LIC, office), step by step: ``loop`` (give-backs and allocation until a pass
    changes nothing), ``revalue_lots`` (step 3), ``accruals`` (6a). ``plan_pair`` runs them all; the
    engine runs them one by one, reading what step 3 needs between them."""

    def __init__(
        self,
        *,
        method: str,
        lots: list[PlanLot],
        usages: list[PlanUsage],
        named_holdings: Iterable[Holding] = (),
        first_open: datetime.date | None = None,
        run_date: datetime.date | None = None,
        serial_lots: dict[int, dict[int, Decimal]] | None = None,
        reversed_give_backs: Iterable[Holding] = (),
    ) -> None:
        self.method = method
        # a serialized LIC: usage id -> {lot id: how many of its serials there are still to
        # allocate (a return: to give back)}; None for every other LIC, whose usage goes by the method
        self.serial_lots = serial_lots
        self.lots = {lot.id: lot for lot in lots}
        self.by_date = sorted(lots, key=lambda lot: (lot.date, lot.id))
        self.usages = sorted(usages, key=lambda u: (u.date, u.id))
        self.usage_by_id = {u.id: u for u in self.usages}
        self.first_open = first_open
        self.run_date = run_date
        self.plan = PairPlan()
        self.seq = NEW_SEQ_BASE
        # named usage id -> {lot id: Holding}
        self.named: dict[int, dict[int, Holding]] = {}
        for u in self.usages:
            if u.returns_usage_id is not None:
                self.named.setdefault(u.returns_usage_id, {})
        for h in named_holdings:
            self.named.setdefault(h.usage_id, {})[h.lot_id] = h
        self.given_back_lots: set[int] = set()  # lots that took a give-back: step 3 re-targets them
        # DOMAIN.md 9: a reversed return's give-backs, what of each its reversal may still take back
        # (return id -> {lot id: Holding(quantity = that, last_allocation = the latest give-back's id)})
        self.reversible: dict[int, dict[int, Holding]] = {}
        for u in self.usages:
            if u.reverses_usage_id is not None:
                self.reversible.setdefault(u.reverses_usage_id, {})
        for h in reversed_give_backs:
            self.reversible.setdefault(h.usage_id, {})[h.lot_id] = h
        self.original = {u.id: u.unallocated for u in self.usages}  # 6a compares with it

    # --- posting one movement -------------------------------------------------------------
    def _post(self, kind: int, usage: PlanUsage, lot: PlanLot, quantity: Decimal) -> None:
        """Move ``quantity`` (signed: + allocation, - give-back) between ``usage`` and ``lot``.
        (The full run calls this once per entry, a million times: attribute reads are kept local.)"""
        new_used = lot.qty_used + quantity
        cost = lot.unit_cost
        if kind == ALLOCATION and new_used == lot.qty_in:
            value = lot.value_in - lot.value_used  # the remainder rule
        else:
            value = (quantity * cost).quantize(CENT, rounding=ROUND_HALF_UP)  # core.money.money, inlined (hot)
        lot.qty_used = new_used
        lot.value_used += value
        usage.allocated += quantity
        self.seq += 1
        # stock is never used before it exists (DOMAIN.md 6a): the latest of the usage's date, the
        # first open day and the lot's movement date; the lot's movement date follows
        date = usage.date
        if self.first_open is not None and date < self.first_open:
            date = self.first_open
        # nor before the usage's open accrual: once a run re-dated it (a part allocated later), an entry
        # dated earlier would count beside the estimate that accrual replaced (DOMAIN.md 6a)
        if usage.accrual_date is not None and usage.accrued_value != 0 and date < usage.accrual_date:
            date = usage.accrual_date
        if date < lot.movement_date:
            date = lot.movement_date
        else:
            lot.movement_date = date
        if usage.posted_date is None or date < usage.posted_date:
            usage.posted_date = date
        plan = self.plan
        plan.entries.append(PlannedEntry(kind, usage.id, lot.id, date, quantity, value, cost))
        on_lot = plan.lot_deltas.get(lot.id)
        if on_lot is None:
            plan.lot_deltas[lot.id] = LotDelta(quantity, value, date)
        else:
            on_lot.quantity += quantity
            on_lot.value += value
            on_lot.movement_date = date
        on_usage = plan.usage_deltas.get(usage.id)
        if on_usage is None:
            plan.usage_deltas[usage.id] = UsageDelta(quantity, value)
        else:
            on_usage.quantity += quantity
            on_usage.value += value
        if kind != ALLOCATION:
            self.given_back_lots.add(lot.id)
            if usage.id in self.reversible:  # a return some reversal puts back: where it gave back
                held = self.reversible[usage.id].setdefault(lot.id, Holding(usage.id, lot.id, ZERO))
                held.quantity -= quantity
                held.last_allocation = self.seq
        if kind == ALLOCATION and usage.id in self.named:  # a usage some return names: keep its holdings current
            held = self.named[usage.id].setdefault(lot.id, Holding(usage.id, lot.id, ZERO))
            held.quantity += quantity
            held.last_allocation = self.seq

    def _delta_lot(self, lot_id: int, quantity: Decimal, value: Decimal) -> None:
        d = self.plan.lot_deltas.get(lot_id)
        if d is None:
            d = self.plan.lot_deltas[lot_id] = LotDelta(ZERO, ZERO)
        d.quantity += quantity
        d.value += value

    def _delta_usage(
        self,
        usage_id: int,
        quantity: Decimal,
        value: Decimal,
        accrued: Decimal = ZERO,
        no_cost_basis: bool | None = None,
        accrual_date: datetime.date | None = None,
    ) -> None:
        d = self.plan.usage_deltas.get(usage_id)
        if d is None:
            d = self.plan.usage_deltas[usage_id] = UsageDelta(ZERO, ZERO)
        d.quantity += quantity
        d.value += value
        d.accrued += accrued
        if no_cost_basis is not None:
            d.no_cost_basis = no_cost_basis
        if accrual_date is not None:
            d.accrual_date = accrual_date

    # --- step 1: give-backs -----------------------------------------------------------------
    def give_backs(self) -> bool:
        changed = False
        serial_lots = self.serial_lots
        for r in self.usages:
            if r.quantity >= 0 or r.unallocated == 0:
                continue
            if serial_lots is not None and r.id in serial_lots:  # a return of serials: to their lots
                changed = self._give_back_serials(r, serial_lots[r.id]) or changed
                named = self.usage_by_id.get(r.returns_usage_id) if r.returns_usage_id is not None else None
                if r.unallocated == 0 or (named is not None and named.unallocated != 0):
                    continue  # done, or the rest waits for the returned usage (its serials' lots)
            remaining = -r.unallocated
            if r.returns_usage_id is not None:
                held = self.named.get(r.returns_usage_id, {})
                for h in sorted(held.values(), key=lambda h: -h.last_allocation):
                    lot = self.lots.get(h.lot_id)
                    if lot is None:
                        continue
                    take = min(remaining, h.quantity, lot.qty_used)
                    if take > 0:
                        self._post(GIVE_BACK, r, lot, -take)
                        h.quantity -= take
                        remaining -= take
                        changed = True
                    if remaining == 0:
                        break
                named = self.usage_by_id.get(r.returns_usage_id)
                if remaining > 0 and named is not None and named.unallocated != 0:
                    continue  # the rest waits until the returned usage is fully allocated
            if remaining > 0:
                for lot in reversed(self.by_date):
                    take = min(remaining, lot.qty_used)
                    if take > 0:
                        self._post(GIVE_BACK_LIFO, r, lot, -take)
                        remaining -= take
                        changed = True
                        if remaining == 0:
                            break
        return changed

    # --- step 2: allocation -----------------------------------------------------------------
    def allocate(self) -> bool:
        if self.serial_lots is not None:  # a serialized LIC: by its serials' lots, whatever the method
            return self._allocate_serials()
        return self._allocate_by_method(self.usages)

    def _allocate_by_method(self, usages: list[PlanUsage]) -> bool:
        changed = False
        if self.method == SPECIFIC:
            for u in usages:
                if u.quantity <= 0 or u.unallocated == 0:
                    continue
                if u.reverses_usage_id is not None:
                    changed = self._put_back(u) or changed
                    if u.unallocated == 0 or self._reversal_waits(u):
                        continue
                if u.lot_id is None:
                    continue
                lot = self.lots.get(u.lot_id)
                if lot is not None and lot.released and lot.available > 0:
                    self._post(ALLOCATION, u, lot, min(u.unallocated, lot.available))
                    changed = True
            return changed
        order = self.by_date if self.method != LIFO else list(reversed(self.by_date))
        candidates = [lot for lot in order if lot.released and lot.available > 0]
        i, n, post = 0, len(candidates), self._post
        for u in usages:
            if i >= n:
                break
            if u.quantity <= 0:
                continue
            need = u.quantity - u.allocated
            if need > 0 and u.reverses_usage_id is not None:
                changed = self._put_back(u) or changed
                need = u.quantity - u.allocated
                if self._reversal_waits(u):
                    continue
            while need > 0 and i < n:
                lot = candidates[i]
                available = lot.qty_in - lot.qty_used
                if available <= 0:  # emptied by a reversal's put-back
                    i += 1
                    continue
                take = need if need < available else available
                post(ALLOCATION, u, lot, take)
                changed = True
                need -= take
                if take == available:
                    i += 1
        return changed

    # --- the reversal of a return (DOMAIN.md 9) ---------------------------------------------------
    def _put_back(self, u: PlanUsage) -> bool:
        """Allocate a return's reversal first to the lots that return gave back to, latest give-back
        first, never more than each took back (nor than the lot has): a reversed return puts back
        exactly what it took. What is left goes by the costing method."""
        held = self.reversible.get(u.reverses_usage_id) if u.reverses_usage_id is not None else None
        if not held:
            return False
        changed = False
        for h in sorted(held.values(), key=lambda h: -h.last_allocation):
            need = u.quantity - u.allocated
            if need <= 0:
                break
            lot = self.lots.get(h.lot_id)
            if lot is None or not lot.released:
                continue
            take = min(need, h.quantity, lot.qty_in - lot.qty_used)
            if take > 0:
                self._post(ALLOCATION, u, lot, take)
                h.quantity -= take
                changed = True
        return changed

    def _reversal_waits(self, u: PlanUsage) -> bool:
        """While the reversed return is not fully given back, the rest of its reversal waits (it goes
        where the return's rest will go); both stay unallocated, with opposite accruals, meanwhile."""
        returned = self.usage_by_id.get(u.reverses_usage_id) if u.reverses_usage_id is not None else None
        return returned is not None and returned.unallocated != 0

    # --- serialized LICs -------------------------------------------------------------
    def _allocate_serials(self) -> bool:
        """Each usage that names serials takes, from each lot holding some of them, the count of its
        serials there (released lots with stock only: the rest waits), whatever the costing method.
        Usage that names none (posted before serials were recorded) goes by the costing method.
        Serial usage goes in posting order (id), not date order: the services let a serial out only while
        it is in stock, so in posting order each finds its serials' units there (or given back by the
        return that brought them back). By date, a serial shipped again with an earlier date than its
        first shipment would take the unit first, and the first shipment (and the return naming it, which
        waits for it) would stay unallocated for ever."""
        changed = False
        serial_lots = self.serial_lots
        assert serial_lots is not None  # a serialized LIC
        rest = []
        for u in sorted(self.usages, key=lambda u: u.id):
            if u.quantity <= 0 or u.unallocated == 0:
                continue
            need = serial_lots.get(u.id)
            if need is None:
                rest.append(u)
                continue
            for lot_id in sorted(need):
                lot = self.lots.get(lot_id)
                want = need[lot_id]
                if lot is None or want <= 0 or not lot.released or lot.available <= 0:
                    continue
                take = min(want, lot.available, u.unallocated)
                self._post(ALLOCATION, u, lot, take)
                need[lot_id] = want - take
                changed = True
        if rest:  # by the costing method: in date order, as the pair's usage is
            changed = self._allocate_by_method(sorted(rest, key=lambda u: (u.date, u.id))) or changed
        return changed

    def _give_back_serials(self, r: PlanUsage, back: dict[int, Decimal]) -> bool:
        """A return of serials gives back to each of its serials' lots the count of its serials there,
        never more than the usage it returns holds there nor than the lot's ``qty_used`` (a return naming
        no usage, posted before returns were made to name it: given back there unnamed)."""
        changed = False
        held = self.named.get(r.returns_usage_id) if r.returns_usage_id is not None else None
        kind = GIVE_BACK if held is not None else GIVE_BACK_LIFO
        for lot_id in sorted(back):
            lot = self.lots.get(lot_id)
            want = back[lot_id]
            if lot is None or want <= 0:
                continue
            take = min(want, -r.unallocated, lot.qty_used)
            h = held.get(lot_id) if held is not None else None
            if held is not None:
                take = min(take, h.quantity) if h is not None else ZERO
            if take > 0:
                self._post(kind, r, lot, -take)
                back[lot_id] = want - take
                if h is not None:
                    h.quantity -= take
                changed = True
            if r.unallocated == 0:
                break
        return changed

    # --- step 3: revaluation ----------------------------------------------------------------
    def _new_records(self, lot_ids: Collection[int]) -> dict[int, dict[int, Holding]]:
        """This plan's records (usage, lot) on ``lot_ids``, from its entries (one pass, only for the
        lots step 3 re-targets: the million allocations of a full run pay nothing for it). Call it
        before step 3 adds revaluation entries: the n-th entry is the n-th movement ``_post`` made."""
        returns = {u.id: u.returns_usage_id for u in self.usages if u.quantity < 0}
        out: dict[int, dict[int, Holding]] = {}
        for n, e in enumerate(self.plan.entries, start=NEW_SEQ_BASE + 1):
            if e.lot_id is None or e.lot_id not in lot_ids:
                continue
            on_lot = out.setdefault(e.lot_id, {})
            h = on_lot.get(e.usage_id)
            if h is None:
                h = on_lot[e.usage_id] = Holding(e.usage_id, e.lot_id, ZERO, ZERO, 0, ZERO, 0, returns.get(e.usage_id))
            h.quantity += e.quantity
            h.value += e.value
            if e.kind == ALLOCATION:
                h.last_allocation = n
            elif e.kind == GIVE_BACK:
                h.last_give_back = n
            else:
                h.lifo_quantity += e.quantity
        return out

    def revalue(self, lot: PlanLot, holdings: list[Holding], new: dict[int, Holding] | None = None) -> None:
        """Re-target every record (usage, lot) of ``lot`` (DOMAIN.md 6 "Conventions"): each at
        ``round(qty x unit cost, 2)`` (a return's named and LIFO parts rounded apart); a holding
        returned in full (a usage's allocations net of the give-backs of the returns naming it, zero
        quantity) nets to exactly 0.00, its latest give-back taking minus the others' targets; while
        the lot is used up, its latest allocation takes ``value_in`` minus every other target. Each
        difference is a revaluation entry (quantity 0) dated the run's date. ``holdings``: the
        posted records; ``new``: this plan's own on the lot (usage id -> record)."""
        merged: dict[int, Holding] = {
            h.usage_id: Holding(
                h.usage_id, h.lot_id, h.quantity, h.value, h.last_allocation, h.lifo_quantity, h.last_give_back, h.owner
            )
            for h in holdings
        }
        for usage_id, h in (new or {}).items():
            m = merged.get(usage_id)
            if m is None:
                m = merged[usage_id] = Holding(usage_id, lot.id, ZERO, ZERO, 0, ZERO, 0, h.owner)
            m.quantity += h.quantity
            m.value += h.value
            m.lifo_quantity += h.lifo_quantity
            m.last_allocation = max(m.last_allocation, h.last_allocation)
            m.last_give_back = max(m.last_give_back, h.last_give_back)
        if not merged:
            return
        cost = lot.unit_cost
        named = {uid: money(h.named_quantity * cost) for uid, h in merged.items()}
        targets = {uid: named[uid] + money(h.lifo_quantity * cost) for uid, h in merged.items()}
        groups: dict[int, list[Holding]] = {}
        for h in merged.values():
            groups.setdefault(h.group, []).append(h)
        emptied: set[int] = set()  # holdings returned in full: the holding rule
        for group, members in groups.items():
            backs = [h for h in members if h.last_give_back]
            if not backs or sum((h.named_quantity for h in members), ZERO) != 0:
                continue
            last = max(backs, key=lambda h: (h.last_give_back, h.usage_id))
            others = sum((named[h.usage_id] for h in members if h is not last), ZERO)
            targets[last.usage_id] = -others + money(last.lifo_quantity * cost)
            emptied.add(group)
        if lot.qty_used == lot.qty_in and lot.qty_in != 0:  # the remainder rule
            takers = [h for h in merged.values() if h.last_allocation and h.group not in emptied]
            if takers:
                last = max(takers, key=lambda h: (h.last_allocation, h.usage_id))
                targets[last.usage_id] = lot.value_in - sum(
                    (v for uid, v in targets.items() if uid != last.usage_id), ZERO
                )
        elif lot.qty_used == 0:
            # nothing of the lot is used, so nothing of its value is out: the records' separate roundings
            # (five 0.00 allocations of 1 @ 0.001 beside an unnamed give-back of 5 at round(-0.005) =
            # -0.01) must not leave a cent on it, which a reversal to qty_in 0 would then keep. The
            # emptied holdings net to 0.00 already; what is left is on the LIFO give-backs, and the
            # latest return's (by id) takes it.
            rest = sum(targets.values(), ZERO)
            lifo = [h for h in merged.values() if h.lifo_quantity]
            if rest and lifo:
                last = max(lifo, key=lambda h: h.usage_id)
                targets[last.usage_id] -= rest
        for uid in sorted(merged):
            diff = targets[uid] - merged[uid].value
            if diff == 0:
                continue
            lot.value_used += diff
            # a pure plan without a run date (tests of the give-back loop) dates its revaluations None
            entry = PlannedEntry(REVALUATION, uid, lot.id, self.run_date, ZERO, diff, cost)  # type: ignore[arg-type]
            self.plan.entries.append(entry)
            self._delta_lot(lot.id, ZERO, diff)
            self._delta_usage(uid, ZERO, diff)

    # --- 6a: accruals -----------------------------------------------------------------------
    def accruals(self, estimate: Decimal | None) -> None:
        """Accrue what is still unallocated at ``estimate`` (None: no cost basis), reversing the
        open accrual of every usage whose unallocated quantity moved."""
        original = self.original
        first_open = self.first_open
        for u in self.usages:
            now = u.quantity - u.allocated
            if now == original[u.id] and (now == 0 or u.accrued_value != 0 or u.no_cost_basis):
                continue
            date = u.date  # DOMAIN.md 6a: the estimate and the true cost never both count at a date
            if first_open is not None and date < first_open:
                date = first_open
            if u.accrued_value != 0:
                if u.accrual_date is not None and date < u.accrual_date:
                    date = u.accrual_date
                if u.posted_date is not None and date < u.posted_date:
                    date = u.posted_date
                self.plan.entries.append(
                    PlannedEntry(ACCRUAL_REVERSAL, u.id, None, date, -original[u.id], -u.accrued_value, ZERO)
                )
                self._delta_usage(u.id, ZERO, ZERO, -u.accrued_value)
            value = money(now * estimate) if (now != 0 and estimate is not None) else ZERO
            if value != 0:
                assert estimate is not None  # a value needs one
                if not -MAX_MONEY < value < MAX_MONEY:
                    raise ValueTooLarge(u.id, now, estimate, value)
                self.plan.entries.append(PlannedEntry(ACCRUAL, u.id, None, date, now, value, estimate))
                self._delta_usage(u.id, ZERO, ZERO, value, accrual_date=date)
                u.accrual_date = date
            no_basis = now != 0 and estimate is None
            if no_basis != u.no_cost_basis:  # unchanged: no delta (a usage with nothing else to write is left alone)
                self._delta_usage(u.id, ZERO, ZERO, ZERO, no_basis)
            u.accrued_value = value
            u.no_cost_basis = no_basis

    # --- a new cost for lots this plan allocated from ---------------------------------------------
    def reprice(self, costs: dict[int, Decimal]) -> bool:
        """Give these lots (id -> unit cost) their new cost as if they had had it when the plan was
        made: allocation quantities do not depend on costs, so only the values of the plan's entries on
        them change, each as ``_post`` values it (the remainder rule included). Only for lots the plan
        made allocations on and nothing else (no give-back, no revaluation; call it before
        ``accruals``): returns False, changing nothing, for any other (the caller plans the pair
        again)."""
        plan = self.plan
        on = [e for e in plan.entries if e.lot_id in costs]
        if any(e.kind != ALLOCATION for e in on):
            return False
        state: dict[int, tuple[Decimal, Decimal]] = {}  # lot id -> (qty used, value used) before the plan
        for lot_id, cost in costs.items():
            lot = self.lots[lot_id]
            d = plan.lot_deltas.get(lot_id)
            state[lot_id] = (
                (lot.qty_used - d.quantity, lot.value_used - d.value) if d else (lot.qty_used, lot.value_used)
            )
            lot.unit_cost = cost
        for e in on:
            lot = self.lots[e.lot_id]  # type: ignore[index]
            used, value_used = state[lot.id]
            used += e.quantity
            if used == lot.qty_in:
                value = lot.value_in - value_used  # the remainder rule
            else:
                value = (e.quantity * lot.unit_cost).quantize(CENT, rounding=ROUND_HALF_UP)
            plan.usage_deltas[e.usage_id].value += value - e.value
            e.value, e.unit_cost = value, lot.unit_cost
            state[lot.id] = (used, value_used + value)
        for lot_id, (_, value_used) in state.items():
            lot = self.lots[lot_id]
            d = plan.lot_deltas.get(lot_id)
            if d is not None:
                d.value += value_used - lot.value_used
            lot.value_used = value_used
        return True

    # --- the steps in order -------------------------------------------------------------------
    def loop(self, max_passes: int = 10_000) -> None:
        while self.plan.passes < max_passes:
            self.plan.passes += 1
            gave = self.give_backs()
            took = self.allocate()
            if not (gave or took):
                break

    def retarget_ids(self, revalue_ids: Iterable[int] = ()) -> list[int]:
        """The lots step 3 re-targets: those whose unit cost changed (``revalue_ids``) and those
        that took a give-back in this plan (ascending)."""
        return sorted(self.given_back_lots.union(revalue_ids))

    def revalue_lots(self, revalue: dict[int, list[Holding]] | None) -> None:
        """Re-target the lots of ``revalue`` (lot id -> its posted records)."""
        if not revalue:
            return
        new = self._new_records(revalue.keys())
        for lot_id in sorted(revalue):
            lot = self.lots.get(lot_id)
            if lot is not None:
                self.revalue(lot, revalue[lot_id], new.get(lot_id))


def plan_pair(
    *,
    method: str,
    lots: list[PlanLot],
    usages: list[PlanUsage],
    named_holdings: Iterable[Holding] = (),
    revalue: dict[int, list[Holding]] | None = None,
    posted: dict[int, list[Holding]] | None = None,
    first_open: datetime.date | None = None,
    run_date: datetime.date | None = None,
    estimate: Decimal | None = None,
    accrue: bool = False,
    serial_lots: dict[int, dict[int, Decimal]] | None = None,
    reversed_give_backs: Iterable[Holding] = (),
) -> PairPlan:
    """Plan one (LIC, office). ``lots``/``usages`` are mutated to their state after the plan.

    ``named_holdings``: for each usage a loaded return names, its net holdings per lot (its
    allocations plus the named give-backs of earlier returns naming it). ``revalue``: lot id ->
    every posted record on that lot, for lots whose unit cost changed since their entries were
    posted. ``posted``: lot id -> posted records, for any other lot (a lot that takes a give-back
    is re-targeted too; one missing here has none).
    ``estimate``: the accrual unit cost (None: no cost basis). ``run_date`` dates revaluations
    and accruals; ``first_open`` is the day after the lock date (allocations are never earlier).
    ``serial_lots`` (a serialized LIC only): usage id -> {lot id: its serials there not yet allocated, or
    for a return not yet given back}; such usage goes to those lots whatever ``method`` says.
    ``reversed_give_backs``: for each return a loaded reversal reverses (``reverses_usage_id``), per lot
    what its give-backs took back less what the reversal already took there (``quantity``), with the
    latest give-back's entry id (``last_allocation``).
    """
    p = PairPlanner(
        method=method,
        lots=lots,
        usages=usages,
        named_holdings=named_holdings,
        first_open=first_open,
        run_date=run_date,
        serial_lots=serial_lots,
        reversed_give_backs=reversed_give_backs,
    )
    p.loop()
    revalue = dict(revalue or {})
    for lot_id in p.retarget_ids(revalue):
        revalue.setdefault(lot_id, (posted or {}).get(lot_id, []))
    p.revalue_lots(revalue)
    if accrue:
        p.accruals(estimate)
    return p.plan
