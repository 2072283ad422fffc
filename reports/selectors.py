"""The period-close reports of DOMAIN.md section 10: valuation at any date, roll-forward, aging.

Every figure is a SQL aggregate over dated, append-only records (nothing replays costing in
Python), so the figures of a date on or before the lock date never change again.

**A lot at date D** (docs/reports.md has the full reasoning):

- Its *quantity events*: the lot's production reports (``production_productionreport``: the first
  is its birth, later ones add to it) and receipt lines (``purchasing_receiptline``: the receipt
  that created it, and a reversal's negative line, dated by its receipt) and an adjustment's reversal
  lines (``inventory_lots_adjustmentline`` with ``reverses_line``: -quantity, dated by the reversing
  adjustment, DOMAIN.md 9) and a transfer's reversal lines (``transfers_transferline`` with
  ``reverses_line``: -quantity on the reversed line's lot, dated by the reversing transfer), each on
  ``max(its date, the lot's date)``; plus, on the lot's date,
  whatever of ``qty_in`` those records do not explain (an adjustment lot's whole quantity; zero for
  the others). So the events always sum
  to the lot's current ``qty_in``.
- Its *cost events*: its ``LotCostChange`` rows, each on ``max(its date, the lot's date)``. The unit
  cost at D is the new cost of the latest change (by id: the order they were recorded in) dated
  <= D; before any change, the first change's old cost; a lot never changed has its current cost.
  "Latest by id" rather than "latest by date" because a change may be dated before one recorded
  earlier (a back-dated manual correction): by id, the cost at today is always the lot's cost.
- ``qty_in(D)`` = its quantity events dated <= D; ``value_in(D)`` = round(qty_in(D) x cost(D), 2).
  A lot's value events (each day's change of value_in) telescope to its current ``value_in``.
- ``qty_used(D)``, ``value_used(D)`` = Σ its COGS entries (allocations, give-backs,
  revaluations: kinds 1-4) dated <= D. On hand = in - used.

Within one day, quantity moves first, then the cost: a day's *lots in* value is the change of
quantity at the cost before the day, its *cost change* value the change of cost on the quantity
after it (roll-forward columns; their sum is the day's change of value_in, to the cent).

The reports read a lot at D the fast way (LOT_AT: its current figures less what is dated after D),
which the definition above read the long way (TIMELINE, ``lots_at_by_events``) is tested against.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection

from core.money import ZERO, ZERO_MONEY

# The roll-forward column of a COGS entry is the kind of its usage (inventory_lots.models.UsageKind;
# ROLL_FORWARD's used_in): production, transfer (DOMAIN.md 9's transfer usage and its reversal's),
# adjustment; every other kind (shipment, job, return) is COGS, so every entry lands in exactly one
# column and the roll-forward ties.
OUT_COLUMNS = ("cogs", "production", "transfers_out", "adjustments_out")
ROLL_FORWARD_COLUMNS = ("opening_value", "lots_in", "cost_changes", *OUT_COLUMNS, "closing_value")


@dataclass(frozen=True)
class Scope:
    """Which lots (and usage) a report covers: an office, a LIC, a lot type (lots only); and
    ``office_ids``, the offices the requesting user sees (None: every office; DOMAIN.md 11). The
    stored figures are per office, so both narrow them by office id, never by a scan."""

    office_id: int | None = None
    lic_id: int | None = None
    type: str | None = None
    office_ids: tuple[int, ...] | None = None

    def office_where(self, column: str, params: dict) -> str:
        """`` AND <column> = ...`` for the chosen office and the user's offices ('' for neither)."""
        out = ""
        if self.office_id is not None:
            out += f" AND {column} = %(office)s"
            params["office"] = self.office_id
        if self.office_ids is not None:
            out += f" AND {column} = ANY(%(offices)s)"
            params["offices"] = list(self.office_ids)
        return out

    def lot_where(self, params: dict) -> str:
        parts = []
        if self.office_ids is not None:
            parts.append("l.office_id = ANY(%(offices)s)")
            params["offices"] = list(self.office_ids)
        if self.office_id is not None:
            parts.append("l.office_id = %(office)s")
            params["office"] = self.office_id
        if self.lic_id is not None:
            parts.append("l.lic_id = %(lic)s")
            params["lic"] = self.lic_id
        if self.type is not None:
            parts.append("l.type = %(type)s")
            params["type"] = self.type
        return "".join(f" AND {p}" for p in parts)

    def pair_where(self, alias: str, params: dict) -> str:
        """The office / LIC filter on usage or entries (lot type does not apply to them)."""
        parts = []
        if self.office_ids is not None:
            parts.append(f"{alias}.office_id = ANY(%(offices)s)")
            params["offices"] = list(self.office_ids)
        if self.office_id is not None:
            parts.append(f"{alias}.office_id = %(office)s")
            params["office"] = self.office_id
        if self.lic_id is not None:
            parts.append(f"{alias}.lic_id = %(lic)s")
            params["lic"] = self.lic_id
        return "".join(f" AND {p}" for p in parts)


