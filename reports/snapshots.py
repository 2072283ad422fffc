"""Stored valuations of closed dates (docs/reports.md "Snapshots"; decision record 0004).

A figure at a date on or before the lock date never changes (DOMAIN.md 10: nothing is posted on or
before it), so when the lock date moves forward to L the valuation of every closed day can be
written once and read back in a few rows:

- ``DailyValuation``: per office and lot type, the valuation totals (lots with something on hand,
  quantity, value; on the rows of type '' the usage not yet allocated and the open accrued COGS) at
  the end of every day up to L on which they changed;
- ``ValuationSnapshot`` + ``SnapshotFigures``: per office, LIC and lot type, the same figures at
  each month end up to L and at L itself;
- ``JournalDay``: per closed day, office and account role, the journal's lines summed (count,
  debits, credits), read by the journal summary and the journal page's totals;
- ``OpenEntry``: the COGS entries dated after L that exist when L is set, and the highest entry id
  then (the snapshot's ``entry_watermark``): every later entry has a higher id and is dated after
  the lock date, so "every entry dated after L" is those two sets, read without scanning the
  entries table.

Valuation totals at D <= L are then one lookup per office and type; at D > L the lookup at L plus
what changed after L, computed lot by lot for the lots something happened to after L only
(``live_totals``). Written by a background job (``reports.tasks.write_snapshots``, decision record
0016) that a receiver of ``LockDate`` rows (``ReportsConfig.ready``: inventory_lots never imports
reports) queues when ``inventory_lots.services.set_lock_date`` commits; ``sync_snapshots`` writes up
to the lock date in force, in one transaction. Each snapshot records the lock-date row it was
written for: once the lock date is set below it (moved back), it is never read again
(``snapshot_state``), and the next job drops the snapshots after the lowest date set since (postings
may have come in there) and rewrites the days up to the lock date from the last one kept.

Each day's change of a lot's figures is read from its dated records, as the roll-forward's TIMELINE
reads them: quantity first, then cost, within a day; COGS entries (kinds 1-4) on max(their date, the
lot's date); a lot counts from the day its on-hand quantity or value is not zero to the day both are.
``snapshot_violations`` (check_ledger) compares the stored figures with the scan of the ledger.
"""

from __future__ import annotations

import datetime
import logging

from django.db import connection, transaction

from core.money import ZERO_MONEY

from .selectors import SCOPE_COLUMNS, TIMELINE, Scope, ValuationTotals, statement, tuned

log = logging.getLogger(__name__)

# Each lot's change of (lots with something on hand, on-hand quantity, on-hand value) on each day
# with a record, from the start of its history to %(end)s; rows of days after %(start)s only. The
# day's change of value_in is split as the roll-forward splits it: quantity at the cost before the
# day (di, its lots_in), then the cost on the quantity after it (dc, its cost_changes).
LOT_DAYS = """
in_step AS (
    SELECT lot_id, d, dq, dv, at_cost_before - value_before AS di, value_in - at_cost_before AS dc FROM (
        SELECT lot_id, d, qty_in - LAG(qty_in, 1, 0::numeric) OVER w AS dq,
               round(qty_in * unit_cost, 2) - COALESCE(LAG(round(qty_in * unit_cost, 2)) OVER w, 0) AS dv,
               round(qty_in * unit_cost, 2) AS value_in,
               round(qty_in * COALESCE(LAG(unit_cost) OVER w, first_cost), 2) AS at_cost_before,
               round(LAG(qty_in, 1, 0::numeric) OVER w * COALESCE(LAG(unit_cost) OVER w, first_cost), 2) AS value_before
        FROM state WINDOW w AS (PARTITION BY lot_id ORDER BY d)
    ) x
),
use_step AS (
    SELECT e.lot_id, GREATEST(e.date, s.date) AS d, -sum(e.quantity) AS dq, -sum(e.value) AS dv,
           0::numeric AS di, 0::numeric AS dc
    FROM cogs_cogsentry e JOIN scope s ON s.id = e.lot_id
    WHERE e.kind IN (1, 2, 3, 4) AND e.date <= %(end)s
    GROUP BY 1, 2
),
lot_delta AS (
    SELECT lot_id, d, sum(dq) AS dq, sum(dv) AS dv, sum(di) AS di, sum(dc) AS dc
    FROM (SELECT * FROM in_step UNION ALL SELECT * FROM use_step) x GROUP BY lot_id, d
),
flagged AS (
    SELECT lot_id, d, dq, dv, di, dc, (sum(dq) OVER w <> 0 OR sum(dv) OVER w <> 0)::int AS nz,
           CASE WHEN sum(dq) OVER w <> 0 THEN sum(dq) OVER w ELSE 0 END AS aq,
           CASE WHEN sum(dq) OVER w <> 0 THEN sum(dv) OVER w ELSE 0 END AS av
    FROM lot_delta WINDOW w AS (PARTITION BY lot_id ORDER BY d)
),
lot_change AS (
    SELECT f.lot_id, f.d, f.dq, f.dv, f.di, f.dc, f.nz - LAG(f.nz, 1, 0) OVER v AS dn,
           f.aq - LAG(f.aq, 1, 0::numeric) OVER v AS daq, f.av - LAG(f.av, 1, 0::numeric) OVER v AS dav
    FROM flagged f WINDOW v AS (PARTITION BY f.lot_id ORDER BY f.d)
)"""

_NO_MOVES = "0::numeric, 0::numeric, 0::numeric, 0::numeric"
# each lot's changes on the days after %(start)s, with what the sums below group by (kept in a
# temporary table: the valuation's changes and the aging's are summed from the same pass)
LOT_ROWS = """
SELECT s.office_id, s.lic_id, s.type, s.date AS lot_date, t.d, t.dn, t.dq, t.dv, t.di, t.dc, t.daq, t.dav
FROM lot_change t JOIN scope s ON s.id = t.lot_id
WHERE t.d > %(start)s"""

LOT_CHANGES = f"""
SELECT office_id, lic_id, type, d, sum(dn), sum(dq), sum(dv), 0::numeric, 0::numeric,
       sum(di), sum(dc), {_NO_MOVES}
FROM reports_lot_change
GROUP BY 1, 2, 3, 4
HAVING sum(dn) <> 0 OR sum(dq) <> 0 OR sum(dv) <> 0 OR sum(di) <> 0 OR sum(dc) <> 0"""  # noqa: S608

# the aging's change per closed day, office, LIC and lot date (AgingDay)
AGING_DAYS = """
INSERT INTO reports_agingday (date, office_id, lic_id, lot_date, quantity, value)
SELECT d, office_id, lic_id, lot_date, sum(daq), sum(dav) FROM reports_lot_change
GROUP BY 1, 2, 3, 4 HAVING sum(daq) <> 0 OR sum(dav) <> 0"""

# the roll-forward's COGS columns: each day's COGS entries by the kind of their usage (ROLL_FORWARD)
ENTRY_MOVES = """
SELECT e.office_id, e.lic_id, '', e.date, 0, 0::numeric, 0::numeric, 0::numeric, 0::numeric, 0::numeric, 0::numeric,
       COALESCE(sum(e.value) FILTER (WHERE u.kind NOT IN ('production', 'transfer', 'adjustment')), 0),
       COALESCE(sum(e.value) FILTER (WHERE u.kind = 'production'), 0),
       COALESCE(sum(e.value) FILTER (WHERE u.kind = 'transfer'), 0),
       COALESCE(sum(e.value) FILTER (WHERE u.kind = 'adjustment'), 0)
FROM cogs_cogsentry e JOIN inventory_lots_inventoryusage u ON u.id = e.usage_id
WHERE e.kind IN (1, 2, 3, 4) AND e.date > %(start)s AND e.date <= %(end)s
GROUP BY e.office_id, e.lic_id, e.date
HAVING sum(e.value) <> 0"""

