"""The home page's figures (the books at a glance) and its charts, drawn on the server as SVG
geometry (no script, no inline style: the strict CSP allows SVG presentation attributes).

Every figure comes from the report selectors' totals or one aggregate, so the page costs the same
number of queries whatever the ledger holds (tests/reports/test_home.py counts them):
valuation totals now and at each of the last 12 month ends (the latest is "last month end"), one
aggregate of COGS per month (from the snapshots' stored movements), the aging totals now, the
purchasing accrual total, the last COGS run, the lock date.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum, Value
from django.db.models.functions import Coalesce, TruncMonth

from cogs.models import CogsEntry, CogsRun
from core.money import ZERO_MONEY
from inventory_lots import dates
from inventory_lots.models import UsageKind
from inventory_lots.scope import EVERYTHING, Scope
from inventory_lots.selectors import current_lock_date
from purchasing.selectors import accrued_lines

from . import selectors, snapshots
from .close import last_month_end, next_period_end

MONTHS = 12
COGS_KINDS = (UsageKind.SHIPMENT, UsageKind.JOB, UsageKind.RETURN)  # the roll-forward's "cogs" column

# chart geometry (SVG user units)
WIDTH, HEIGHT, TOP, BOTTOM, LEFT = 480, 200, 10, 30, 8


def month_ends(today: datetime.date, count: int = MONTHS) -> list[datetime.date]:
    """The last ``count`` month ends before ``today``, oldest first."""
    out, end = [], last_month_end(today)
    for _ in range(count):
        out.append(end)
        end = last_month_end(end)
    return out[::-1]


# COGS per month from the snapshots' stored movements (their "cogs" column: the same usage kinds,
# summed per office in SnapshotCogs) for the days up to the latest snapshot, plus the entries dated
# after it, read as the open entries and those above its watermark (reports.snapshots): no scan of
# the entries table. One statement.
STORED_COGS_BY_MONTH = """
SELECT month, sum(value) FROM (
    SELECT date_trunc('month', s.date)::date AS month, f.cogs AS value
    FROM reports_snapshotcogs f JOIN reports_valuationsnapshot s ON s.id = f.snapshot_id
    WHERE s.date >= %(first)s AND s.date <= %(last)s{stored_where}
    UNION ALL
    SELECT date_trunc('month', e.date)::date, e.value
    FROM (SELECT x.* FROM reports_openentry o JOIN cogs_cogsentry x ON x.id = o.entry_id
          UNION ALL SELECT * FROM cogs_cogsentry WHERE id > %(watermark)s) e
    JOIN inventory_lots_inventoryusage u ON u.id = e.usage_id
    WHERE e.kind IN (1, 2, 3, 4) AND e.date > %(through)s AND e.date >= %(first)s AND e.date <= %(last)s
          AND u.kind = ANY(%(kinds)s){entry_where}
) x GROUP BY month HAVING sum(value) <> 0 ORDER BY month"""


def cogs_by_month(
    first: datetime.date, last: datetime.date, state=snapshots.UNREAD, office_ids: tuple[int, ...] | None = None
) -> dict[datetime.date, Decimal]:
    """{first day of month: Σ COGS entries (allocations, give-backs, revaluations) of shipment, job
    and customer return usage dated in it}, for the months from ``first`` (a first day) to ``last``
    (one query): from the stored movements when there are snapshots, else from the entries.
    ``office_ids``: only those offices (None: every office)."""
    if state is snapshots.UNREAD:
        state = snapshots.snapshot_state()
    if state is None:
        return scanned_cogs_by_month(first, last, office_ids)
    through, watermark = state
    params = {"first": first, "last": last, "through": through, "watermark": watermark, "kinds": list(COGS_KINDS)}
    where = {"stored_where": "", "entry_where": ""}
    if office_ids is not None:
        params["offices"] = list(office_ids)
        where = {
            "stored_where": " AND f.office_id = ANY(%(offices)s)",
            "entry_where": " AND e.office_id = ANY(%(offices)s)",
        }
    return dict(snapshots._execute(STORED_COGS_BY_MONTH.format(**where), params))


def scanned_cogs_by_month(
    first: datetime.date, last: datetime.date, office_ids: tuple[int, ...] | None = None
) -> dict[datetime.date, Decimal]:
    """``cogs_by_month`` read from the entries table alone."""
    entries = CogsEntry.objects.all() if office_ids is None else CogsEntry.objects.filter(office_id__in=office_ids)
    rows = (
        entries.filter(kind__in=(1, 2, 3, 4), date__gte=first, date__lte=last, usage__kind__in=COGS_KINDS)
        .annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(total=Sum("value"))
        .order_by("month")
    )
    return {r["month"]: r["total"] for r in rows}


def _n(number: float) -> str:
    """An SVG coordinate as text (never localized by the template)."""
    return f"{number:.1f}"


@dataclass(frozen=True)
class Bar:
    """One bar; coordinates are text for the SVG attributes."""

    label: str
    value: Decimal
    x: str
    y: str
    width: str
    height: str
    label_x: str


@dataclass(frozen=True)
class Chart:
    """Bars (and a polyline through their tops) scaled into a WIDTH x HEIGHT viewBox, the zero line
    at ``baseline``; negative values go below it."""

    bars: list[Bar]
    baseline: str
    points: str
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def label_y(self) -> int:
        return self.height - 8


def chart(pairs: list[tuple[str, Decimal]]) -> Chart:
    values = [v for _, v in pairs]
    high, low = max([ZERO_MONEY, *values]), min([ZERO_MONEY, *values])
    span = (high - low) or Decimal(1)
    plot = HEIGHT - TOP - BOTTOM
    baseline = TOP + float(high / span) * plot
    step = (WIDTH - LEFT) / max(len(pairs), 1)
    bars, points = [], []
    for i, (label, value) in enumerate(pairs):
        size = float(abs(value) / span) * plot
        x = LEFT + i * step + step * 0.15
        y = baseline - size if value >= 0 else baseline
        centre = x + step * 0.35
        bars.append(Bar(label, value, _n(x), _n(y), _n(step * 0.7), _n(size), _n(centre)))
        points.append(f"{_n(centre)},{_n(baseline - size if value >= 0 else baseline + size)}")
    return Chart(bars=bars, baseline=_n(baseline), points=" ".join(points))


@dataclass(frozen=True)
class Books:
    today: datetime.date
    now: selectors.ValuationTotals
    last_month_end: datetime.date
    at_month_end: selectors.ValuationTotals
    accrued_inventory: Decimal
    last_run: CogsRun | None
    lock: datetime.date | None
    next_close: datetime.date
    value_by_month: list[tuple[datetime.date, Decimal]]
    cogs_by_month: list[tuple[datetime.date, Decimal]]
    aging: selectors.Aging
    value_chart: Chart
    cogs_chart: Chart
    aging_chart: Chart


@transaction.atomic  # one transaction: the report statements' tuning is set once per statement, never reset
def books(today: datetime.date | None = None, access: Scope | None = None) -> Books:
    """Everything the home page shows (a constant number of queries), for the offices ``access``
    (the user's scope; None: every office) sees: the stored figures are per office, so each read
    is narrowed by office id. The page leaves the money out without "see costs"."""
    today = today or dates.today()
    access = access or EVERYTHING
    office_ids = access.office_ids
    scope = selectors.Scope(office_ids=tuple(sorted(office_ids)) if office_ids is not None else None)
    ends = month_ends(today)
    state = snapshots.snapshot_state()  # once for the 13 valuation totals (reports.snapshots)
    at_ends = [(end, selectors.valuation_totals(as_of=end, scope=scope, state=state)) for end in ends]
    values = [(end, t.value) for end, t in at_ends]
    by_month = cogs_by_month(ends[0].replace(day=1), ends[-1], state=state, office_ids=scope.office_ids)
    cogs = [(end, by_month.get(end.replace(day=1), ZERO_MONEY)) for end in ends]
    aging = selectors.aging(as_of=today, scope=scope, by_lic=False, state=state)  # the chart: totals only
    lock = current_lock_date()
    lines = accrued_lines() if office_ids is None else accrued_lines().filter(purchase_order__office_id__in=office_ids)
    accrued = lines.aggregate(total=Coalesce(Sum("accrued_value"), Value(ZERO_MONEY)))["total"]
    return Books(
        today=today,
        now=selectors.valuation_totals(as_of=today, scope=scope, state=state),
        last_month_end=ends[-1],
        at_month_end=at_ends[-1][1],
        accrued_inventory=accrued,
        last_run=CogsRun.objects.visible_to(access).select_related("office", "lic").order_by("-id").first(),
        lock=lock,
        next_close=next_period_end(lock, today),
        value_by_month=values,
        cogs_by_month=cogs,
        aging=aging,
        value_chart=chart([(f"{d:%b}", v) for d, v in values]),
        cogs_chart=chart([(f"{d:%b}", v) for d, v in cogs]),
        aging_chart=chart(list(zip(aging.labels, aging.totals.values, strict=True))),
    )