# --- a lot at a date ---------------------------------------------------------------------------------
#
# Read two ways, which agree (tests/reports/test_selectors.py compares them at every date):
#
# LOT_AT, the fast way every report uses: a lot dated <= D at D is its current qty_in less its
# quantity events dated after D (a receipt reversal, production reported later), at its current unit
# cost unless a cost change is dated after D (then the id rule below on its changes). Only the few
# records dated after D are read besides the lot row itself, so one pass over the lots (an index range
# when an office or LIC is given) values them all. It relies on what the ledger keeps: qty_in = Σ its
# receipt lines / production reports (check_ledger checks it), an adjustment lot's qty_in changes
# only by its adjustment's reversal (to 0, the reversal line: a quantity event), a transfer lot's only
# by its transfer's reversal (the same), and a lot's unit cost is the new cost of its latest cost
# change (change_lot_unit_cost_locked is its only writer).
#
# TIMELINE, the definition read the long way: every lot's state at the end of each day with a value
# event, from its dated records alone. The roll-forward uses it for the lots that moved in its period
# (to split each day's change of value into lots in and cost changes).
#
# Placeholders: {lot} / {used}: the CTE names; {d}: the date parameter; {upto} / {after}: "<=" / ">"
# (at D), or "<" / ">=" (at the day before D, so a first day of 0001-01-01 needs no date arithmetic).

LOT_AT = """
{lot} AS (
    SELECT l.id AS lot_id, l.number, l.office_id, l.lic_id, l.type, l.date,
           l.qty_in - COALESCE(later.q, 0) AS qty_in, COALESCE(cost.unit_cost, l.unit_cost) AS unit_cost
    FROM inventory_lots_lot l
    LEFT JOIN (
        SELECT x.lot_id, sum(x.q) AS q FROM (
            SELECT pr.lot_id, pr.quantity AS q FROM production_productionreport pr WHERE pr.date {after} %({d})s
            UNION ALL
            SELECT rl.lot_id, rl.quantity FROM purchasing_receiptline rl
            JOIN purchasing_receipt r ON r.id = rl.receipt_id WHERE r.date {after} %({d})s
            UNION ALL
            SELECT al.lot_id, al.quantity FROM inventory_lots_adjustmentline al
            JOIN inventory_lots_inventoryadjustment a ON a.id = al.adjustment_id
            WHERE al.reverses_line_id IS NOT NULL AND al.lot_id IS NOT NULL AND a.date {after} %({d})s
            UNION ALL
            SELECT o.lot_id, r.quantity FROM transfers_transferline r
            JOIN transfers_transferline o ON o.id = r.reverses_line_id
            JOIN transfers_transfer t ON t.id = r.transfer_id WHERE t.date {after} %({d})s
        ) x GROUP BY x.lot_id
    ) later ON later.lot_id = l.id
    LEFT JOIN (
        SELECT c.lot_id, COALESCE(
            (SELECT n.new_unit_cost FROM inventory_lots_lotcostchange n
             WHERE n.lot_id = c.lot_id AND n.date {upto} %({d})s ORDER BY n.id DESC LIMIT 1),
            (SELECT f.old_unit_cost FROM inventory_lots_lotcostchange f
             WHERE f.lot_id = c.lot_id ORDER BY f.id LIMIT 1)) AS unit_cost
        FROM (SELECT DISTINCT lot_id FROM inventory_lots_lotcostchange WHERE date {after} %({d})s) c
    ) cost ON cost.lot_id = l.id
    WHERE l.date {upto} %({d})s{lot_where}
),
{used} AS (
    SELECT e.lot_id, sum(e.quantity) AS qty_used, sum(e.value) AS value_used
    FROM cogs_cogsentry e
    WHERE e.kind IN (1, 2, 3, 4) AND e.date {upto} %({d})s{entry_where}
    GROUP BY e.lot_id
)"""

# Every lot of the scope at %(end)s: in, used, on hand.
ON_HAND = """
on_hand AS (
    SELECT a.lot_id, a.number, a.office_id, a.lic_id, a.type, a.date, a.unit_cost, a.qty_in,
           round(a.qty_in * a.unit_cost, 2) AS value_in,
           COALESCE(u.qty_used, 0) AS qty_used, COALESCE(u.value_used, 0) AS value_used,
           a.qty_in - COALESCE(u.qty_used, 0) AS quantity,
           round(a.qty_in * a.unit_cost, 2) - COALESCE(u.value_used, 0) AS value
    FROM lot_at a LEFT JOIN used_at u ON u.lot_id = a.lot_id
)"""

# The state of each lot of ``scope`` (a CTE: id, office_id, lic_id, date, qty_in, first_cost) at the
# end of every day with a value event up to %(end)s (``state``: lot, day, qty_in, unit_cost).
# Quantity events: production reports and receipt lines on max(their date, the lot's date), and on
# the lot's date what of qty_in they do not explain (an adjustment lot's quantity); cost events:
# cost changes on max(their date, the lot's date), the cost at a day being the new cost of the latest
# (by id) change dated up to it, before any the first change's old cost.
TIMELINE = """
quantity_event AS (
    SELECT pr.lot_id, GREATEST(pr.date, s.date) AS d, pr.quantity AS q
    FROM production_productionreport pr JOIN scope s ON s.id = pr.lot_id
    UNION ALL
    SELECT rl.lot_id, GREATEST(r.date, s.date), rl.quantity
    FROM purchasing_receiptline rl
    JOIN purchasing_receipt r ON r.id = rl.receipt_id
    JOIN scope s ON s.id = rl.lot_id
    UNION ALL
    SELECT al.lot_id, GREATEST(a.date, s.date), al.quantity  -- an adjustment's reversal (DOMAIN.md 9)
    FROM inventory_lots_adjustmentline al
    JOIN inventory_lots_inventoryadjustment a ON a.id = al.adjustment_id
    JOIN scope s ON s.id = al.lot_id
    WHERE al.reverses_line_id IS NOT NULL
    UNION ALL
    SELECT o.lot_id, GREATEST(t.date, s.date), r.quantity  -- a transfer's reversal: its lot to 0
    FROM transfers_transferline r
    JOIN transfers_transferline o ON o.id = r.reverses_line_id
    JOIN transfers_transfer t ON t.id = r.transfer_id
    JOIN scope s ON s.id = o.lot_id
),
lot_day AS (
    SELECT lot_id, d, sum(q) AS dq, max(change_id) AS change_id FROM (
        SELECT lot_id, d, q, NULL::bigint AS change_id FROM quantity_event
        UNION ALL
        SELECT s.id, s.date, s.qty_in - COALESCE(k.q, 0), NULL
        FROM scope s LEFT JOIN (SELECT lot_id, sum(q) AS q FROM quantity_event GROUP BY lot_id) k
            ON k.lot_id = s.id
        UNION ALL
        SELECT c.lot_id, GREATEST(c.date, s.date), 0, c.id
        FROM inventory_lots_lotcostchange c JOIN scope s ON s.id = c.lot_id
    ) x
    WHERE d <= %(end)s
    GROUP BY lot_id, d
),
state AS (
    SELECT r.lot_id, r.d, r.qty_in, COALESCE(c.new_unit_cost, s.first_cost) AS unit_cost, s.first_cost
    FROM (SELECT lot_id, d, sum(dq) OVER w AS qty_in, max(change_id) OVER w AS change_id
          FROM lot_day WINDOW w AS (PARTITION BY lot_id ORDER BY d)) r
    JOIN scope s ON s.id = r.lot_id
    LEFT JOIN inventory_lots_lotcostchange c ON c.id = r.change_id
)"""