# the lots dated <= %(end)s with a record dated in (%(start)s, %(end)s]
CLOSE_SCOPE = """
scope AS MATERIALIZED (
    SELECT {columns}, l.type FROM inventory_lots_lot l
    WHERE l.date <= %(end)s AND (l.date > %(start)s OR l.id IN (
        SELECT e.lot_id FROM cogs_cogsentry e
        WHERE e.kind IN (1, 2, 3, 4) AND e.date > %(start)s AND e.date <= %(end)s AND e.lot_id IS NOT NULL
        UNION SELECT pr.lot_id FROM production_productionreport pr WHERE pr.date > %(start)s AND pr.date <= %(end)s
        UNION SELECT rl.lot_id FROM purchasing_receiptline rl JOIN purchasing_receipt r ON r.id = rl.receipt_id
              WHERE r.date > %(start)s AND r.date <= %(end)s
        UNION SELECT al.lot_id FROM inventory_lots_adjustmentline al
              JOIN inventory_lots_inventoryadjustment a ON a.id = al.adjustment_id
              WHERE al.reverses_line_id IS NOT NULL AND a.date > %(start)s AND a.date <= %(end)s
        UNION SELECT o.lot_id FROM transfers_transferline r JOIN transfers_transferline o ON o.id = r.reverses_line_id
              JOIN transfers_transfer t ON t.id = r.transfer_id WHERE t.date > %(start)s AND t.date <= %(end)s
        UNION SELECT c.lot_id FROM inventory_lots_lotcostchange c WHERE c.date > %(start)s AND c.date <= %(end)s))
)"""

# usage not yet allocated and open accrued COGS: each day's change, per office and LIC
USAGE_CHANGES = """
SELECT office_id, lic_id, '', d, 0, 0::numeric, 0::numeric, sum(du), sum(da), {no_moves} FROM (
    SELECT u.office_id, u.lic_id, u.date AS d, u.quantity AS du, 0::numeric AS da
    FROM inventory_lots_inventoryusage u WHERE u.quantity > 0 AND u.date > %(start)s AND u.date <= %(end)s
    UNION ALL
    SELECT e.office_id, e.lic_id, e.date, CASE WHEN e.kind = 1 THEN -e.quantity ELSE 0 END,
           CASE WHEN e.kind IN (5, 6) THEN e.value ELSE 0 END
    FROM {entries} e WHERE e.kind IN (1, 5, 6) AND e.date > %(start)s AND e.date <= %(end)s
) x GROUP BY office_id, lic_id, d
HAVING sum(du) <> 0 OR sum(da) <> 0"""

FIGURES = ("lots", "quantity", "value", "unallocated_quantity", "accrued_value")
MOVE_COLUMNS = ("lots_in", "cost_changes", "cogs", "production", "transfers_out", "adjustments_out")
MOVES = ", ".join(MOVE_COLUMNS)
MOVED = " OR ".join(f"{c} <> 0" for c in MOVE_COLUMNS)


def month_end(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)


def checkpoint_dates(first: datetime.date, end: datetime.date) -> list[datetime.date]:
    """The month ends from ``first``'s month up to ``end``, and ``end``."""
    out, day = [], month_end(first)
    while day < end:
        out.append(day)
        day = month_end(day + datetime.timedelta(days=1))
    return [*out, end]


