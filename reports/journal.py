"""The journal of DOMAIN.md section 10: balanced lines read from the immutable ledger (never
stored, never edited), the accounts of each office, the journal exports and the journal's
invariants. docs/reports.md "Journal" has the reasoning.

Each *record* of the ledger becomes two lines (its debit account and its credit account):

- a lot value event (reports.selectors' TIMELINE: each day's change of a lot's ``value_in``, split
  as in the roll-forward into a quantity part, source the lot, and a cost part, source the day's
  latest cost change): Inventory / by the lot's origin (a receipt lot: Received not invoiced; an
  adjustment lot: Inventory adjustments, Opening balance equity for a ``beginning_balance``
  adjustment; a production lot: Work in process); a manual cost
  correction: Inventory / Inventory adjustments;
- a COGS entry (allocation, give-back, revaluation): by its usage's kind (shipment, job, return:
  COGS; production component: Work in process; adjustment: Inventory adjustments) / Inventory;
- an accrual or its reversal: what its usage's COGS entries debit / Accrued COGS;
- a capitalized job cost or its reversal: Work in process / Capitalized job cost clearing.

A negative amount swaps debit and credit. Records of amount zero make no lines."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection, transaction

from core.errors import ValidationFailed
from core.master_data import _refusal
from core.money import ZERO_MONEY

from . import selectors
from .models import ACCOUNT_ROLES, JournalExport, OfficeAccounts

CHUNK = 2000
MSG_NOTHING = "No journal lines are dated from {start} to {end} in these offices: nothing to export."

# the sources of the lines, and the ledger tables whose highest id an export records (its watermark);
# an adjustment's or a transfer's reversal line is the record behind its lot's value event on its date
MARKS = (
    "lot",
    "receipt_line",
    "production_report",
    "cost_change",
    "cogs_entry",
    "job_cost",
    "adjustment_line",
    "transfer_line",
)
MARK_TABLES = {
    "lot": "inventory_lots_lot",
    "receipt_line": "purchasing_receiptline",
    "production_report": "production_productionreport",
    "cost_change": "inventory_lots_lotcostchange",
    "cogs_entry": "cogs_cogsentry",
    "job_cost": "production_jobcostentry",
    "adjustment_line": "inventory_lots_adjustmentline",
    "transfer_line": "transfers_transferline",
}

_ORIGIN = """CASE WHEN l.type = 'production' THEN 'work_in_process'
                  WHEN l.type = 'transfer' THEN 'in_transit'
                  WHEN EXISTS (SELECT 1 FROM purchasing_receiptline x WHERE x.lot_id = l.id)
                  THEN 'received_not_invoiced'
                  WHEN EXISTS (SELECT 1 FROM inventory_lots_adjustmentline x
                               JOIN inventory_lots_inventoryadjustment xa ON xa.id = x.adjustment_id
                               WHERE x.lot_id = l.id AND xa.kind = 'beginning_balance')
                  THEN 'opening_equity'
                  ELSE 'adjustments' END"""
_USAGE_DEBIT = """CASE u.kind WHEN 'production' THEN 'work_in_process' WHEN 'adjustment' THEN 'adjustments'
                              WHEN 'transfer' THEN 'in_transit' ELSE 'cogs' END"""
_ACCOUNT = (
    "CASE {role} "
    + " ".join(f"WHEN '{role}' THEN COALESCE(a.{role}, '{default}')" for role, (default, _) in ACCOUNT_ROLES.items())
    + " END"
)

JOURNAL = """
step AS (
    SELECT s.lot_id, s.d,
           round(s.qty_in * COALESCE(LAG(s.unit_cost) OVER w, s.first_cost), 2)
             - round(LAG(s.qty_in, 1, 0::numeric) OVER w * COALESCE(LAG(s.unit_cost) OVER w, s.first_cost), 2)
             AS q_value,
           round(s.qty_in * s.unit_cost, 2) - round(s.qty_in * COALESCE(LAG(s.unit_cost) OVER w, s.first_cost), 2)
             AS c_value
    FROM state s WINDOW w AS (PARTITION BY s.lot_id ORDER BY s.d)
),
q_mark AS (
    SELECT x.lot_id, x.d, max(x.rl) AS rl, max(x.pr) AS pr, max(x.al) AS al, max(x.tl) AS tl FROM (
        SELECT pr.lot_id, GREATEST(pr.date, s.date) AS d, NULL::bigint AS rl, pr.id AS pr, NULL::bigint AS al,
               NULL::bigint AS tl
        FROM production_productionreport pr JOIN scope s ON s.id = pr.lot_id
        UNION ALL
        SELECT rl.lot_id, GREATEST(r.date, s.date), rl.id, NULL, NULL, NULL
        FROM purchasing_receiptline rl JOIN purchasing_receipt r ON r.id = rl.receipt_id
        JOIN scope s ON s.id = rl.lot_id
        UNION ALL
        SELECT al.lot_id, GREATEST(a.date, s.date), NULL, NULL, al.id, NULL
        FROM inventory_lots_adjustmentline al JOIN inventory_lots_inventoryadjustment a ON a.id = al.adjustment_id
        JOIN scope s ON s.id = al.lot_id
        WHERE al.reverses_line_id IS NOT NULL
        UNION ALL
        SELECT o.lot_id, GREATEST(t.date, s.date), NULL, NULL, NULL, r.id
        FROM transfers_transferline r JOIN transfers_transferline o ON o.id = r.reverses_line_id
        JOIN transfers_transfer t ON t.id = r.transfer_id JOIN scope s ON s.id = o.lot_id
    ) x GROUP BY x.lot_id, x.d
),
record AS (
    SELECT t.d AS date, l.office_id, l.lic_id, 1 AS kind, l.id AS source_id, 'lot' AS source_type,
           l.number AS source_label, 'Lot value in: ' || l.transaction_label AS memo,
           'inventory' AS debit_role, {origin} AS credit_role, t.q_value AS amount,
           CASE WHEN t.d = l.date THEN l.id END AS m_lot, m.rl AS m_rl, m.pr AS m_pr, NULL::bigint AS m_lcc,
           NULL::bigint AS m_entry, NULL::bigint AS m_job, m.al AS m_al, m.tl AS m_tl
    FROM step t JOIN inventory_lots_lot l ON l.id = t.lot_id
    LEFT JOIN q_mark m ON m.lot_id = t.lot_id AND m.d = t.d
    WHERE t.d >= %(start)s AND t.q_value <> 0
    UNION ALL
    SELECT t.d, l.office_id, l.lic_id, 2, c.id, 'lot_cost_change', l.number,
           'Unit cost ' || trim_scale(c.old_unit_cost) || ' to ' || trim_scale(c.new_unit_cost) || ' (' || c.cause
             || CASE WHEN c.source_label <> '' THEN ': ' || c.source_label ELSE '' END || ')',
           'inventory', CASE WHEN c.cause = 'manual' THEN 'adjustments' ELSE {origin} END, t.c_value,
           NULL, NULL, NULL, c.id, NULL, NULL, NULL, NULL
    FROM step t JOIN lot_day ld ON ld.lot_id = t.lot_id AND ld.d = t.d
    JOIN inventory_lots_lotcostchange c ON c.id = ld.change_id
    JOIN inventory_lots_lot l ON l.id = t.lot_id
    WHERE t.d >= %(start)s AND t.c_value <> 0
    UNION ALL
    SELECT j.date, po.office_id, j.lic_id, 3, j.id, 'job_cost', 'JC-' || lpad(j.id::text, 6, '0'),
           CASE WHEN j.reverses_id IS NULL THEN 'Capitalized job cost: ' ELSE 'Reversal of capitalized job cost: ' END
             || j.description || ' (' || po.number || ')',
           'work_in_process', 'capitalized_clearing', j.amount, NULL, NULL, NULL, NULL, NULL, j.id, NULL, NULL
    FROM production_jobcostentry j JOIN production_productionorder po ON po.id = j.production_order_id
    WHERE j.capitalized AND j.date >= %(start)s AND j.date <= %(end)s{job_where}
    UNION ALL
    SELECT e.date, e.office_id, e.lic_id, CASE WHEN e.kind IN (5, 6) THEN 5 ELSE 4 END, e.id, 'cogs_entry',
           COALESCE(u.source_label, ''),
           CASE e.kind WHEN 1 THEN 'Allocation' WHEN 2 THEN 'Give-back' WHEN 3 THEN 'Give-back'
                       WHEN 4 THEN 'Revaluation' WHEN 5 THEN 'Accrual' ELSE 'Accrual reversal' END
             || ' of usage ' || e.usage_id || COALESCE(' (' || u.kind || ')', '')
             || COALESCE(', lot ' || lot.number, ''),
           {usage_debit}, CASE WHEN e.kind IN (5, 6) THEN 'accrued_cogs' ELSE 'inventory' END, e.value,
           NULL, NULL, NULL, NULL, e.id, NULL, NULL, NULL
    FROM {entries} e LEFT JOIN inventory_lots_inventoryusage u ON u.id = e.usage_id
    LEFT JOIN inventory_lots_lot lot ON lot.id = e.lot_id
    WHERE e.date >= %(start)s AND e.date <= %(end)s AND e.value <> 0{entry_where}
),
line AS (
    SELECT r.*, CASE WHEN (s.n = 1) = (r.amount > 0) THEN 1 ELSE 2 END AS side,
           CASE s.n WHEN 1 THEN r.debit_role ELSE r.credit_role END AS role,
           CASE WHEN (s.n = 1) = (r.amount > 0) THEN abs(r.amount) ELSE 0.00 END AS debit,
           CASE WHEN (s.n = 1) = (r.amount > 0) THEN 0.00 ELSE abs(r.amount) END AS credit
    FROM record r CROSS JOIN (VALUES (1), (2)) s(n)
)"""

LINES_SELECT = """
SELECT l.date, o.code, {account}, l.role, l.debit, l.credit, c.code, l.source_type, l.source_id, l.source_label,
       l.memo, l.kind, l.side, l.m_lot, l.m_rl, l.m_pr, l.m_lcc, l.m_entry, l.m_job, l.m_al, l.m_tl