SCOPE_COLUMNS = """l.id, l.office_id, l.lic_id, l.date, l.qty_in,
           COALESCE((SELECT c.old_unit_cost FROM inventory_lots_lotcostchange c
                     WHERE c.lot_id = l.id ORDER BY c.id LIMIT 1), l.unit_cost) AS first_cost"""

MASTER = "JOIN inventory_lots_office o ON o.id = h.office_id JOIN inventory_lots_lineitemcode c ON c.id = h.lic_id"


def lot_at(
    scope: Scope,
    params: dict,
    *,
    date_param: str = "end",
    day_before: bool = False,
    lot: str = "lot_at",
    used: str = "used_at",
) -> str:
    """The LOT_AT CTEs for the lots of ``scope`` at the date ``params[date_param]`` (or the day before)."""
    upto, after = ("<", ">=") if day_before else ("<=", ">")
    return LOT_AT.format(
        lot=lot,
        used=used,
        d=date_param,
        upto=upto,
        after=after,
        lot_where=scope.lot_where(params),
        entry_where=scope.pair_where("e", params),
    )


def statement(ctes: list[str], body: str) -> str:
    """``WITH <ctes> <body>``: the fixed SQL text of this module (values are bound parameters)."""
    return f"WITH {','.join(ctes)} {body}"  # noqa: S608 - fixed SQL text, values bound as parameters


# Report statements read many rows once: no JIT compilation (it cost ~1 s a statement at 100,000 lots
# for nothing), and room to sort and hash in memory.
TUNING = "SELECT set_config('jit', 'off', %(local)s), set_config('work_mem', '64MB', %(local)s)"


@contextmanager
def tuned() -> Iterator[None]:
    """Run the block's statements with TUNING: for the transaction when there is one, else for the
    session until the block ends. (A server-side cursor declared in the block WITH HOLD, as Django
    declares them outside a transaction, has computed its rows when the block ends.)"""
    local = connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute(TUNING, {"local": local})
    try:
        yield
    finally:
        if not local:
            with connection.cursor() as cursor:
                cursor.execute("RESET jit; RESET work_mem")


