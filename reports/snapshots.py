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
(``live_totals``). Written by a receiver of ``LockDate`` rows (``ReportsConfig.ready``), in the
transaction of ``inventory_lots.services.set_lock_date``: inventory_lots never imports reports.
When the lock date moves back, the snapshots after the new one are dropped (postings may come in
there again) and the days up to it rewritten from the last one kept.

Each day's change of a lot's figures is read from its dated records, as the roll-forward's TIMELINE
reads them: quantity first, then cost, within a day; COGS entries (kinds 1-4) on max(their date, the
lot's date); a lot counts from the day its on-hand quantity or value is not zero to the day both are.
``snapshot_violations`` (check_ledger) compares the stored figures with the scan of the ledger.
"""

from __future__ import annotations

import datetime
import logging

from django.db import connection, transaction

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
    SELECT lot_id, d, dq, dv, di, dc, (sum(dq) OVER w <> 0 OR sum(dv) OVER w <> 0)::int AS nz
    FROM lot_delta WINDOW w AS (PARTITION BY lot_id ORDER BY d)
),
lot_change AS (
    SELECT f.lot_id, f.d, f.dq, f.dv, f.di, f.dc,
           f.nz - LAG(f.nz, 1, 0) OVER (PARTITION BY f.lot_id ORDER BY f.d) AS dn
    FROM flagged f
)"""

_NO_MOVES = "0::numeric, 0::numeric, 0::numeric, 0::numeric"
LOT_CHANGES = f"""
SELECT s.office_id, s.lic_id, s.type, t.d, sum(t.dn), sum(t.dq), sum(t.dv), 0::numeric, 0::numeric,
       sum(t.di), sum(t.dc), {_NO_MOVES}
FROM lot_change t JOIN scope s ON s.id = t.lot_id
WHERE t.d > %(start)s
GROUP BY 1, 2, 3, 4
HAVING sum(t.dn) <> 0 OR sum(t.dq) <> 0 OR sum(t.dv) <> 0 OR sum(t.di) <> 0 OR sum(t.dc) <> 0"""  # noqa: S608

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
    """post_save of inventory_lots.LockDate: bring the snapshots to the new lock date."""
    if created:
        sync_snapshots(instance.date)


@transaction.atomic
def sync_snapshots(lock: datetime.date | None) -> None:
    """Make the stored valuations cover exactly the closed days up to ``lock``: drop those after it
    (a lock date moved back), then write the days after the latest one kept."""
    from .models import DailyValuation, JournalDay, OpenEntry, ValuationSnapshot

    # Entries committing while this runs would be missed by both the watermark and the copy of the
    # open entries: wait for the writers in flight, and hold new ones, until this transaction ends.
    _execute("LOCK TABLE cogs_cogsentry IN SHARE MODE")
    if lock is None:
        ValuationSnapshot.objects.all().delete()
        DailyValuation.objects.all().delete()
        JournalDay.objects.all().delete()
        OpenEntry.objects.all().delete()
        return
    latest = ValuationSnapshot.objects.order_by("-date").first()
    if latest is not None and latest.date == lock:
        return
    if latest is not None and latest.date > lock:
        ValuationSnapshot.objects.filter(date__gt=lock).delete()
        latest = ValuationSnapshot.objects.order_by("-date").first()
    start = latest.date if latest is not None else None
    if start is None:
        DailyValuation.objects.all().delete()
        JournalDay.objects.all().delete()
    else:
        DailyValuation.objects.filter(date__gt=start).delete()
        JournalDay.objects.filter(date__gt=start).delete()
    with tuned():
        _write(start, lock, latest)


def _write(start: datetime.date | None, end: datetime.date, base) -> None:
    from .models import OpenEntry, ValuationSnapshot

    # no snapshot yet: every day of every lot ("-infinity": an event on 0001-01-01 counts too)
    params = {"start": start if start is not None else "-infinity", "end": end}
    if start is None:
        scope = (
            f"scope AS MATERIALIZED (SELECT {SCOPE_COLUMNS}, l.type FROM inventory_lots_lot l WHERE l.date <= %(end)s)"  # noqa: S608
        )
    else:
        scope = CLOSE_SCOPE.format(columns=SCOPE_COLUMNS)
    lot_sql = statement([scope, TIMELINE, LOT_DAYS], LOT_CHANGES)
    usage_sql = USAGE_CHANGES.format(entries="cogs_cogsentry", no_moves=_NO_MOVES + ", 0::numeric, 0::numeric")
    _execute("DROP TABLE IF EXISTS reports_snapshot_change")
    _execute(
        "CREATE TEMP TABLE reports_snapshot_change (office_id bigint, lic_id bigint, type varchar(16), d date,"
        " dn bigint, dq numeric, dv numeric, du numeric, da numeric, di numeric, dc numeric, dcogs numeric,"
        " dprod numeric, dtrans numeric, dadj numeric) ON COMMIT DROP"
    )
    _execute(f"INSERT INTO reports_snapshot_change {lot_sql}", params)  # noqa: S608 - fixed SQL text
    _execute(f"INSERT INTO reports_snapshot_change {usage_sql}", params)  # noqa: S608
    _execute(f"INSERT INTO reports_snapshot_change {ENTRY_MOVES}", params)  # noqa: S608
    if start is None:
        first = _execute("SELECT min(d) FROM reports_snapshot_change")[0][0] or end
    else:
        first = start + datetime.timedelta(days=1)
    dates = checkpoint_dates(first, end)
    (watermark,) = _execute("SELECT COALESCE(max(id), 0) FROM cogs_cogsentry")[0]
    snapshots = ValuationSnapshot.objects.bulk_create(
        [ValuationSnapshot(date=d, lock_date=end, entry_watermark=watermark if d == end else 0) for d in dates]
    )
    params.update(
        {
            "snap_dates": [s.date for s in snapshots],
            "snap_ids": [s.pk for s in snapshots],
            "base": base.pk if base is not None else None,
        }
    )
    _execute(DAILY_INSERT, params)
    _execute(FIGURES_INSERT, params)
    write_journal_days(start, end)
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
SELECT s.date, s.entry_watermark, (SELECT date FROM inventory_lots_lockdate ORDER BY id DESC LIMIT 1)
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
    one and it is not after the lock date in force (written by this module, so it is at most the
    lock date unless a lock date was written around ``set_lock_date``)."""
    rows = _execute(STATE)
    if not rows:
        return None
    through, watermark, lock = rows[0]
    if lock is None or through > lock:
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
    office_where = type_where = ""
    if scope.office_id is not None:
        office_where, params["office"] = " AND office_id = %(office)s", scope.office_id
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


# The roll-forward of a period from the day after one snapshot's date to another's: the opening and
# closing values of the two, the movements stored on the snapshots after the first up to the second.
ROLL_FORWARD_STORED = """
SELECT o.code, c.code, c.description,
       COALESCE(sum(f.value) FILTER (WHERE s.date = %(open)s), 0),
       {moves},
       COALESCE(sum(f.value) FILTER (WHERE s.date = %(close)s), 0)
FROM reports_snapshotfigures f JOIN reports_valuationsnapshot s ON s.id = f.snapshot_id
JOIN inventory_lots_office o ON o.id = f.office_id JOIN inventory_lots_lineitemcode c ON c.id = f.lic_id
WHERE s.date >= %(open)s AND s.date <= %(close)s{where}
GROUP BY o.code, c.code, c.description
ORDER BY o.code, c.code"""


def stored_roll_forward(*, date_from: datetime.date, date_to: datetime.date, scope: Scope) -> list | None:
    """The roll-forward's rows from the snapshots, when the day before ``date_from`` and
    ``date_to`` are both snapshot dates (whole closed months, say); else None."""
    from .selectors import RollForwardRow

    if date_from <= datetime.date.min or snapshot_state() is None:
        return None
    opening = date_from - datetime.timedelta(days=1)
    found = _execute("SELECT count(*) FROM reports_valuationsnapshot WHERE date IN (%s, %s)", [opening, date_to])[0][0]
    if found != (1 if opening == date_to else 2):
        return None
    params: dict = {"open": opening, "close": date_to}
    where = ""
    if scope.office_id is not None:
        where, params["office"] = " AND f.office_id = %(office)s", scope.office_id
    if scope.lic_id is not None:
        where, params["lic"] = where + " AND f.lic_id = %(lic)s", scope.lic_id
    moves = ", ".join(f"COALESCE(sum(f.{c}) FILTER (WHERE s.date > %(open)s), 0)" for c in MOVE_COLUMNS)
    rows = [RollForwardRow(*r) for r in _execute(ROLL_FORWARD_STORED.format(moves=moves, where=where), params)]
    return [r for r in rows if any(v != 0 for v in r.figures().values())]


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

    snapshots = list(ValuationSnapshot.objects.order_by("date"))
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