FROM line l JOIN inventory_lots_office o ON o.id = l.office_id
JOIN inventory_lots_lineitemcode c ON c.id = l.lic_id
LEFT JOIN reports_officeaccounts a ON a.office_id = l.office_id
ORDER BY l.date, o.code, l.kind, l.source_id, l.side"""

TOTALS_SELECT = "SELECT count(*), COALESCE(sum(debit), 0.00), COALESCE(sum(credit), 0.00) FROM line"


@dataclass(frozen=True)
class JournalLine:
    date: datetime.date
    office: str
    account: str
    role: str
    debit: Decimal
    credit: Decimal
    lic: str | None = None
    source_type: str | None = None
    source_id: int | None = None
    source_label: str = ""
    memo: str = ""
    key: tuple = field(default=(), compare=False, repr=False)  # position in the journal's order
    marks: dict = field(default_factory=dict, compare=False, repr=False)  # the ledger ids behind it
    new: bool = False

    @property
    def account_name(self) -> str:
        return ACCOUNT_ROLES[self.role][1]

    @property
    def source(self) -> dict | None:
        if self.source_type is None:
            return None
        return {"type": self.source_type, "id": self.source_id, "label": self.source_label}


@dataclass(frozen=True)
class JournalTotals:
    line_count: int
    debit: Decimal
    credit: Decimal


def journal_sql(
    *,
    date_from: datetime.date,
    date_to: datetime.date,
    office_ids: Iterable[int] | None = None,
    body: str = LINES_SELECT,
    watermark: int | None = None,
) -> tuple[str, dict]:
    """The journal lines dated ``date_from``..``date_to`` (of the offices given, else all).
    ``watermark``: the latest snapshot's entry watermark, when ``date_from`` is after its date: the
    COGS entries are then read from the open entries and those above the watermark (reports.snapshots),
    not from a scan of the entries table."""
    params: dict = {"start": date_from, "end": date_to}
    entries = "cogs_cogsentry"
    if watermark is not None:
        params["watermark"] = watermark
        entries = (
            "(SELECT x.* FROM reports_openentry o JOIN cogs_cogsentry x ON x.id = o.entry_id"
            " UNION ALL SELECT * FROM cogs_cogsentry WHERE id > %(watermark)s)"
        )
    lot_where = job_where = entry_where = ""
    if office_ids is not None:
        params["offices"] = list(office_ids)
        lot_where, job_where = " AND l.office_id = ANY(%(offices)s)", " AND po.office_id = ANY(%(offices)s)"
        entry_where = " AND e.office_id = ANY(%(offices)s)"
    ctes = [
        selectors.MOVED.format(scope_columns=selectors.SCOPE_COLUMNS, lot_where=lot_where),
        selectors.TIMELINE,
        JOURNAL.format(
            origin=_ORIGIN, usage_debit=_USAGE_DEBIT, job_where=job_where, entry_where=entry_where, entries=entries
        ),
    ]
    return selectors.statement(ctes, body.format(account=_ACCOUNT.format(role="l.role"))), params


def _line(record: tuple) -> JournalLine:
    (
        date,
        office,
        account,
        role,
        debit,
        credit,
        lic,
        source_type,
        source_id,
        source_label,
        memo,
        kind,
        side,
        *marks,
    ) = record
    return JournalLine(
        date=date,
        office=office,
        account=account,
        role=role,
        debit=debit,
        credit=credit,
        lic=lic,
        source_type=source_type,
        source_id=source_id,
        source_label=source_label,
        memo=memo,
        key=(date.isoformat(), office, kind, source_id, side),
        marks={name: m for name, m in zip(MARKS, marks, strict=True) if m is not None},
    )


def iter_lines(
    *, date_from: datetime.date, date_to: datetime.date, office_ids: Iterable[int] | None = None
) -> Iterator[JournalLine]:
    """Every line of the period in journal order (date, office, record, debit side first), read
    through a server-side cursor ``CHUNK`` rows at a time."""
    sql, params = journal_sql(date_from=date_from, date_to=date_to, office_ids=office_ids)
    with connection.chunked_cursor() as cursor:
        with selectors.tuned():
            cursor.execute(sql, params)
        while records := cursor.fetchmany(CHUNK):
            yield from (_line(r) for r in records)


def journal_lines(**kwargs) -> list[JournalLine]:
    return list(iter_lines(**kwargs))


def journal_totals(
    *, date_from: datetime.date, date_to: datetime.date, office_ids: Iterable[int] | None = None
) -> JournalTotals:
    """How many lines the period has, the sum of their debits and of their credits: the closed days
    from their stored sums, the days after the latest snapshot from the ledger (as ``summary_lines``)."""
    office_ids = list(office_ids) if office_ids is not None else None
    stored, live, watermark = _split(date_from, date_to)
    count, debit, credit = 0, ZERO_MONEY, ZERO_MONEY
    if stored is not None:
        sql = STORED_TOTALS.format(**_stored_where(office_ids))
        n, d, c = selectors._fetch(sql, {"start": stored[0], "end": stored[1], "offices": office_ids})[0]
        count, debit, credit = count + n, debit + d, credit + c
    if live is not None:
        sql, params = journal_sql(
            date_from=live[0], date_to=live[1], office_ids=office_ids, body=TOTALS_SELECT, watermark=watermark
        )
        n, d, c = selectors._fetch(sql, params)[0]
        count, debit, credit = count + n, debit + d, credit + c
    return JournalTotals(line_count=count, debit=debit, credit=credit)


def _split(date_from: datetime.date, date_to: datetime.date):
    """(the closed days of the period, read from ``JournalDay``; the days after the latest snapshot,
    read from the ledger; the snapshot's entry watermark): each range (first, last) or None."""
    from .snapshots import snapshot_state

    state = snapshot_state()
    if state is None:
        return None, (date_from, date_to), None
    through, watermark = state
    stored = (date_from, min(date_to, through)) if date_from <= through else None
    first = max(date_from, through + datetime.timedelta(days=1))
    live = (first, date_to) if first <= date_to else None
    return stored, live, watermark


def _stored_where(office_ids) -> dict:
    return {"office_where": " AND j.office_id = ANY(%(offices)s)" if office_ids is not None else ""}


STORED_TOTALS = """
SELECT COALESCE(sum(j.lines), 0), COALESCE(sum(j.debit), 0.00), COALESCE(sum(j.credit), 0.00)
FROM reports_journalday j WHERE j.date >= %(start)s AND j.date <= %(end)s{office_where}"""


def summarize(lines: Iterable[JournalLine]) -> Iterator[JournalLine]:
    """One line per date, office and account (and, in an export, new or not): the sums of its
    debits and of its credits (not netted, so the totals are the detailed view's). Streams: lines
    come in date and office order."""
    group: dict[tuple, JournalLine] = {}

    def flush():
        yield from (group[k] for k in sorted(group))
        group.clear()

    current = None
    for line in lines:
        if (line.date, line.office) != current:
            yield from flush()
            current = (line.date, line.office)
        k = (line.account, line.new)
        if k in group:
            s = group[k]
            group[k] = replace(
                s, debit=s.debit + line.debit, credit=s.credit + line.credit, role=min(s.role, line.role)
            )
        else:
            group[k] = JournalLine(
                date=line.date,
                office=line.office,
                account=line.account,
                role=line.role,
                debit=line.debit,
                credit=line.credit,
                new=line.new,
                key=(line.date.isoformat(), line.office, line.account, line.new),
            )
    yield from flush()


SUMMARY_SELECT = """
SELECT l.date, o.code, {account} AS account, min(l.role), sum(l.debit), sum(l.credit)
FROM line l JOIN inventory_lots_office o ON o.id = l.office_id
LEFT JOIN reports_officeaccounts a ON a.office_id = l.office_id
GROUP BY l.date, o.code, 3
ORDER BY l.date, o.code, ({account}) COLLATE "C\""""


def summary_lines(
    *, date_from: datetime.date, date_to: datetime.date, office_ids: Iterable[int] | None = None
) -> Iterator[JournalLine]:
    """``summarize(iter_lines(...))`` summed by PostgreSQL: one line per date, office and account,
    the sums of its debits and of its credits, in the same order (accounts in code point order, as
    Python sorts them). One statement; only the summary rows travel.

    The days up to the latest snapshot (closed days) are read from their stored sums
    (``JournalDay``, reports.snapshots); the days after it from the ledger, its COGS entries from the
    open entries and those above the snapshot's watermark."""
    office_ids = list(office_ids) if office_ids is not None else None
    stored, live, watermark = _split(date_from, date_to)
    if stored is not None:
        yield from _summary(*_stored_summary_sql(*stored, office_ids))
    if live is not None:
        yield from _summary(
            *journal_sql(
                date_from=live[0], date_to=live[1], office_ids=office_ids, body=SUMMARY_SELECT, watermark=watermark
            )
        )


STORED_SUMMARY = """
SELECT j.date, o.code, {account} AS account, min(j.role), sum(j.debit), sum(j.credit)
FROM reports_journalday j JOIN inventory_lots_office o ON o.id = j.office_id
LEFT JOIN reports_officeaccounts a ON a.office_id = j.office_id
WHERE j.date >= %(start)s AND j.date <= %(end)s{office_where}
GROUP BY j.date, o.code, 3
ORDER BY j.date, o.code, ({account}) COLLATE "C\""""


def _stored_summary_sql(date_from: datetime.date, date_to: datetime.date, office_ids) -> tuple[str, dict]:
    params: dict = {"start": date_from, "end": date_to, "offices": office_ids}
    account = _ACCOUNT.format(role="j.role")
    return STORED_SUMMARY.format(account=account, **_stored_where(office_ids)), params


def _summary(sql: str, params: dict) -> Iterator[JournalLine]:
    for date, office, account, role, debit, credit in selectors._fetch(sql, params):
        yield JournalLine(
            date=date,
            office=office,
            account=account,
            role=role,
            debit=debit,
            credit=credit,
            key=(date.isoformat(), office, account, False),
        )


# --- accounts --------------------------------------------------------------------------------------


def accounts_of(office) -> dict[str, str]:
    """The account of each role for ``office`` (its row, else the defaults). Reads only."""
    row = OfficeAccounts.objects.filter(office=office).first()
    return {role: (getattr(row, role) if row else default) for role, (default, _) in ACCOUNT_ROLES.items()}


@transaction.atomic
def set_office_accounts(*, office, accounts: dict[str, str], actor) -> OfficeAccounts:
    """Create the office's row on demand (defaults) and set the accounts given."""
    row, _ = OfficeAccounts.objects.select_for_update().get_or_create(office=office)
    for role, number in accounts.items():
        if role not in ACCOUNT_ROLES:
            raise ValidationFailed("invalid", f"{role}: Unknown account role.", field=role)
        number = (number or "").strip()
        if not number:
            raise ValidationFailed(
                "invalid",
                f"{role}: Every account needs a number.",
                field=role,
                errors={role: ["Every account needs a number."]},
            )
        setattr(row, role, number)
    try:
        row.full_clean()
    except DjangoValidationError as exc:  # a control account shared with another role
        raise _refusal(exc) from exc
    row.save()
    return row


# --- exports ---------------------------------------------------------------------------------------


def ledger_watermark() -> dict[str, int]:
    """The highest id of each source table now."""
    sql = " UNION ALL ".join(
        f"SELECT '{name}', COALESCE(max(id), 0) FROM {table}"  # noqa: S608 - constants
        for name, table in MARK_TABLES.items()
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return {name: int(value) for name, value in cursor.fetchall()}


def is_new(line: JournalLine, previous: dict | None) -> bool:
    """A line is new when a ledger record behind it is above the previous export's watermark. (A
    watermark recorded before a mark was read has no key for it: that mark says nothing then, as it
    said nothing when that export was made.)"""
    if previous is None:
        return False
    return any(name in previous and mark > previous[name] for name, mark in line.marks.items())


def within(line: JournalLine, watermark: dict) -> bool:
    """Whether every record behind the line existed at the watermark (an export's own lines; a mark
    the watermark has no key for is read as it was when the export was made: not at all)."""
    return all(name not in watermark or mark <= watermark[name] for name, mark in line.marks.items())


def export_lines(batch: JournalExport) -> Iterator[JournalLine]:
    """The lines of an export: the period's lines whose records existed when it was made, each
    marked new when a record behind it came after the previous export of that period; summarized
    when the export is."""
    from inventory_lots.models import Office

    office_ids = (
        list(Office.objects.filter(code__in=batch.offices).values_list("pk", flat=True)) if batch.offices else None
    )
    previous = batch.previous.watermark if batch.previous_id else None
    lines = (
        replace(line, new=is_new(line, previous))
        for line in iter_lines(date_from=batch.date_from, date_to=batch.date_to, office_ids=office_ids)
        if within(line, batch.watermark)
    )
    return summarize(lines) if batch.detail == "summary" else lines


def visible_exports(queryset, access):
    """The recorded exports ``access`` (a user's scope, DOMAIN.md 11) sees: with every office, all;
    else those naming offices all of which it sees (an export of every office covers others too)."""
    if access is None or access.all_offices:
        return queryset
    from inventory_lots.models import Office

    codes = list(Office.objects.visible_to(access).values_list("code", flat=True))
    return queryset.exclude(offices=[]).filter(offices__contained_by=codes)


def export_offices(offices: list, access) -> list:
    """The offices a new export covers: those chosen, or for a user who does not see every office
    and chose none, all of theirs (stored on the export, so its file never covers more)."""
    if offices or access is None or access.all_offices:
        return offices
    from inventory_lots.models import Office

    mine = list(Office.objects.visible_to(access))
    if not mine:  # an empty list is "every office": never for a user who sees none
        raise ValidationFailed("invalid", "You see no office: there is nothing to export.", field="offices")
    return mine


@transaction.atomic
def record_journal_export(
    *, date_from: datetime.date, date_to: datetime.date, offices: list, detail: str, actor
) -> JournalExport:
    """Record an export of the journal of a period (offices: Office rows, empty = all): its
    watermark, line count and totals. Refused (``nothing_to_export``) when the period has no lines."""
    codes = sorted(o.code for o in offices)
    previous = JournalExport.objects.filter(date_from=date_from, date_to=date_to, offices=codes).order_by("-id").first()
    batch = JournalExport(
        created_by=actor,
        date_from=date_from,
        date_to=date_to,
        offices=codes,
        detail=detail,
        line_count=0,
        debit=ZERO_MONEY,
        credit=ZERO_MONEY,
        previous=previous,
        watermark=ledger_watermark(),
    )
    count = new = 0
    debit = credit = ZERO_MONEY
    for line in export_lines(batch):
        count += 1
        new += line.new
        debit += line.debit
        credit += line.credit
    if count == 0:
        message = MSG_NOTHING.format(start=date_from.isoformat(), end=date_to.isoformat())
        raise ValidationFailed("nothing_to_export", message, field="date_from")
    batch.line_count, batch.new_line_count, batch.debit, batch.credit = count, new, debit, credit
    batch.save()
    return batch


# --- invariants (check_ledger) ---------------------------------------------------------------------

FIRST_DAY, LAST_DAY = datetime.date(1, 1, 1), datetime.date(9999, 12, 31)

# Recorded exports whose debits and credits differ: what was handed to the general ledger does not
# balance. (The lines themselves balance by construction, each record's two lines coming from one
# SQL row, so a check over them could never fire; tests/reports prove it on every example and stream.)
UNBALANCED_EXPORTS = """
SELECT id, date_from, date_to, debit, credit FROM reports_journalexport WHERE debit <> credit ORDER BY id"""

# per office and month (its last day), the balance of the lines posted to the office's Inventory
# account and to its Accrued COGS account, as configured: by account number, not by role, because
# the general ledger sees numbers (a role mapped onto a control account would move its balance)
MONTH_BALANCES = (
    """
SELECT l.office_id, (date_trunc('month', l.date) + interval '1 month - 1 day')::date AS month_end,
       sum(l.debit - l.credit) FILTER (WHERE {account} = COALESCE(a.inventory, '"""
    + ACCOUNT_ROLES["inventory"][0]
    + """')),
       sum(l.credit - l.debit) FILTER (WHERE {account} = COALESCE(a.accrued_cogs, '"""
    + ACCOUNT_ROLES["accrued_cogs"][0]
    + """'))
FROM line l LEFT JOIN reports_officeaccounts a ON a.office_id = l.office_id GROUP BY 1, 2"""
)

OPEN_ACCRUALS = """
SELECT e.office_id, sum(e.value) FROM cogs_cogsentry e
WHERE e.kind IN (5, 6) AND e.date <= %(d)s GROUP BY e.office_id"""


def _month_ends(moves: dict) -> list[datetime.date]:
    return sorted({month_end for _, month_end in moves})


def journal_violations(limit: int = 100) -> list[dict]:
    """The journal's invariants (DOMAIN.md 10), over the whole ledger: every recorded journal export
    balances, debits = credits (``journal_balanced``); per office, at each month end with a journal
    line, the balance of its Inventory account = the valuation at that date
    (``journal_inventory_valuation``) and the balance of its Accrued COGS account = the open
    accruals (``journal_accrued_cogs``). [] when they hold."""
    from inventory_lots.models import Office

    out: list[dict] = []
    with connection.cursor() as cursor:
        cursor.execute(f"{UNBALANCED_EXPORTS} LIMIT {int(limit)}")  # noqa: S608 - constant SQL
        for export_id, start, end, debit, credit in cursor.fetchall():
            out.append(
                {
                    "check": "journal_balanced",
                    "id": export_id,
                    "detail": f"export of {start.isoformat()}..{end.isoformat()}: debits {debit} <> credits {credit}",
                }
            )
    sql, params = journal_sql(date_from=FIRST_DAY, date_to=LAST_DAY, body=MONTH_BALANCES)
    moves = {
        (office_id, month_end): (inv or ZERO_MONEY, acc or ZERO_MONEY)
        for office_id, month_end, inv, acc in selectors._fetch(sql, params)
    }
    codes = dict(Office.objects.values_list("pk", "code"))
    office_ids = sorted({office_id for office_id, _ in moves})
    running = dict.fromkeys(office_ids, (ZERO_MONEY, ZERO_MONEY))
    found = {"journal_inventory_valuation": 0, "journal_accrued_cogs": 0}
    for month_end in _month_ends(moves):
        valued = {row.office: row.value for row in selectors.valuation_rows(as_of=month_end, group_by="office")}
        with connection.cursor() as cursor:
            cursor.execute(OPEN_ACCRUALS, {"d": month_end})
            accrued = dict(cursor.fetchall())
        for office_id in office_ids:
            inv, acc = moves.get((office_id, month_end), (ZERO_MONEY, ZERO_MONEY))
            running[office_id] = (running[office_id][0] + inv, running[office_id][1] + acc)
            code = codes.get(office_id, str(office_id))
            book, want = running[office_id][0], valued.get(code, ZERO_MONEY)
            if book != want and found["journal_inventory_valuation"] < limit:
                found["journal_inventory_valuation"] += 1
                out.append(
                    {
                        "check": "journal_inventory_valuation",
                        "id": code,
                        "detail": f"{month_end.isoformat()}: Inventory balance {book} <> valuation {want}",
                    }
                )
            book, want = running[office_id][1], accrued.get(office_id) or ZERO_MONEY
            if book != want and found["journal_accrued_cogs"] < limit:
                found["journal_accrued_cogs"] += 1
                out.append(
                    {
                        "check": "journal_accrued_cogs",
                        "id": code,
                        "detail": f"{month_end.isoformat()}: Accrued COGS balance {book} <> open accruals {want}",
                    }
                )
    return out