def _fetch(sql: str, params: dict) -> list[tuple]:
    with tuned(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# --- valuation at D --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ValuationRow:
    office: str
    lic: str | None
    description: str
    quantity: Decimal
    value: Decimal
    lots: int = 1
    lot_id: int | None = None
    lot_number: str | None = None
    type: str | None = None
    date: datetime.date | None = None
    unit_cost: Decimal | None = None
    key: tuple = field(default=(), compare=False, repr=False)  # its position in the report's order


@dataclass(frozen=True)
class ValuationTotals:
    lots: int
    quantity: Decimal
    value: Decimal
    unallocated_quantity: Decimal
    accrued_value: Decimal


# group_by -> (the inner SELECT list and GROUP BY, the report order = the keyset of its pages)
_GROUPINGS = {
    "lot": (
        "o.code, c.code, c.description, h.quantity, h.value, 1, h.lot_id, h.number, h.type, h.date, h.unit_cost",
        "",
        ("office", "lic", "date", "lot_id"),
    ),
    "lic": (
        "o.code, c.code, c.description, sum(h.quantity), sum(h.value), count(*)",
        " GROUP BY o.code, c.code, c.description",
        ("office", "lic"),
    ),
    "office": ("o.code, NULL, '', sum(h.quantity), sum(h.value), count(*)", " GROUP BY o.code", ("office",)),
}
_COLUMNS = (
    "office",
    "lic",
    "description",
    "quantity",
    "value",
    "lots",
    "lot_id",
    "lot_number",
    "type",
    "date",
    "unit_cost",
)


# The lots with something on hand, computed in full before they are sorted: a page's LIMIT would
# otherwise lead the planner to nested loops over the whole set (bench/reports.py: 4.7 s instead of 1.3 s for
# the first page of a million lots).
VALUED = "valued AS MATERIALIZED (SELECT * FROM on_hand WHERE quantity <> 0 OR value <> 0)"


def valuation_sql(
    *,
    as_of: datetime.date,
    scope: Scope,
    group_by: str = "lot",
    after: tuple | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[str, dict]:
    """The valuation's rows in report order (office code, LIC code, lot date, lot id), after the
    keyset position ``after`` (a row's ``key``) or from ``offset``."""
    select, group, order = _GROUPINGS[group_by]
    width = select.count(",") + 1
    params: dict = {"end": as_of}
    body = (
        f"SELECT * FROM (SELECT {select} FROM valued h {MASTER}{group}) "  # noqa: S608 - fixed SQL text
        f"r({', '.join(_COLUMNS[:width])})"
    )
    sql = statement([lot_at(scope, params), ON_HAND, VALUED], body)
    if after is not None:
        params.update({f"k{i}": value for i, value in enumerate(after)})
        sql += f" WHERE ({', '.join(order)}) > ({', '.join(f'%(k{i})s' for i in range(len(order)))})"
    sql += " ORDER BY " + ", ".join(order)
    if limit is not None:
        sql += " LIMIT %(limit)s"
        params["limit"] = limit
    if offset:
        sql += " OFFSET %(offset)s"
        params["offset"] = offset
    return sql, params


def valuation_row(record: tuple, group_by: str) -> ValuationRow:
    values = dict(zip(_COLUMNS, record, strict=False))
    key = tuple(values[name] for name in _GROUPINGS[group_by][2])
    return ValuationRow(
        office=values["office"],
        lic=values["lic"],
        description=values["description"] or "",
        quantity=values["quantity"],
        value=values["value"],
        lots=values["lots"],
        lot_id=values.get("lot_id"),
        lot_number=values.get("lot_number"),
        type=values.get("type"),
        date=values.get("date"),
        unit_cost=values.get("unit_cost"),
        key=key,
    )


def valuation_rows(
    *,
    as_of: datetime.date,
    scope: Scope = Scope(),
    group_by: str = "lot",  # noqa: B008
    after: tuple | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[ValuationRow]:
    """One query: every lot (or LIC, or office) with on-hand quantity or value <> 0 at ``as_of``.
    A page of lots (``limit`` given) walks the lots in report order and stops when it is full
    (``walk_sql``); anything else computes every lot of the scope at once."""
    if group_by == "lot" and limit is not None and offset + limit <= WALK_MAX_ROWS:
        sql, params = walk_sql(as_of=as_of, scope=scope, after=after, limit=limit, offset=offset)
    else:
        sql, params = valuation_sql(
            as_of=as_of, scope=scope, group_by=group_by, after=after, limit=limit, offset=offset
        )
    return [valuation_row(r, group_by) for r in _fetch(sql, params)]


# A page of the per-lot valuation: the (office, LIC) pairs in code order, each pair's lots in date
# and id order (an index range of lot_lic_date_id), each lot valued at D on its own (LOT_AT for one
# lot: its later quantity events, its cost at D, its entries up to D, each an index lookup by lot),
# until the page is full: the cost is the lots walked, not the lots of the scope. Pages deeper than
# WALK_MAX_ROWS rows compute the whole set instead (VALUED).
WALK_MAX_ROWS = 5000

# Every dated record that changes a lot's qty_in (lot_id, date, quantity), as LOT_AT and TIMELINE
# read them: production reports, receipt lines (by their receipt's date), adjustment and transfer reversals.
QUANTITY_EVENTS = """
SELECT pr.lot_id, pr.date, pr.quantity FROM production_productionreport pr
UNION ALL
SELECT rl.lot_id, r.date, rl.quantity FROM purchasing_receiptline rl JOIN purchasing_receipt r ON r.id = rl.receipt_id
UNION ALL
SELECT al.lot_id, a.date, al.quantity FROM inventory_lots_adjustmentline al
JOIN inventory_lots_inventoryadjustment a ON a.id = al.adjustment_id
WHERE al.reverses_line_id IS NOT NULL AND al.lot_id IS NOT NULL
UNION ALL
SELECT o.lot_id, t.date, r.quantity FROM transfers_transferline r
JOIN transfers_transferline o ON o.id = r.reverses_line_id JOIN transfers_transfer t ON t.id = r.transfer_id"""
WALK = """
SELECT p.office, p.lic, p.description, a.qty_in - u.qty_used, round(a.qty_in * a.unit_cost, 2) - u.value_used, 1,
       l.id, l.number, l.type, l.date, a.unit_cost
FROM (
    SELECT o.id AS office_id, o.code AS office, c.id AS lic_id, c.code AS lic, c.description
    FROM inventory_lots_office o CROSS JOIN inventory_lots_lineitemcode c
    WHERE c.inventoried{pair_where}
    ORDER BY o.code, c.code
) p
CROSS JOIN LATERAL (
    SELECT l.id, l.number, l.type, l.date, l.qty_in, l.unit_cost FROM inventory_lots_lot l
    WHERE l.lic_id = p.lic_id AND l.office_id = p.office_id AND l.date <= %(end)s{lot_where}
    ORDER BY l.date, l.id
) l
CROSS JOIN LATERAL (
    SELECT l.qty_in - COALESCE((SELECT sum(q.quantity) FROM ({events}) q
                                WHERE q.lot_id = l.id AND q.date > %(end)s), 0) AS qty_in,
           CASE WHEN EXISTS (SELECT 1 FROM inventory_lots_lotcostchange x WHERE x.lot_id = l.id AND x.date > %(end)s)
                THEN COALESCE((SELECT n.new_unit_cost FROM inventory_lots_lotcostchange n
                               WHERE n.lot_id = l.id AND n.date <= %(end)s ORDER BY n.id DESC LIMIT 1),
                              (SELECT f.old_unit_cost FROM inventory_lots_lotcostchange f
                               WHERE f.lot_id = l.id ORDER BY f.id LIMIT 1))
                ELSE l.unit_cost END AS unit_cost
    OFFSET 0
) a
CROSS JOIN LATERAL (
    SELECT COALESCE(sum(e.quantity), 0) AS qty_used, COALESCE(sum(e.value), 0) AS value_used
    FROM cogs_cogsentry e WHERE e.lot_id = l.id AND e.kind IN (1, 2, 3, 4) AND e.date <= %(end)s
) u
WHERE (a.qty_in - u.qty_used <> 0 OR round(a.qty_in * a.unit_cost, 2) - u.value_used <> 0){after_where}
ORDER BY p.office, p.lic, l.date, l.id"""


def walk_sql(
    *, as_of: datetime.date, scope: Scope, after: tuple | None, limit: int, offset: int = 0
) -> tuple[str, dict]:
    """A page of the per-lot valuation (the rows of ``valuation_sql`` with ``group_by="lot"``)."""
    params: dict = {"end": as_of, "limit": limit, "offset": offset}
    pair_where, lot_where, after_where = [], "", ""
    if scope.office_ids is not None:
        pair_where.append("o.id = ANY(%(offices)s)")
        params["offices"] = list(scope.office_ids)
    if scope.office_id is not None:
        pair_where.append("o.id = %(office)s")
        params["office"] = scope.office_id
    if scope.lic_id is not None:
        pair_where.append("c.id = %(lic)s")
        params["lic"] = scope.lic_id
    if scope.type is not None:
        lot_where = " AND l.type = %(type)s"
        params["type"] = scope.type
    if after is not None:
        params.update({f"k{i}": value for i, value in enumerate(after)})
        pair_where.append("(o.code, c.code) >= (%(k0)s, %(k1)s)")
        after_where = " AND (p.office, p.lic, l.date, l.id) > (%(k0)s, %(k1)s, %(k2)s, %(k3)s)"
    where = "".join(f" AND {p}" for p in pair_where)
    sql = WALK.format(pair_where=where, lot_where=lot_where, after_where=after_where, events=QUANTITY_EVENTS)
    return sql + " LIMIT %(limit)s OFFSET %(offset)s", params


def valuation_totals(*, as_of: datetime.date, scope: Scope = Scope(), **stored) -> ValuationTotals:  # noqa: B008
    """One query: the valuation's totals, and beside them the usage not yet allocated at ``as_of``
    (positive usage dated <= D less its allocations dated <= D) and the open accrued COGS at D
    (accrual and reversal entries dated <= D). Those two follow the office and LIC filters only
    (usage has no lot type).

    Read from the stored valuations of closed days when there are some (reports.snapshots: a
    lookup at or before the lock date, that lookup plus the lots that changed after it beyond),
    else (and for one LIC, whose own lots are few) scanned from the ledger. ``state=``: the
    snapshots' state read once for many dates (``snapshots.snapshot_totals``)."""
    from .snapshots import snapshot_totals

    found = snapshot_totals(as_of=as_of, scope=scope, **stored)
    if found is not None:
        return found
    return scanned_totals(as_of=as_of, scope=scope)


def scanned_totals(*, as_of: datetime.date, scope: Scope = Scope()) -> ValuationTotals:  # noqa: B008
    """``valuation_totals`` read from the ledger alone (the definition the snapshots are checked against)."""
    params: dict = {"end": as_of}
    body = TOTALS.format(usage_where=scope.pair_where("u", params), entry_where=scope.pair_where("e", params))
    sql = statement([lot_at(scope, params), ON_HAND], body)
    lots, quantity, value, unallocated, accrued = _fetch(sql, params)[0]
    return ValuationTotals(
        lots=lots, quantity=quantity, value=value, unallocated_quantity=unallocated, accrued_value=accrued
    )


TOTALS = """
SELECT count(*), COALESCE(sum(h.quantity), 0), COALESCE(sum(h.value), 0),
  (SELECT COALESCE(sum(u.quantity), 0) FROM inventory_lots_inventoryusage u
   WHERE u.quantity > 0 AND u.date <= %(end)s{usage_where})
  - (SELECT COALESCE(sum(e.quantity), 0) FROM cogs_cogsentry e
     WHERE e.kind = 1 AND e.date <= %(end)s{entry_where}),
  (SELECT COALESCE(sum(e.value), 0) FROM cogs_cogsentry e
   WHERE e.kind IN (5, 6) AND e.date <= %(end)s{entry_where})
FROM on_hand h WHERE h.quantity <> 0 OR h.value <> 0"""


# per office, LIC and lot type: the lots with something on hand, their quantity and value; per office
# and LIC (type ''): usage not yet allocated and open accrued COGS (as TOTALS)
LEDGER_FIGURES = """
SELECT h.office_id, h.lic_id, h.type, count(*), sum(h.quantity), sum(h.value), 0, 0
FROM on_hand h WHERE h.quantity <> 0 OR h.value <> 0 GROUP BY 1, 2, 3
UNION ALL
SELECT office_id, lic_id, '', 0, 0, 0, sum(du), sum(da) FROM (
    SELECT u.office_id, u.lic_id, u.quantity AS du, 0 AS da FROM inventory_lots_inventoryusage u
    WHERE u.quantity > 0 AND u.date <= %(end)s
    UNION ALL
    SELECT e.office_id, e.lic_id, CASE WHEN e.kind = 1 THEN -e.quantity ELSE 0 END,
           CASE WHEN e.kind IN (5, 6) THEN e.value ELSE 0 END
    FROM cogs_cogsentry e WHERE e.kind IN (1, 5, 6) AND e.date <= %(end)s
) x GROUP BY office_id, lic_id HAVING sum(du) <> 0 OR sum(da) <> 0"""


def ledger_figures(*, as_of: datetime.date) -> dict[tuple, tuple]:
    """{(office id, LIC id, lot type or ''): (lots, quantity, value, unallocated, accrued)} at
    ``as_of``, scanned from the ledger (what reports.snapshots stores; check_ledger compares them)."""
    params: dict = {"end": as_of}
    sql = statement([lot_at(Scope(), params), ON_HAND], LEDGER_FIGURES)
    return {(o, c, t): (int(n), q, v, u, a) for o, c, t, n, q, v, u, a in _fetch(sql, params)}


@dataclass(frozen=True)
class LotAt:
    """One lot at a date: what came in, what COGS used, what is on hand."""

    lot_id: int
    qty_in: Decimal
    value_in: Decimal
    qty_used: Decimal
    value_used: Decimal
    unit_cost: Decimal

    @property
    def quantity(self) -> Decimal:
        return self.qty_in - self.qty_used

    @property
    def value(self) -> Decimal:
        return self.value_in - self.value_used


def lots_at(*, as_of: datetime.date, scope: Scope = Scope()) -> dict[int, LotAt]:  # noqa: B008
    """Every lot of the scope dated <= ``as_of``, zero or not, by id (one query)."""
    params: dict = {"end": as_of}
    body = "SELECT lot_id, qty_in, value_in, qty_used, value_used, unit_cost FROM on_hand"
    return {r[0]: LotAt(*r) for r in _fetch(statement([lot_at(scope, params), ON_HAND], body), params)}


def lots_at_by_events(*, as_of: datetime.date, scope: Scope = Scope()) -> dict[int, LotAt]:  # noqa: B008
    """The same as ``lots_at``, read the long way (TIMELINE: every lot's dated records alone): the
    definition the fast way is tested against. Not for pages: it sorts every event of every lot."""
    params: dict = {"end": as_of}
    scope_cte = (
        "scope AS MATERIALIZED (SELECT "  # noqa: S608 - fixed SQL text
        + SCOPE_COLUMNS
        + " FROM inventory_lots_lot l WHERE l.date <= %(end)s"
        + scope.lot_where(params)
        + ")"
    )
    body = """
        SELECT i.lot_id, i.qty_in, round(i.qty_in * i.unit_cost, 2), COALESCE(u.qty_used, 0),
               COALESCE(u.value_used, 0), i.unit_cost
        FROM (SELECT DISTINCT ON (lot_id) lot_id, qty_in, unit_cost FROM state ORDER BY lot_id, d DESC) i
        LEFT JOIN (SELECT e.lot_id, sum(e.quantity) AS qty_used, sum(e.value) AS value_used
                   FROM cogs_cogsentry e JOIN scope s ON s.id = e.lot_id
                   WHERE e.kind IN (1, 2, 3, 4) AND e.date <= %(end)s GROUP BY e.lot_id) u ON u.lot_id = i.lot_id"""
    return {r[0]: LotAt(*r) for r in _fetch(statement([scope_cte, TIMELINE], body), params)}


# --- roll-forward D1..D2 ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RollForwardRow:
    office: str | None
    lic: str | None
    description: str
    opening_value: Decimal
    lots_in: Decimal
    cost_changes: Decimal
    cogs: Decimal
    production: Decimal
    transfers_out: Decimal
    adjustments_out: Decimal
    closing_value: Decimal

    def figures(self) -> dict[str, Decimal]:
        return {name: getattr(self, name) for name in ROLL_FORWARD_COLUMNS}


@dataclass(frozen=True)
class RollForward:
    date_from: datetime.date
    date_to: datetime.date
    rows: list[RollForwardRow]
    totals: RollForwardRow


# The lots (of the scope, dated <= %(end)s) with a value event in the period: born in it, or with a
# production report, a receipt line or a cost change dated in it (max(its date, the lot's date)).
MOVED = """
moved AS (
    SELECT l.id FROM inventory_lots_lot l WHERE l.date >= %(start)s AND l.date <= %(end)s
    UNION SELECT pr.lot_id FROM production_productionreport pr WHERE pr.date >= %(start)s AND pr.date <= %(end)s
    UNION SELECT rl.lot_id FROM purchasing_receiptline rl JOIN purchasing_receipt r ON r.id = rl.receipt_id
          WHERE r.date >= %(start)s AND r.date <= %(end)s
    UNION SELECT al.lot_id FROM inventory_lots_adjustmentline al
          JOIN inventory_lots_inventoryadjustment a ON a.id = al.adjustment_id
          WHERE al.reverses_line_id IS NOT NULL AND a.date >= %(start)s AND a.date <= %(end)s
    UNION SELECT o.lot_id FROM transfers_transferline r JOIN transfers_transferline o ON o.id = r.reverses_line_id
          JOIN transfers_transfer t ON t.id = r.transfer_id WHERE t.date >= %(start)s AND t.date <= %(end)s
    UNION SELECT c.lot_id FROM inventory_lots_lotcostchange c WHERE c.date >= %(start)s AND c.date <= %(end)s
),
scope AS MATERIALIZED (
    SELECT {scope_columns}
    FROM inventory_lots_lot l JOIN moved m ON m.id = l.id
    WHERE l.date <= %(end)s{lot_where}
)"""

ROLL_FORWARD = """
step AS (
    SELECT lot_id, d, round(qty_in * unit_cost, 2) AS value_in,
           round(qty_in * COALESCE(LAG(unit_cost) OVER w, first_cost), 2) AS at_cost_before,
           round(LAG(qty_in, 1, 0::numeric) OVER w * COALESCE(LAG(unit_cost) OVER w, first_cost), 2) AS value_before
    FROM state WINDOW w AS (PARTITION BY lot_id ORDER BY d)
),
moved_value AS (
    SELECT s.office_id, s.lic_id, sum(t.at_cost_before - t.value_before) AS lots_in,
           sum(t.value_in - t.at_cost_before) AS cost_changes
    FROM step t JOIN scope s ON s.id = t.lot_id
    WHERE t.d >= %(start)s
    GROUP BY s.office_id, s.lic_id
),
used_in AS (
    SELECT e.lot_id, sum(e.value) AS value,
           sum(e.value) FILTER (WHERE u.kind NOT IN ('production', 'transfer', 'adjustment')) AS cogs,
           sum(e.value) FILTER (WHERE u.kind = 'production') AS production,
           sum(e.value) FILTER (WHERE u.kind = 'transfer') AS transfers_out,
           sum(e.value) FILTER (WHERE u.kind = 'adjustment') AS adjustments_out
    FROM cogs_cogsentry e JOIN inventory_lots_inventoryusage u ON u.id = e.usage_id
    WHERE e.kind IN (1, 2, 3, 4) AND e.date >= %(start)s AND e.date <= %(end)s{entry_where}
    GROUP BY e.lot_id
),
pair AS (
    SELECT c.office_id, c.lic_id,
           sum(round(c.qty_in * c.unit_cost, 2)) AS closing_in,
           COALESCE(sum(round(o.qty_in * o.unit_cost, 2)), 0) AS opening_in,
           COALESCE(sum(b.value_used), 0) AS used_before, COALESCE(sum(i.value), 0) AS used_in,
           COALESCE(sum(i.cogs), 0) AS cogs, COALESCE(sum(i.production), 0) AS production,
           COALESCE(sum(i.transfers_out), 0) AS transfers_out, COALESCE(sum(i.adjustments_out), 0) AS adjustments_out
    FROM closing_lot c
    LEFT JOIN opening_lot o ON o.lot_id = c.lot_id
    LEFT JOIN opening_used b ON b.lot_id = c.lot_id
    LEFT JOIN used_in i ON i.lot_id = c.lot_id
    GROUP BY c.office_id, c.lic_id
),
figures AS (
    SELECT o.code AS office, c.code AS lic, c.description,
           p.opening_in - p.used_before AS opening_value,
           COALESCE(m.lots_in, 0) AS lots_in, COALESCE(m.cost_changes, 0) AS cost_changes,
           p.cogs, p.production, p.transfers_out, p.adjustments_out,
           p.closing_in - p.used_before - p.used_in AS closing_value
    FROM pair p
    JOIN inventory_lots_office o ON o.id = p.office_id
    JOIN inventory_lots_lineitemcode c ON c.id = p.lic_id
    LEFT JOIN moved_value m ON (m.office_id, m.lic_id) = (p.office_id, p.lic_id)
)"""
ROLL_FORWARD_SELECT = """
SELECT office, lic, description, opening_value, lots_in, cost_changes, cogs, production, transfers_out,
       adjustments_out, closing_value
FROM figures
WHERE opening_value <> 0 OR lots_in <> 0 OR cost_changes <> 0 OR cogs <> 0 OR production <> 0
      OR transfers_out <> 0 OR adjustments_out <> 0 OR closing_value <> 0
ORDER BY office, lic"""


def roll_forward(*, date_from: datetime.date, date_to: datetime.date, scope: Scope = Scope()) -> RollForward:  # noqa: B008
    """One query: per office and LIC, the value at the day before ``date_from``, plus the lot value
    events of the period (births, production reported, reversals: ``lots_in``; unit cost changes:
    ``cost_changes``), minus its COGS entries by their usage's kind (give-backs and revaluations in
    the column of their usage), equals the value at ``date_to``, to the cent. Pairs whose figures are
    all zero are left out. The lot type filter does not apply (a roll-forward is by office and LIC).

    Opening and closing values are the lots at the two dates (LOT_AT); the day-by-day split of what
    changed in between comes from the TIMELINE of the lots that moved in the period only."""
    scope = Scope(office_id=scope.office_id, lic_id=scope.lic_id, office_ids=scope.office_ids)
    from .snapshots import stored_roll_forward

    rows = stored_roll_forward(date_from=date_from, date_to=date_to, scope=scope)
    if rows is None:
        rows = scanned_roll_forward_rows(date_from=date_from, date_to=date_to, scope=scope)
    totals = RollForwardRow(
        None, None, "", *(sum((getattr(r, name) for r in rows), ZERO_MONEY) for name in ROLL_FORWARD_COLUMNS)
    )
    return RollForward(date_from=date_from, date_to=date_to, rows=rows, totals=totals)


def scanned_roll_forward_rows(
    *,
    date_from: datetime.date,
    date_to: datetime.date,
    scope: Scope = Scope(),  # noqa: B008
) -> list[RollForwardRow]:
    """The roll-forward's rows read from the ledger alone (one statement)."""
    params: dict = {"start": date_from, "end": date_to}
    ctes = [
        lot_at(scope, params, date_param="start", day_before=True, lot="opening_lot", used="opening_used"),
        lot_at(scope, params, lot="closing_lot", used="closing_used"),
        MOVED.format(scope_columns=SCOPE_COLUMNS, lot_where=scope.lot_where(params)),
        TIMELINE,
        ROLL_FORWARD.format(entry_where=scope.pair_where("e", params)),
    ]
    return [RollForwardRow(*r) for r in _fetch(statement(ctes, ROLL_FORWARD_SELECT), params)]


# --- aging at D ------------------------------------------------------------------------------------

DEFAULT_BUCKETS = (30, 60, 90, 180)


def bucket_labels(bounds: tuple[int, ...]) -> list[str]:
    """(30, 60, 90, 180) -> ["0-30", "31-60", "61-90", "91-180", "over 180"]."""
    labels, low = [], 0
    for bound in bounds:
        labels.append(f"{low}-{bound}")
        low = bound + 1
    labels.append(f"over {bounds[-1]}")
    return labels


AGING = """
SELECT o.code, c.code, c.description,
       (SELECT count(*) FROM unnest(%(bounds)s::integer[]) b WHERE (%(end)s::date - h.date) > b) AS bucket,
       sum(h.quantity), sum(h.value)
FROM on_hand h JOIN inventory_lots_office o ON o.id = h.office_id JOIN inventory_lots_lineitemcode c ON c.id = h.lic_id
WHERE h.quantity <> 0
GROUP BY o.code, c.code, c.description, bucket
ORDER BY o.code, c.code, bucket"""


@dataclass(frozen=True)
class AgingRow:
    office: str | None
    lic: str | None
    description: str
    quantities: list[Decimal]
    values: list[Decimal]

    @property
    def quantity(self) -> Decimal:
        return sum(self.quantities, ZERO)

    @property
    def value(self) -> Decimal:
        return sum(self.values, ZERO_MONEY)


@dataclass(frozen=True)
class Aging:
    as_of: datetime.date
    bounds: tuple[int, ...]
    labels: list[str]
    rows: list[AgingRow]
    totals: AgingRow


def aging(
    *,
    as_of: datetime.date,
    scope: Scope = Scope(),  # noqa: B008
    bounds: tuple[int, ...] = DEFAULT_BUCKETS,
    by_lic: bool = True,
    **stored,
) -> Aging:
    """One query: lots with on-hand quantity at ``as_of`` by age (``as_of`` - lot date, in days) in
    buckets (upper bounds ``bounds``, inclusive; the last bucket is everything older), quantity and
    value, per office and LIC (``by_lic`` False: the totals only, no rows). An office and LIC whose
    figures are all zero is left out.

    Read from the stored aging of closed days when there is one (reports.snapshots.stored_aging:
    a snapshot's aging by lot date plus what changed between its date and ``as_of``), else (and
    for one LIC or lot type, whose lots are few) scanned from the ledger (``scanned_aging``).
    ``state=``: the snapshots' state read once (the home page)."""
    from .snapshots import stored_aging

    found = stored_aging(as_of=as_of, scope=scope, bounds=tuple(bounds), by_lic=by_lic, **stored)
    if found is None:
        return scanned_aging(as_of=as_of, scope=scope, bounds=bounds, by_lic=by_lic)
    return _aging(as_of, bounds, found, by_lic)


def scanned_aging(
    *,
    as_of: datetime.date,
    scope: Scope = Scope(),  # noqa: B008
    bounds: tuple[int, ...] = DEFAULT_BUCKETS,
    by_lic: bool = True,
) -> Aging:
    """``aging`` read from the ledger alone (the definition the stored aging is checked against)."""
    params: dict = {"end": as_of, "bounds": list(bounds)}
    return _aging(as_of, bounds, _fetch(statement([lot_at(scope, params), ON_HAND], AGING), params), by_lic)


def _aging(as_of: datetime.date, bounds: tuple[int, ...], found: list[tuple], by_lic: bool) -> Aging:
    """The report from rows in office and LIC order: (office, LIC, description, bucket, quantity,
    value) from the scan; from the stored aging (``snapshots.stored_aging``) bucket -1 with a stored
    row's buckets (first for its office and LIC), then changes as lists of one."""
    width = len(bounds) + 1
    rows: list[AgingRow] = []
    changed: list[AgingRow] = []
    for office, lic, description, bucket, quantity, value in found:
        if not rows or (rows[-1].office, rows[-1].lic) != (office, lic):
            if bucket < 0:
                rows.append(AgingRow(office, lic, description or "", quantity, value))
                continue
            rows.append(AgingRow(office, lic, description or "", [ZERO] * width, [ZERO_MONEY] * width))
        row = rows[-1]
        if bucket < 0:  # another stored row of the same key (the totals: one per office)
            row.quantities[:] = [a + b for a, b in zip(row.quantities, quantity, strict=True)]
            row.values[:] = [a + b for a, b in zip(row.values, value, strict=True)]
            changed.append(row)
        elif isinstance(quantity, list):
            row.quantities[bucket] += quantity[0]
            row.values[bucket] += value[0]
            changed.append(row)
        else:
            row.quantities[bucket] = quantity
            row.values[bucket] = value
    for row in changed:  # a zero sum reads as the empty bucket, whichever way it was computed
        row.quantities[:] = [q if q else ZERO for q in row.quantities]
        row.values[:] = [v if v else ZERO_MONEY for v in row.values]
    rows = [r for r in rows if any(r.quantities) or any(r.values)]
    totals = AgingRow(
        None,
        None,
        "",
        [sum((r.quantities[i] for r in rows), ZERO) for i in range(width)],
        [sum((r.values[i] for r in rows), ZERO_MONEY) for i in range(width)],
    )
    return Aging(
        as_of=as_of,
        bounds=tuple(bounds),
        labels=bucket_labels(tuple(bounds)),
        rows=rows if by_lic else [],
        totals=totals,
    )