def _execute(sql: str, params: dict | None = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


# --- writing ---------------------------------------------------------------------------------------


def on_lock_date_saved(sender, instance, created, **kwargs) -> None:
    """post_save of inventory_lots.LockDate, in ``set_lock_date``'s transaction: record the request
    and queue the job that writes the stored figures once the move commits (reports.services), so
    the move itself stays a short transaction."""
    if created:
        from .services import request_snapshots

        request_snapshots(instance)


def _no_step(name: str) -> None:
    pass


@transaction.atomic
def sync_snapshots(step=_no_step) -> datetime.date | None:
    """Make the stored valuations cover exactly the closed days up to the lock date in force: drop
    those a move back made stale (after the lowest lock date set since the latest was written), then
    write the days after the latest one kept. One transaction: a reader sees all of it or none.
    ``step(name)`` is told each stage (progress). Returns the lock date written up to."""
    from .models import AgingDay, DailyMovement, DailyValuation, JournalDay, OpenEntry, ValuationSnapshot

    # one writer at a time (two jobs, or a job and the command), in lock-date order
    _execute("SELECT pg_advisory_xact_lock(hashtext('lotledger_snapshots'))")
    current = _execute("SELECT id, date FROM inventory_lots_lockdate ORDER BY id DESC LIMIT 1")
    lock_row, lock = current[0] if current else (None, None)
    if lock is None:
        ValuationSnapshot.objects.all().delete()
        DailyValuation.objects.all().delete()
        JournalDay.objects.all().delete()
        AgingDay.objects.all().delete()
        DailyMovement.objects.all().delete()
        OpenEntry.objects.all().delete()
        return None
    latest = ValuationSnapshot.objects.order_by("-date").first()
    floor = lock
    if latest is not None and latest.lock_row_id is not None:
        (lowest,) = _execute("SELECT min(date) FROM inventory_lots_lockdate WHERE id > %s", [latest.lock_row_id])[0]
        floor = min(lock, lowest) if lowest is not None else lock
    if latest is not None and latest.date > floor:
        ValuationSnapshot.objects.filter(date__gt=floor).delete()
        latest = ValuationSnapshot.objects.order_by("-date").first()
    if latest is not None and latest.date == lock:
        ValuationSnapshot.objects.filter(pk=latest.pk).update(lock_row_id=lock_row)
        return lock
    start = latest.date if latest is not None else None
    if start is None:
        DailyValuation.objects.all().delete()
        JournalDay.objects.all().delete()
        AgingDay.objects.all().delete()
        DailyMovement.objects.all().delete()
    else:
        DailyValuation.objects.filter(date__gt=start).delete()
        JournalDay.objects.filter(date__gt=start).delete()
        AgingDay.objects.filter(date__gt=start).delete()
        DailyMovement.objects.filter(date__gt=start).delete()
    with tuned():
        _write(start, lock, latest, lock_row=lock_row, step=step)
    return lock


SNAPSHOT_CHANGE_TABLE = (
    "CREATE TEMP TABLE reports_snapshot_change (office_id bigint, lic_id bigint, type varchar(16), d date,"
    " dn bigint, dq numeric, dv numeric, du numeric, da numeric, di numeric, dc numeric, dcogs numeric,"
    " dprod numeric, dtrans numeric, dadj numeric) ON COMMIT DROP"
)


def _write(start: datetime.date | None, end: datetime.date, base, *, lock_row=None, step=_no_step) -> None:
    from .models import OpenEntry, ValuationSnapshot

    # no snapshot yet: every day of every lot ("-infinity": an event on 0001-01-01 counts too)
    params = {"start": start if start is not None else "-infinity", "end": end}
    if start is None:
        scope = (
            f"scope AS MATERIALIZED (SELECT {SCOPE_COLUMNS}, l.type FROM inventory_lots_lot l WHERE l.date <= %(end)s)"  # noqa: S608
        )
    else:
        scope = CLOSE_SCOPE.format(columns=SCOPE_COLUMNS)
    lot_sql = statement([scope, TIMELINE, LOT_DAYS], LOT_ROWS)
    usage_sql = USAGE_CHANGES.format(entries="cogs_cogsentry", no_moves=_NO_MOVES + ", 0::numeric, 0::numeric")
    _execute("DROP TABLE IF EXISTS reports_snapshot_change")
    _execute(SNAPSHOT_CHANGE_TABLE)
    step("each lot's changes, day by day")
    _lot_change_table(lot_sql, params)
    _execute(f"INSERT INTO reports_snapshot_change {LOT_CHANGES}")  # noqa: S608 - fixed SQL text
    step("usage not yet allocated and accruals")
    _execute(f"INSERT INTO reports_snapshot_change {usage_sql}", params)  # noqa: S608
    step("COGS movements")
    _execute(f"INSERT INTO reports_snapshot_change {ENTRY_MOVES}", params)  # noqa: S608
    if start is None:
        first = _execute("SELECT min(d) FROM reports_snapshot_change")[0][0] or end
    else:
        first = start + datetime.timedelta(days=1)
    dates = checkpoint_dates(first, end)
    # Entries committing from here on would be missed by both the watermark and the copy of the open
    # entries: wait for the writers in flight, and hold new ones, until this transaction ends. Taken
    # this late because what comes before reads entries dated <= the lock date only, which are final.
    _execute("LOCK TABLE cogs_cogsentry IN SHARE MODE")
    (watermark,) = _execute("SELECT COALESCE(max(id), 0) FROM cogs_cogsentry")[0]
    snapshots = ValuationSnapshot.objects.bulk_create(
        [
            ValuationSnapshot(date=d, lock_date=end, entry_watermark=watermark if d == end else 0, lock_row_id=lock_row)
            for d in dates
        ]
    )
    params.update(
        {
            "snap_dates": [s.date for s in snapshots],
            "snap_ids": [s.pk for s in snapshots],
            "base": base.pk if base is not None else None,
        }
    )
    step("daily totals")
    _execute(DAILY_INSERT, params)
    step("month-end figures")
    _execute(FIGURES_INSERT, params)
    step("aging and daily movements")
    _execute(SNAPSHOT_COGS_INSERT, params)
    _execute(DAILY_MOVES_INSERT)
    _write_aging(base, snapshots)
    step("journal days")
    write_journal_days(start, end)
    step("open entries")
    OpenEntry.objects.all().delete()
    _execute(
        "INSERT INTO reports_openentry (entry_id, kind, lot_id, office_id, lic_id, date, quantity, value) "
        "SELECT id, kind, lot_id, office_id, lic_id, date, quantity, value FROM cogs_cogsentry WHERE date > %(end)s",
        params,
    )
    _execute(
        "ANALYZE reports_openentry, reports_snapshotfigures, reports_dailyvaluation, reports_valuationsnapshot,"
        " reports_journalday"
    )
    _execute("DROP TABLE reports_snapshot_change")
    _execute("DROP TABLE reports_lot_change")


def _lot_change_table(lot_sql: str, params: dict) -> None:
    """Each lot's changes of the days after ``params["start"]`` (LOT_ROWS) into a temporary table."""
    _execute("DROP TABLE IF EXISTS reports_lot_change")
    _execute(
        "CREATE TEMP TABLE reports_lot_change (office_id bigint, lic_id bigint, type varchar(16), lot_date date,"
        " d date, dn bigint, dq numeric, dv numeric, di numeric, dc numeric, daq numeric, dav numeric)"
        " ON COMMIT DROP"
    )
    _execute(f"INSERT INTO reports_lot_change {lot_sql}", params)  # noqa: S608 - fixed SQL text


# One stored aging's elements as rows: (office, LIC, lot date, quantity, value), the cumulative
# arrays taken apart again (element n less element n - 1; element 0 of a PostgreSQL array is NULL).
AGING_ELEMENTS = """
SELECT f.office_id, f.lic_id, u.lot_date, u.cq - COALESCE(f.cum_quantities[u.n - 1], 0) AS q,
       u.cv - COALESCE(f.cum_values[u.n - 1], 0) AS v
FROM reports_agingfigures f,
     unnest(f.lot_dates, f.cum_quantities, f.cum_values) WITH ORDINALITY u(lot_date, cq, cv, n)
WHERE f.snapshot_id = %(base)s AND f.lic_id IS NOT NULL"""

# rows (office, LIC or NULL, lot date, quantity, value) -> one row of cumulative arrays per group
_AGING_ARRAYS = """
SELECT %(snap)s, office_id, {lic}, array_agg(lot_date ORDER BY lot_date), array_agg(cq ORDER BY lot_date),
       array_agg(cv ORDER BY lot_date)
FROM (SELECT office_id, {lic} AS lic_id, lot_date, sum(q) OVER w AS cq, sum(v) OVER w AS cv
      FROM (SELECT office_id, {lic} AS lic_id, lot_date, sum(q) AS q, sum(v) AS v FROM ({rows}) x
            GROUP BY 1, 2, 3 HAVING sum(q) <> 0 OR sum(v) <> 0) y
      WINDOW w AS (PARTITION BY office_id, lic_id ORDER BY lot_date)) z
GROUP BY office_id, lic_id"""
_AGING_INSERT = (
    "INSERT INTO reports_agingfigures (snapshot_id, office_id, lic_id, lot_dates, cum_quantities, cum_values)"
)

# the aging at a snapshot: the previous snapshot's (%(base)s) plus the days after it up to this one
_AGING_DAY_ROWS = """
        UNION ALL
        SELECT office_id, lic_id, lot_date, quantity, value FROM reports_agingday
        WHERE date > %(after)s AND date <= %(through)s"""
AGING_FIGURES_INSERT = _AGING_INSERT + _AGING_ARRAYS.format(lic="lic_id", rows=AGING_ELEMENTS + _AGING_DAY_ROWS)
# per office (lic_id NULL): the sum over its LICs, for the totals (the home page)
AGING_OFFICE_INSERT = _AGING_INSERT + _AGING_ARRAYS.format(lic="NULL::bigint", rows=AGING_ELEMENTS)


# each new snapshot's COGS movements per office (SnapshotCogs: the home page's COGS per month)
SNAPSHOT_COGS_INSERT = """
INSERT INTO reports_snapshotcogs (snapshot_id, office_id, cogs)
SELECT snapshot_id, office_id, sum(cogs) FROM reports_snapshotfigures WHERE snapshot_id = ANY(%(snap_ids)s)
GROUP BY 1, 2 HAVING sum(cogs) <> 0"""

# the roll-forward of each closed day per office and LIC (DailyMovement), from the day's changes
DAILY_MOVES_INSERT = f"""
INSERT INTO reports_dailymovement (date, office_id, lic_id, value, {MOVES})
SELECT d, office_id, lic_id, sum(dv), sum(di), sum(dc), sum(dcogs), sum(dprod), sum(dtrans), sum(dadj)
FROM reports_snapshot_change GROUP BY 1, 2, 3
HAVING sum(dv) <> 0 OR sum(di) <> 0 OR sum(dc) <> 0 OR sum(dcogs) <> 0 OR sum(dprod) <> 0 OR sum(dtrans) <> 0
       OR sum(dadj) <> 0"""  # noqa: S608 - fixed SQL text


def _write_aging(base, snapshots) -> None:
    """The aging's day rows from the lot changes just computed (reports_lot_change), then the
    stored aging of each new snapshot, in date order, from the one before it (``base``: the latest
    kept, or None)."""
    _execute(AGING_DAYS)
    _execute("ANALYZE reports_agingday")
    previous, after = (base.pk, base.date) if base is not None else (None, "-infinity")
    for snap in snapshots:
        params = {"base": previous, "snap": snap.pk, "after": after, "through": snap.date}
        _execute(AGING_FIGURES_INSERT, params)
        _execute(AGING_OFFICE_INSERT, {"base": snap.pk, "snap": snap.pk})
        previous, after = snap.pk, snap.date
    _execute("ANALYZE reports_agingfigures")


def write_stored_aging() -> None:
    """Store the aging and the daily movements of every closed day already written (a ledger closed
    before they were stored: the migration that adds them): one pass over every lot's history up to
    the latest snapshot, one over the entries."""
    from .models import AgingDay, AgingFigures, DailyMovement, ValuationSnapshot

    snapshots = list(ValuationSnapshot.objects.order_by("date"))
    AgingDay.objects.all().delete()
    AgingFigures.objects.all().delete()
    DailyMovement.objects.all().delete()
    if not snapshots:
        return
    params = {"start": "-infinity", "end": snapshots[-1].date}
    scope = f"scope AS MATERIALIZED (SELECT {SCOPE_COLUMNS}, l.type FROM inventory_lots_lot l WHERE l.date <= %(end)s)"  # noqa: S608
    with transaction.atomic(), tuned():
        _lot_change_table(statement([scope, TIMELINE, LOT_DAYS], LOT_ROWS), params)
        _execute("DROP TABLE IF EXISTS reports_snapshot_change")
        _execute(SNAPSHOT_CHANGE_TABLE)
        _execute(f"INSERT INTO reports_snapshot_change {LOT_CHANGES}")  # noqa: S608 - fixed SQL text
        _execute(f"INSERT INTO reports_snapshot_change {ENTRY_MOVES}", params)  # noqa: S608
        _execute(DAILY_MOVES_INSERT)
        _execute("ANALYZE reports_dailymovement")
        _write_aging(None, snapshots)
        _execute("DROP TABLE reports_lot_change")
        _execute("DROP TABLE reports_snapshot_change")


# the journal's lines of each day, office and account role, summed (reports.journal.summary_lines)
JOURNAL_DAYS = """
SELECT l.date, l.office_id, l.role, count(*), sum(l.debit), sum(l.credit) FROM line l GROUP BY 1, 2, 3"""


def write_journal_days(start: datetime.date | None, end: datetime.date) -> None:
    """Store the journal's daily sums per office and role of the days after ``start`` (None: every
    day) up to ``end``: one pass of the journal's statement over the period."""
    from .journal import FIRST_DAY, journal_sql

    first = start + datetime.timedelta(days=1) if start is not None else FIRST_DAY
    sql, params = journal_sql(date_from=first, date_to=end, body=JOURNAL_DAYS)
    _execute(f"INSERT INTO reports_journalday (date, office_id, role, lines, debit, credit) {sql}", params)  # noqa: S608


_SUMS = "sum(dn) AS dn, sum(dq) AS dq, sum(dv) AS dv, sum(du) AS du, sum(da) AS da"
_RUNNING = """COALESCE(b.lots, 0) + sum(g.dn) OVER w, COALESCE(b.quantity, 0) + sum(g.dq) OVER w,
       COALESCE(b.value, 0) + sum(g.dv) OVER w, COALESCE(b.unallocated_quantity, 0) + sum(g.du) OVER w,
       COALESCE(b.accrued_value, 0) + sum(g.da) OVER w"""

DAILY_INSERT = f"""
INSERT INTO reports_dailyvaluation (date, office_id, type, lots, quantity, value, unallocated_quantity, accrued_value)
SELECT g.d, g.office_id, g.type, {_RUNNING}
FROM (SELECT office_id, type, d, {_SUMS} FROM reports_snapshot_change GROUP BY 1, 2, 3) g
LEFT JOIN (SELECT DISTINCT ON (office_id, type) * FROM reports_dailyvaluation
           WHERE date <= %(start)s ORDER BY office_id, type, date DESC) b
       ON b.office_id = g.office_id AND b.type = g.type
WINDOW w AS (PARTITION BY g.office_id, g.type ORDER BY g.d)"""  # noqa: S608 - fixed SQL text

# per office, LIC and type at each snapshot date: the figures at the base snapshot plus the changes
# up to it (each change counted at the first snapshot date on or after its day)
FIGURES_INSERT = f"""
INSERT INTO reports_snapshotfigures (snapshot_id, office_id, lic_id, type, lots, quantity, value,
                                     unallocated_quantity, accrued_value, {MOVES})
SELECT * FROM (
    SELECT k.id, k.office_id, k.lic_id, k.type,
           COALESCE(b.lots, 0) + sum(COALESCE(g.dn, 0)) OVER w, COALESCE(b.quantity, 0) + sum(COALESCE(g.dq, 0)) OVER w,
           COALESCE(b.value, 0) + sum(COALESCE(g.dv, 0)) OVER w,
           COALESCE(b.unallocated_quantity, 0) + sum(COALESCE(g.du, 0)) OVER w,
           COALESCE(b.accrued_value, 0) + sum(COALESCE(g.da, 0)) OVER w,
           COALESCE(g.di, 0), COALESCE(g.dc, 0), COALESCE(g.dcogs, 0), COALESCE(g.dprod, 0),
           COALESCE(g.dtrans, 0), COALESCE(g.dadj, 0)
    FROM (SELECT grp.office_id, grp.lic_id, grp.type, c.date, c.id
          FROM (SELECT office_id, lic_id, type FROM reports_snapshot_change
                UNION SELECT office_id, lic_id, type FROM reports_snapshotfigures WHERE snapshot_id = %(base)s) grp
          CROSS JOIN unnest(%(snap_dates)s::date[], %(snap_ids)s::bigint[]) c(date, id)) k
    LEFT JOIN (SELECT office_id, lic_id, type,
                      LEAST((date_trunc('month', d) + interval '1 month - 1 day')::date, %(end)s) AS date, {_SUMS},
                      sum(di) AS di, sum(dc) AS dc, sum(dcogs) AS dcogs, sum(dprod) AS dprod,
                      sum(dtrans) AS dtrans, sum(dadj) AS dadj
               FROM reports_snapshot_change GROUP BY 1, 2, 3, 4) g
           ON (g.office_id, g.lic_id, g.type, g.date) = (k.office_id, k.lic_id, k.type, k.date)
    LEFT JOIN reports_snapshotfigures b
           ON b.snapshot_id = %(base)s AND (b.office_id, b.lic_id, b.type) = (k.office_id, k.lic_id, k.type)
    WINDOW w AS (PARTITION BY k.office_id, k.lic_id, k.type ORDER BY k.date)
) r(snapshot_id, office_id, lic_id, type, lots, quantity, value, unallocated_quantity, accrued_value, {MOVES})
WHERE lots <> 0 OR quantity <> 0 OR value <> 0 OR unallocated_quantity <> 0 OR accrued_value <> 0
      OR {MOVED}"""  # noqa: S608 - fixed SQL text


# --- reading ---------------------------------------------------------------------------------------

STATE = """
SELECT s.date, s.entry_watermark, (SELECT date FROM inventory_lots_lockdate ORDER BY id DESC LIMIT 1),
       (SELECT min(l.date) FROM inventory_lots_lockdate l WHERE l.id > s.lock_row_id)
FROM reports_valuationsnapshot s ORDER BY s.date DESC LIMIT 1"""

# per office and type, the latest daily row on or before %(d)s
DAILY_AT = """
SELECT COALESCE(sum(lots) FILTER (WHERE type <> ''{type_where}), 0),
       COALESCE(sum(quantity) FILTER (WHERE type <> ''{type_where}), 0),
       COALESCE(sum(value) FILTER (WHERE type <> ''{type_where}), 0),
       COALESCE(sum(unallocated_quantity) FILTER (WHERE type = ''), 0),
       COALESCE(sum(accrued_value) FILTER (WHERE type = ''), 0)
FROM (SELECT DISTINCT ON (office_id, type) * FROM reports_dailyvaluation
      WHERE date <= %(d)s{office_where} ORDER BY office_id, type, date DESC) x"""

# the lots something happened to in (%(start)s, %(end)s]: born, quantity or cost events, or COGS
# entries (those dated after the snapshot: the open entries and the entries above the watermark)
LIVE_SCOPE = """
after AS MATERIALIZED (
    SELECT entry_id AS id, kind, lot_id, office_id, lic_id, date, quantity, value FROM reports_openentry
    WHERE date <= %(end)s
    UNION ALL
    SELECT id, kind, lot_id, office_id, lic_id, date, quantity, value FROM cogs_cogsentry
    WHERE id > %(watermark)s AND date <= %(end)s
),
scope AS MATERIALIZED (
    SELECT {columns}, l.type FROM inventory_lots_lot l
    WHERE l.date <= %(end)s{lot_where} AND l.id IN (
        SELECT x.id FROM inventory_lots_lot x WHERE x.date > %(start)s AND x.date <= %(end)s
        UNION SELECT a.lot_id FROM after a WHERE a.kind IN (1, 2, 3, 4) AND a.lot_id IS NOT NULL
        UNION SELECT pr.lot_id FROM production_productionreport pr WHERE pr.date > %(start)s AND pr.date <= %(end)s
        UNION SELECT rl.lot_id FROM purchasing_receiptline rl JOIN purchasing_receipt r ON r.id = rl.receipt_id
              WHERE r.date > %(start)s AND r.date <= %(end)s
        UNION SELECT al.lot_id FROM inventory_lots_adjustmentline al
              JOIN inventory_lots_inventoryadjustment a ON a.id = al.adjustment_id
              WHERE al.reverses_line_id IS NOT NULL AND a.date > %(start)s AND a.date <= %(end)s
        UNION SELECT o.lot_id FROM transfers_transferline r JOIN transfers_transferline o ON o.id = r.reverses_line_id
              JOIN transfers_transfer t ON t.id = r.transfer_id WHERE t.date > %(start)s AND t.date <= %(end)s
        UNION SELECT c.lot_id FROM inventory_lots_lotcostchange c WHERE c.date > %(start)s AND c.date <= %(end)s)
)"""

LIVE_TOTALS = """
SELECT
  (SELECT COALESCE(sum(t.dn), 0) FROM lot_change t WHERE t.d > %(start)s),
  (SELECT COALESCE(sum(t.dq), 0) FROM lot_change t WHERE t.d > %(start)s),
  (SELECT COALESCE(sum(t.dv), 0) FROM lot_change t WHERE t.d > %(start)s),
  (SELECT COALESCE(sum(u.quantity), 0) FROM inventory_lots_inventoryusage u
   WHERE u.quantity > 0 AND u.date > %(start)s AND u.date <= %(end)s{usage_where})
  - (SELECT COALESCE(sum(a.quantity), 0) FROM after a WHERE a.kind = 1{after_where}),
  (SELECT COALESCE(sum(a.value), 0) FROM after a WHERE a.kind IN (5, 6){after_where})"""


def snapshot_state() -> tuple[datetime.date, int] | None:
    """(the latest snapshot's date, its entry watermark) when the snapshots can be read: there is
    one, it is not after the lock date in force, and the lock date was never set below it since it
    was written (a move back reopens its days: stale until the queued job drops it). Until the job
    writes a newer lock date's days, the days after the latest snapshot are read from the ledger."""
    rows = _execute(STATE)
    if not rows:
        return None
    through, watermark, lock, lowest_since = rows[0]
    if lock is None or through > lock or (lowest_since is not None and lowest_since < through):
        return None
    return through, watermark


UNREAD = object()  # snapshot_totals(state=...): not read yet


def snapshot_totals(*, as_of: datetime.date, scope: Scope, state=UNREAD) -> ValuationTotals | None:
    """The valuation's totals at ``as_of`` from the snapshots (None when they cannot answer: no
    snapshot, or a LIC filter, which the scan answers from the LIC's own lots). ``state``: what
    ``snapshot_state()`` returned, for a caller asking many dates at once (the home page)."""
    if scope.lic_id is not None:
        return None
    if state is UNREAD:
        state = snapshot_state()
    if state is None:
        return None
    through, watermark = state
    figures = _daily_at(min(as_of, through), scope)
    if as_of > through:
        figures = [a + b for a, b in zip(figures, _live_change(through, as_of, watermark, scope), strict=True)]
    lots, quantity, value, unallocated, accrued = figures
    return ValuationTotals(
        lots=int(lots), quantity=quantity, value=value, unallocated_quantity=unallocated, accrued_value=accrued
    )


def _daily_at(day: datetime.date, scope: Scope) -> list:
    params: dict = {"d": day}
    type_where = ""
    office_where = scope.office_where("office_id", params)
    if scope.type is not None:
        type_where, params["type"] = " AND type = %(type)s", scope.type
    return list(_execute(DAILY_AT.format(office_where=office_where, type_where=type_where), params)[0])


def _live_change(start: datetime.date, end: datetime.date, watermark: int, scope: Scope) -> list:
    """The change of the totals from the end of ``start`` (a snapshot's date) to ``end``."""
    params: dict = {"start": start, "end": end, "watermark": watermark}
    ctes = [
        LIVE_SCOPE.format(columns=SCOPE_COLUMNS, lot_where=scope.lot_where(params)),
        TIMELINE,
        LOT_DAYS,
    ]
    body = LIVE_TOTALS.format(usage_where=scope.pair_where("u", params), after_where=scope.pair_where("a", params))
    with tuned():
        return list(_execute(statement(ctes, body), params)[0])


# The aging at %(end)s from a stored aging (the snapshot dated %(snap)s) and the change since (or
# until) its date. ``stored``: per office and LIC, the buckets as arrays. What is dated on or before a
# point is read from the cumulative arrays by a binary search (width_bucket: how many lot dates are
# <= the point); point 1 is the date itself (all of it), point k + 1 the lot date %(bounds)s[k] + 1
# days before it (older than that bound); bucket k is point k's figure less point k + 1's (after the
# last point: nothing). A zero is written 0 (0.00 for money), as the scan's empty bucket.
# ``changed``: the changed rows summed per bucket, a row's bucket being how many bounds its age
# exceeds (width_bucket over the sorted bounds), as the scan (AGING) counts them.
_OLDER = "COALESCE(f.{cum}[width_bucket(t.x[k{plus}], f.lot_dates)], 0)"
_BUCKETS = (
    "ARRAY(SELECT COALESCE(NULLIF({older} - {next}, 0), {zero}) FROM generate_series(1, cardinality(t.x)) k ORDER BY k)"
)
_Q_BUCKETS = _BUCKETS.format(
    older=_OLDER.format(cum="cum_quantities", plus=""), next=_OLDER.format(cum="cum_quantities", plus=" + 1"), zero="0"
)
_V_BUCKETS = _BUCKETS.format(
    older=_OLDER.format(cum="cum_values", plus=""), next=_OLDER.format(cum="cum_values", plus=" + 1"), zero="0.00"
)
AGING_STORED = f"""
point AS (
    SELECT ARRAY[%(end)s::date] || array_agg(%(end)s::date - b - 1 ORDER BY b) AS x
    FROM unnest(%(bounds)s::integer[]) b
),
stored AS (
    SELECT f.office_id, {{lic}} AS lic_id,
           {_Q_BUCKETS} AS q,
           {_V_BUCKETS} AS v
    FROM reports_agingfigures f CROSS JOIN point t
    WHERE f.snapshot_id = (SELECT id FROM reports_valuationsnapshot WHERE date = %(snap)s)
      AND f.lic_id IS {{null}} NULL{{office_where}}
),
changed AS (
    SELECT office_id, lic_id, bucket, sum(q) AS q, sum(v) AS v
    FROM ({{changes}}) c(office_id, lic_id, bucket, q, v) GROUP BY 1, 2, 3
)"""  # noqa: S608 - fixed SQL text
AGING_DAY_CHANGES = """
SELECT a.office_id, {lic}, width_bucket(%(end)s::date - a.lot_date - 1, %(bounds)s::integer[]),
       %(sign)s * a.quantity, %(sign)s * a.value
FROM reports_agingday a WHERE a.date > %(lo)s AND a.date <= %(hi)s AND a.lot_date <= %(end)s{office_where}"""
# the days after the latest snapshot: the lots changed since (LIVE_SCOPE, LOT_DAYS)
AGING_LIVE_CHANGES = """
SELECT s.office_id, {lic}, width_bucket(%(end)s::date - s.date - 1, %(bounds)s::integer[]), t.daq, t.dav
FROM lot_change t JOIN scope s ON s.id = t.lot_id WHERE t.d > %(start)s"""
# bucket -1: a stored row (its buckets); else a bucket's change
AGING_BY_LIC = """
SELECT o.code, c.code, c.description, -1, x.q, x.v
FROM stored x JOIN inventory_lots_office o ON o.id = x.office_id JOIN inventory_lots_lineitemcode c ON c.id = x.lic_id
UNION ALL
SELECT o.code, c.code, c.description, g.bucket, ARRAY[g.q], ARRAY[g.v]
FROM changed g JOIN inventory_lots_office o ON o.id = g.office_id JOIN inventory_lots_lineitemcode c ON c.id = g.lic_id
ORDER BY 1, 2, 4"""
AGING_TOTALS = """
SELECT NULL, NULL, '', -1, q, v FROM stored
UNION ALL SELECT NULL, NULL, '', bucket, ARRAY[sum(q)], ARRAY[sum(v)] FROM changed GROUP BY bucket"""

NEAREST = """
SELECT (SELECT max(date) FROM reports_valuationsnapshot WHERE date <= %(d)s),
       (SELECT min(date) FROM reports_valuationsnapshot WHERE date > %(d)s)"""


def stored_aging(
    *, as_of: datetime.date, scope: Scope, bounds: tuple[int, ...], by_lic: bool = True, state=UNREAD
) -> list[tuple] | None:
    """The aging's pieces (office code, LIC code, description, bucket, quantities, values) from the
    stored aging, in office and LIC order (by_lic False: office and LIC None): bucket -1 carries a
    stored row's buckets, others a bucket's change, in a list of one. None when it cannot answer (no
    snapshot; a LIC or a lot type: the scan reads those lots through their indexes). At or after the
    latest snapshot: its stored aging plus the lots changed since; before it: the nearer snapshot's
    plus or minus the stored days in between."""
    if scope.lic_id is not None or scope.type is not None:
        return None
    if state is UNREAD:
        state = snapshot_state()
    if state is None:
        return None
    through, watermark = state
    params: dict = {"end": as_of, "bounds": sorted(bounds)}
    lic = "lic_id" if by_lic else "NULL::bigint"
    office_where = scope.office_where("{alias}office_id", params)
    ctes: list[str] = []
    if as_of >= through:
        params["snap"] = through
        if as_of > through:
            params.update(start=through, watermark=watermark)
            ctes += [LIVE_SCOPE.format(columns=SCOPE_COLUMNS, lot_where=scope.lot_where(params)), TIMELINE, LOT_DAYS]
            changes = AGING_LIVE_CHANGES.format(lic="s.lic_id" if by_lic else "NULL::bigint")
        else:
            changes = "SELECT NULL::bigint, NULL::bigint, 0, 0::numeric, 0::numeric WHERE false"
    else:
        before, after = _execute(NEAREST, {"d": as_of})[0]
        if before is None or as_of - before > after - as_of:  # fewer days to add from the nearer one
            params.update(snap=after, sign=-1, lo=as_of, hi=after)
        else:
            params.update(snap=before, sign=1, lo=before, hi=as_of)
        changes = AGING_DAY_CHANGES.format(
            lic="a.lic_id" if by_lic else "NULL::bigint", office_where=office_where.format(alias="a.")
        )
    ctes.append(
        AGING_STORED.format(
            lic=lic, null="NOT" if by_lic else "", office_where=office_where.format(alias="f."), changes=changes
        )
    )
    with tuned():
        return _execute(statement(ctes, AGING_BY_LIC if by_lic else AGING_TOTALS), params)


# The roll-forward of a period of closed days (%(open)s: the day before it, %(close)s: its last day)
# per office and LIC: the opening is the valuation stored at the latest snapshot on or before
# %(open)s plus the days after it up to %(open)s (DailyMovement; before the first snapshot, the days
# from the start); the movements are the stored days from %(open)s to the first snapshot on or after
# it (a), the snapshots' own movements from a to the last snapshot on or before %(close)s (b), and
# the days after b (when no snapshot falls between: the days of the period). The closing value is
# the opening plus the movements (the identity the stored figures keep, check_ledger).
_ZERO_MOVES = ", ".join(["0::numeric"] * len(MOVE_COLUMNS))
ROLL_FORWARD_STORED = f"""
WITH k AS (
    SELECT (SELECT max(date) FROM reports_valuationsnapshot WHERE date <= %(open)s) AS base,
           (SELECT min(date) FROM reports_valuationsnapshot WHERE date >= %(open)s) AS a,
           (SELECT max(date) FROM reports_valuationsnapshot WHERE date <= %(close)s) AS b
),
piece AS (
    SELECT f.office_id, f.lic_id, f.value AS opening, {_ZERO_MOVES}
    FROM reports_snapshotfigures f JOIN reports_valuationsnapshot s ON s.id = f.snapshot_id CROSS JOIN k
    WHERE s.date = k.base{{where_f}}
    UNION ALL
    SELECT m.office_id, m.lic_id, m.value, {_ZERO_MOVES} FROM reports_dailymovement m CROSS JOIN k
    WHERE m.date > COALESCE(k.base, '-infinity'::date) AND m.date <= %(open)s{{where_m}}
    UNION ALL
    SELECT m.office_id, m.lic_id, 0, {", ".join(f"m.{c}" for c in MOVE_COLUMNS)}
    FROM reports_dailymovement m CROSS JOIN k
    WHERE m.date > %(open)s AND m.date <= CASE WHEN k.a <= k.b THEN k.a ELSE %(close)s END{{where_m}}
    UNION ALL
    SELECT f.office_id, f.lic_id, 0, {", ".join(f"f.{c}" for c in MOVE_COLUMNS)}
    FROM reports_snapshotfigures f JOIN reports_valuationsnapshot s ON s.id = f.snapshot_id CROSS JOIN k
    WHERE k.a < k.b AND s.date > k.a AND s.date <= k.b{{where_f}}
    UNION ALL
    SELECT m.office_id, m.lic_id, 0, {", ".join(f"m.{c}" for c in MOVE_COLUMNS)}
    FROM reports_dailymovement m CROSS JOIN k
    WHERE k.a <= k.b AND m.date > k.b AND m.date <= %(close)s{{where_m}}
)
SELECT o.code, c.code, c.description, r.*, r.opening + r.lots_in + r.cost_changes - r.cogs - r.production
       - r.transfers_out - r.adjustments_out
FROM (SELECT p.office_id, p.lic_id, {", ".join(f"sum(p.{c})" for c in ("opening", *MOVE_COLUMNS))}
      FROM piece p(office_id, lic_id, opening, {MOVES}) GROUP BY 1, 2) r(office_id, lic_id, opening, {MOVES})
JOIN inventory_lots_office o ON o.id = r.office_id JOIN inventory_lots_lineitemcode c ON c.id = r.lic_id
ORDER BY o.code, c.code"""  # noqa: S608 - fixed SQL text


def stored_roll_forward(*, date_from: datetime.date, date_to: datetime.date, scope: Scope) -> list | None:
    """The roll-forward's rows from the stored figures (ROLL_FORWARD_STORED) when the period opens
    on or before the latest snapshot's date; the days after that date, when it ends later, from the
    lots and entries changed since (``_live_roll_forward``). Else None (the scan)."""
    from .selectors import RollForwardRow

    state = snapshot_state()
    if date_from <= datetime.date.min or state is None:
        return None
    through, watermark = state
    opening, close = date_from - datetime.timedelta(days=1), min(date_to, through)
    if opening > close:
        return None
    params: dict = {"open": opening, "close": close}
    where = scope.office_where("{t}.office_id", params)  # the chosen office and the user's offices
    if scope.lic_id is not None:
        where, params["lic"] = where + " AND {t}.lic_id = %(lic)s", scope.lic_id
    sql = ROLL_FORWARD_STORED.format(where_f=where.format(t="f"), where_m=where.format(t="m"))
    rows = [RollForwardRow(o, c, d, *figures) for o, c, d, _, _, *figures in _execute(sql, params)]
    if date_to > through:
        rows = _live_roll_forward(rows, through, date_to, watermark, scope)
    return [r for r in rows if any(v != 0 for v in r.figures().values())]


# The movements after the latest snapshot (%(start)s) up to %(end)s, per office and LIC: the lots
# changed since (LIVE_SCOPE, LOT_DAYS: lots in and cost changes, day by day as the roll-forward
# splits them) and the entries dated after it (the open entries and those above the watermark), in
# the column of their usage's kind (ROLL_FORWARD's used_in).
LIVE_ROLL_FORWARD = """
moves AS (
    SELECT s.office_id, s.lic_id, sum(t.di) AS lots_in, sum(t.dc) AS cost_changes, 0 AS cogs, 0 AS production,
           0 AS transfers_out, 0 AS adjustments_out
    FROM lot_change t JOIN scope s ON s.id = t.lot_id WHERE t.d > %(start)s GROUP BY 1, 2
    UNION ALL
    SELECT a.office_id, a.lic_id, 0, 0,
           COALESCE(sum(a.value) FILTER (WHERE u.kind NOT IN ('production', 'transfer', 'adjustment')), 0),
           COALESCE(sum(a.value) FILTER (WHERE u.kind = 'production'), 0),
           COALESCE(sum(a.value) FILTER (WHERE u.kind = 'transfer'), 0),
           COALESCE(sum(a.value) FILTER (WHERE u.kind = 'adjustment'), 0)
    FROM after a JOIN cogs_cogsentry e ON e.id = a.id JOIN inventory_lots_inventoryusage u ON u.id = e.usage_id
    WHERE a.kind IN (1, 2, 3, 4){entry_where} GROUP BY 1, 2
)"""
LIVE_ROLL_FORWARD_ROWS = """
SELECT o.code, c.code, c.description, sum(m.lots_in), sum(m.cost_changes), sum(m.cogs), sum(m.production),
       sum(m.transfers_out), sum(m.adjustments_out)
FROM moves m JOIN inventory_lots_office o ON o.id = m.office_id JOIN inventory_lots_lineitemcode c ON c.id = m.lic_id
GROUP BY o.code, c.code, c.description"""


def _live_roll_forward(rows: list, through: datetime.date, end: datetime.date, watermark: int, scope: Scope) -> list:
    """``rows`` (the roll-forward up to the latest snapshot's date ``through``) carried on to ``end``."""
    from .selectors import RollForwardRow

    params: dict = {"start": through, "end": end, "watermark": watermark}
    ctes = [
        LIVE_SCOPE.format(columns=SCOPE_COLUMNS, lot_where=scope.lot_where(params)),
        TIMELINE,
        LOT_DAYS,
        LIVE_ROLL_FORWARD.format(entry_where=scope.pair_where("a", params)),
    ]
    sql = statement(ctes, LIVE_ROLL_FORWARD_ROWS)
    with tuned():
        live = {(o, c): (d, figures) for o, c, d, *figures in _execute(sql, params)}
    out = []
    for row in rows:
        _, moved = live.pop((row.office, row.lic), (None, None))
        out.append(_carried(row, moved) if moved else row)
    if not live:
        return out
    for (office, lic), (description, moved) in live.items():  # pairs with nothing before the period
        out.append(_carried(RollForwardRow(office, lic, description, *([ZERO_MONEY] * 8)), moved))
    return sorted(out, key=lambda r: (r.office, r.lic))


def _carried(row, moved):
    """``row`` plus the movements ``moved`` (lots in, cost changes, the four COGS columns): the
    closing value moves by them, so the row still ties."""
    lots_in, cost_changes, *outs = moved
    closing = row.closing_value + lots_in + cost_changes - sum(outs)
    return type(row)(
        row.office,
        row.lic,
        row.description,
        row.opening_value,
        row.lots_in + lots_in,
        row.cost_changes + cost_changes,
        *(a + b for a, b in zip((row.cogs, row.production, row.transfers_out, row.adjustments_out), outs, strict=True)),
        closing,
    )


# --- the check (check_ledger) ------------------------------------------------------------------------

FIGURES_AT = """
SELECT office_id, lic_id, type, lots, quantity, value, unallocated_quantity, accrued_value
FROM reports_snapshotfigures WHERE snapshot_id = %(id)s"""


STORED_MOVES = f"""
SELECT o.code, c.code, {", ".join(f"sum(f.{m})" for m in MOVE_COLUMNS)}
FROM reports_snapshotfigures f JOIN inventory_lots_office o ON o.id = f.office_id
JOIN inventory_lots_lineitemcode c ON c.id = f.lic_id WHERE f.snapshot_id = %s GROUP BY 1, 2"""  # noqa: S608


def snapshot_violations(limit: int = 100) -> list[dict]:
    """The stored valuations against the ledger: at each snapshot date, per office, LIC and type,
    the stored figures = the valuation scanned from the ledger (``snapshot_figures``); the daily
    totals at that date = the sum of those figures (``snapshot_daily``); no COGS entry posted after
    the snapshot is dated on or before it, and the open entries are the entries dated after it
    (``snapshot_entries``); the stored journal days = the journal's lines summed per day, office and
    role, none after the latest snapshot (``snapshot_journal``). [] when they hold."""
    from .models import ValuationSnapshot
    from .selectors import ledger_figures, scanned_roll_forward_rows

    out: list[dict] = []

    def add(check: str, ident, detail: str) -> None:
        if sum(1 for v in out if v["check"] == check) < limit:
            out.append({"check": check, "id": ident, "detail": detail})

    # stale snapshots (the lock date moved back below them; the queued job drops them) are never read
    snapshots = list(ValuationSnapshot.objects.order_by("date")) if snapshot_state() is not None else []
    for snap in snapshots:
        stored = {(o, c, t): tuple(rest) for o, c, t, *rest in _execute(FIGURES_AT, {"id": snap.pk})}
        scanned = ledger_figures(as_of=snap.date)
        for key in sorted(set(stored) | set(scanned), key=str):
            want = scanned.get(key, (0, 0, 0, 0, 0))
            have = stored.get(key, (0, 0, 0, 0, 0))
            if tuple(have) != tuple(want):
                office, lic, type_ = key
                add(
                    "snapshot_figures",
                    f"{snap.date.isoformat()}/{office}/{lic}/{type_ or 'usage'}",
                    f"stored {_show(have)} <> ledger {_show(want)}",
                )
        daily = _daily_at(snap.date, Scope())
        summed = [sum((v[i] for v in stored.values()), 0) for i in range(5)]
        if list(daily) != summed:
            add("snapshot_daily", snap.date.isoformat(), f"daily totals {_show(daily)} <> snapshot {_show(summed)}")
    previous = None
    for snap in snapshots:
        start = previous + datetime.timedelta(days=1) if previous else datetime.date.min
        previous = snap.date
        scanned = {
            (r.office, r.lic): tuple(getattr(r, c) for c in MOVE_COLUMNS)
            for r in scanned_roll_forward_rows(date_from=start, date_to=snap.date)
        }
        stored = {(o, c): tuple(rest) for o, c, *rest in _execute(STORED_MOVES, [snap.pk])}
        zero = (0,) * len(MOVE_COLUMNS)
        for key in sorted(set(stored) | set(scanned)):
            if stored.get(key, zero) != scanned.get(key, zero):
                add(
                    "snapshot_moves",
                    f"{snap.date.isoformat()}/{key[0]}/{key[1]}",
                    f"stored movements {stored.get(key, zero)} <> ledger {scanned.get(key, zero)} "
                    f"({', '.join(MOVE_COLUMNS)})",
                )
    if snapshots:
        _journal_day_violations(snapshots[-1].date, add)
    _aging_violations(snapshots, add)
    _daily_movement_violations(snapshots, add)
    if snapshots:
        latest = snapshots[-1]
        rows = _execute(
            "SELECT id, date FROM cogs_cogsentry WHERE id > %s AND date <= %s ORDER BY id LIMIT %s",
            [latest.entry_watermark, latest.date, limit],
        )
        for entry_id, date in rows:
            add("snapshot_entries", entry_id, f"posted after the snapshot of {latest.date} but dated {date}")
        missing = _execute(
            "SELECT e.id FROM cogs_cogsentry e LEFT JOIN reports_openentry o ON o.entry_id = e.id "
            "WHERE e.id <= %(w)s AND e.date > %(d)s AND (o.entry_id IS NULL OR (o.date, o.kind, o.quantity, o.value) "
            "IS DISTINCT FROM (e.date, e.kind, e.quantity, e.value)) "
            "UNION ALL SELECT o.entry_id FROM reports_openentry o LEFT JOIN cogs_cogsentry e ON e.id = o.entry_id "
            "WHERE e.id IS NULL OR e.date <= %(d)s ORDER BY 1 LIMIT %(n)s",
            {"w": latest.entry_watermark, "d": latest.date, "n": limit},
        )
        for (entry_id,) in missing:
            add("snapshot_entries", entry_id, f"open entries of the snapshot of {latest.date} differ from the ledger")
    return out


AGING_LEDGER = """
SELECT h.office_id, h.lic_id, h.date, sum(h.quantity), sum(h.value) FROM on_hand h WHERE h.quantity <> 0
GROUP BY 1, 2, 3 HAVING sum(h.quantity) <> 0 OR sum(h.value) <> 0"""
AGING_OFFICE_ELEMENTS = """
SELECT f.office_id, u.lot_date, u.cq - COALESCE(f.cum_quantities[u.n - 1], 0),
       u.cv - COALESCE(f.cum_values[u.n - 1], 0)
FROM reports_agingfigures f,
     unnest(f.lot_dates, f.cum_quantities, f.cum_values) WITH ORDINALITY u(lot_date, cq, cv, n)
WHERE f.snapshot_id = %(base)s AND f.lic_id IS NULL"""
AGING_DAYS_SUMMED = """
SELECT office_id, lic_id, lot_date, sum(quantity), sum(value) FROM reports_agingday
WHERE date > %(after)s AND date <= %(through)s GROUP BY 1, 2, 3"""


def _aging_violations(snapshots: list, add) -> None:
    """``snapshot_aging``: at each snapshot date, per office, LIC and lot date, the stored aging =
    the lots with on-hand quantity scanned from the ledger; the office rows = the sum of its LICs';
    the stored days between two snapshots = the change of the stored aging between them; no day
    stored after the latest snapshot."""
    from .selectors import ON_HAND, lot_at

    zero = (0, 0)
    previous: dict = {}
    after: datetime.date | str = "-infinity"
    for snap in snapshots:
        stored = {(o, c, d): (q, v) for o, c, d, q, v in _execute(AGING_ELEMENTS, {"base": snap.pk})}
        params: dict = {"end": snap.date}
        sql = statement([lot_at(Scope(), params), ON_HAND], AGING_LEDGER)
        with tuned():
            scanned = {(o, c, d): (q, v) for o, c, d, q, v in _execute(sql, params)}
        for key in sorted(set(stored) | set(scanned)):
            if stored.get(key, zero) != scanned.get(key, zero):
                office, lic, lot_date = key
                add(
                    "snapshot_aging",
                    f"{snap.date.isoformat()}/{office}/{lic}/{lot_date.isoformat()}",
                    f"stored on hand {stored.get(key, zero)} <> ledger {scanned.get(key, zero)} (quantity, value)",
                )
        offices: dict = {}
        for (office, _, lot_date), (q, v) in stored.items():
            q0, v0 = offices.get((office, lot_date), zero)
            offices[(office, lot_date)] = (q0 + q, v0 + v)
        offices = {k: qv for k, qv in offices.items() if qv != zero}
        office_rows = {(o, d): (q, v) for o, d, q, v in _execute(AGING_OFFICE_ELEMENTS, {"base": snap.pk})}
        for key in sorted(set(offices) | set(office_rows)):
            if offices.get(key, zero) != office_rows.get(key, zero):
                add(
                    "snapshot_aging",
                    f"{snap.date.isoformat()}/{key[0]}/all/{key[1].isoformat()}",
                    f"stored office total {office_rows.get(key, zero)} <> its LICs' {offices.get(key, zero)}",
                )
        days = {
            (o, c, d): (q, v) for o, c, d, q, v in _execute(AGING_DAYS_SUMMED, {"after": after, "through": snap.date})
        }
        for key in sorted(set(days) | set(stored) | set(previous)):
            (q1, v1), (q0, v0) = stored.get(key, zero), previous.get(key, zero)
            if days.get(key, zero) != (q1 - q0, v1 - v0):
                add(
                    "snapshot_aging",
                    f"{snap.date.isoformat()}/{key[0]}/{key[1]}/{key[2].isoformat()}/days",
                    f"stored days {days.get(key, zero)} <> change of the stored aging {(q1 - q0, v1 - v0)}",
                )
        previous, after = stored, snap.date
    if not snapshots:
        return
    for d, office, lic in _execute(
        "SELECT date, office_id, lic_id FROM reports_agingday WHERE date > %(d)s ORDER BY 1 LIMIT 100", {"d": after}
    ):
        add("snapshot_aging", f"{d.isoformat()}/{office}/{lic}", f"aging day stored after the snapshot of {after}")


SNAPSHOT_PAIRS = f"""
SELECT office_id, lic_id, sum(value), {", ".join(f"sum({c})" for c in MOVE_COLUMNS)}
FROM reports_snapshotfigures WHERE snapshot_id = %(id)s GROUP BY 1, 2"""  # noqa: S608 - fixed SQL text
DAYS_SUMMED = f"""
SELECT office_id, lic_id, sum(value), {", ".join(f"sum({c})" for c in MOVE_COLUMNS)}
FROM reports_dailymovement WHERE date > %(after)s AND date <= %(through)s GROUP BY 1, 2"""  # noqa: S608


def _daily_movement_violations(snapshots: list, add) -> None:
    """``snapshot_day_moves``: per office and LIC, the stored days between two snapshots sum to the
    change of the stored value between them and to the later one's stored movements; no day stored
    after the latest snapshot; per snapshot and office, the stored COGS = its figures' COGS column."""
    zero = (0,) * (1 + len(MOVE_COLUMNS))
    previous: dict = {}
    after: datetime.date | str = "-infinity"
    for snap in snapshots:
        stored = {(o, c): tuple(rest) for o, c, *rest in _execute(SNAPSHOT_PAIRS, {"id": snap.pk})}
        days = {(o, c): tuple(rest) for o, c, *rest in _execute(DAYS_SUMMED, {"after": after, "through": snap.date})}
        for key in sorted(set(stored) | set(days) | set(previous)):
            now, before = stored.get(key, zero), previous.get(key, zero)
            want = (now[0] - before[0], *now[1:])
            if days.get(key, zero) != want:
                add(
                    "snapshot_day_moves",
                    f"{snap.date.isoformat()}/{key[0]}/{key[1]}",
                    f"stored days {days.get(key, zero)} <> the snapshots' {want} "
                    f"(value change, {', '.join(MOVE_COLUMNS)})",
                )
        summed: dict = {}
        for (office, _), figures in stored.items():
            summed[office] = summed.get(office, 0) + figures[1 + MOVE_COLUMNS.index("cogs")]
        kept = dict(_execute("SELECT office_id, cogs FROM reports_snapshotcogs WHERE snapshot_id = %s", [snap.pk]))
        for office in sorted(set(summed) | set(kept)):
            if kept.get(office, 0) != summed.get(office, 0):
                add(
                    "snapshot_day_moves",
                    f"{snap.date.isoformat()}/{office}/cogs",
                    f"stored COGS of the office {kept.get(office, 0)} <> its figures' {summed.get(office, 0)}",
                )
        previous, after = stored, snap.date
    if snapshots:
        for d, office, lic in _execute(
            "SELECT date, office_id, lic_id FROM reports_dailymovement WHERE date > %(d)s ORDER BY 1 LIMIT 100",
            {"d": after},
        ):
            add("snapshot_day_moves", f"{d.isoformat()}/{office}/{lic}", f"stored after the snapshot of {after}")


def _journal_day_violations(through: datetime.date, add) -> None:
    """``snapshot_journal``: the stored daily sums = the journal's lines summed, every day up to the
    latest snapshot, per office and role."""
    from .journal import FIRST_DAY, journal_sql

    sql, params = journal_sql(date_from=FIRST_DAY, date_to=through, body=JOURNAL_DAYS)
    scanned = {(d, o, r): (n, dr, cr) for d, o, r, n, dr, cr in _execute(sql, params)}
    stored = {
        (d, o, r): (n, dr, cr)
        for d, o, r, n, dr, cr in _execute(
            "SELECT date, office_id, role, lines, debit, credit FROM reports_journalday WHERE date <= %s", [through]
        )
    }
    stored_after = _execute("SELECT date, office_id, role FROM reports_journalday WHERE date > %s", [through])
    for key in sorted(set(scanned) | set(stored)):
        if stored.get(key) != scanned.get(key):
            d, office, role = key
            add(
                "snapshot_journal",
                f"{d.isoformat()}/{office}/{role}",
                f"stored lines/debit/credit {stored.get(key)} <> journal {scanned.get(key)}",
            )
    for d, office, role in stored_after:
        add("snapshot_journal", f"{d.isoformat()}/{office}/{role}", f"stored after the snapshot of {through}")


def _show(figures) -> str:
    lots, quantity, value, unallocated, accrued = figures
    return f"lots {lots}, quantity {quantity:f}, value {value:f}, unallocated {unallocated:f}, accrued {accrued:f}"
