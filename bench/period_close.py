"""Period close at scale: `.venv/bin/python bench/period_close.py --lots 1000000 --usage 5000000`.

Into its own database (`ll_bench_pcspeed`, on the server of DATABASE_URL) it seeds, with SQL (the
shape of bench/cogs.py: LICs x 3 offices, FIFO and every tenth LIC LIFO), N purchase lots dated over
the year before today and M shipments dated over the same year up to yesterday, a unit cost change
on every 200th lot, marks every pair pending and runs COGS over everything (one full run, in this
process), then moves the lock date to the last month end before today through
``inventory_lots.services.set_lock_date`` and writes the stored figures (the month-end snapshots,
docs/reports.md "Snapshots") in this process, as the job it queues would. Each step is skipped
when the database already holds its result (same scale), so a second invocation only measures
(``--reuse``: refuse instead of seeding when it does not).

Measured in-process (server time, p95 over --repeat calls at random dates of the year and today):
valuation totals; the per-lot valuation's first page (selector and HTTP page); the per-lot CSV
(HTTP, every row) beside PostgreSQL's own COPY of the same rows; a month's roll-forward by office
and LIC; aging; a month's journal summary; a month's detailed journal CSV beside COPY of its rows;
the home page and its query count. Prints a table, then one JSON line. Never asserted."""

from __future__ import annotations

import argparse
import datetime
import json
import random
import time

from common import parse_args, percentile, setup_django, timed, viewer_client

SEED = """
TRUNCATE cogs_cogsentry, cogs_cogsrun CASCADE;
TRUNCATE cogs_pendinglotcost, inventory_lots_pendingcogs, inventory_lots_lotcostchange,
         inventory_lots_inventoryusage, inventory_lots_lot, inventory_lots_lockdate CASCADE;
DELETE FROM inventory_lots_lineitemcode WHERE code LIKE 'PC-%%';
INSERT INTO inventory_lots_office (code, name) VALUES ('P1', 'Close 1'), ('P2', 'Close 2'), ('P3', 'Close 3')
  ON CONFLICT (code) DO NOTHING;
INSERT INTO inventory_lots_lineitemcode (code, description, inventoried, serialized, track_by_mfr_lot,
                                         costing_method, unit, active)
  SELECT 'PC-' || lpad(g::text, 6, '0'), 'close item ' || g, true, false, false,
         CASE WHEN g %% 10 = 0 THEN 'lifo' ELSE 'fifo' END, 'ea', true
  FROM generate_series(1, %(lics)s) g;
CREATE TEMP TABLE bl AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id FROM inventory_lots_lineitemcode
  WHERE code LIKE 'PC-%%';
CREATE TEMP TABLE bo AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id FROM inventory_lots_office
  WHERE code IN ('P1', 'P2', 'P3');
INSERT INTO inventory_lots_lot (number, type, office_id, lic_id, date, transaction_type_id, transaction_id,
    transaction_label, parent_order_label, serialized, track_by_mfr_lot, mfr_lot_number, released, qty_in, qty_used,
    unit_cost, value_used)
  SELECT 'PC' || lpad(g::text, 8, '0'), 'purchase', o.id, l.id, %(start)s::date + (g * 7919 %% %(span)s)::int,
         %(ct)s, g, 'bench', '', false, false, '', true, 40 + (g * 31 %% 120), 0,
         round((1 + (g * 17 %% 5000) / 100.0)::numeric, 6) + 0.333333, 0
  FROM generate_series(0::bigint, %(lots)s - 1) g
  JOIN bl l ON l.n = g %% %(lics)s JOIN bo o ON o.n = (g / %(lics)s) %% 3;
INSERT INTO inventory_lots_inventoryusage (date, quantity, kind, source_type_id, source_id, source_label,
    serial_numbers, lic_id, office_id)
  SELECT %(start)s::date + 4 + (g * 104729 %% (%(span)s + 30))::int, 1 + (g * 13 %% 9) + (g %% 4) * 0.25,
         'shipment', %(ct)s, g, 'bench', '[]', l.id, o.id
  FROM generate_series(0::bigint, %(usage)s - 1) g
  JOIN bl l ON l.n = g %% %(lics)s JOIN bo o ON o.n = (g / %(lics)s) %% 3;
-- a cost change on every 200th lot, 20 days after it (the lot's unit_cost is the change's new cost)
INSERT INTO inventory_lots_lotcostchange (lot_id, date, old_unit_cost, new_unit_cost, cause, reason, source_label,
                                          created_at)
  SELECT l.id, l.date + 20, l.unit_cost - 0.5, l.unit_cost, 'manual', 'bench', '', now()
  FROM inventory_lots_lot l WHERE l.id %% 200 = 0 AND l.date + 20 < %(today)s::date;
INSERT INTO inventory_lots_pendingcogs (lic_id, office_id)
  SELECT DISTINCT lic_id, office_id FROM inventory_lots_lot ON CONFLICT DO NOTHING;
"""

VACUUM = (
    "inventory_lots_lot",
    "inventory_lots_inventoryusage",
    "inventory_lots_usagecogs",
    "inventory_lots_lotcostchange",
    "cogs_cogsentry",
)


def sql(statement: str, params=None):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


def vacuum() -> None:
    from django.db import connection

    connection.close()
    with connection.cursor() as cursor:
        for table in VACUUM:
            cursor.execute(f"VACUUM ANALYZE {table}")


def seed(args, today: datetime.date) -> None:
    from django.contrib.contenttypes.models import ContentType

    from inventory_lots.models import InventoryAdjustment

    ct = ContentType.objects.get_for_model(InventoryAdjustment).pk
    start = today - datetime.timedelta(days=365)
    params = {"lics": args.lics, "lots": args.lots, "usage": args.usage, "ct": ct, "start": start, "span": 330}
    params["today"] = today
    sql(SEED, params)
    vacuum()


def run_cogs(today: datetime.date):
    from cogs.services import run_cogs_now

    return run_cogs_now(actor=None, date=today)


def last_month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=1) - datetime.timedelta(days=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lots", type=int, default=1_000_000)
    parser.add_argument("--usage", type=int, default=5_000_000)
    parser.add_argument("--lics", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7, help="random dates")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="only measure: refuse (never reseed) when the database is not at this scale",
    )
    args = parse_args(parser, lots=20_000, usage=100_000, lics=500, repeat=5)
    setup_django("ll_bench_pcspeed")

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from inventory_lots import dates
    from inventory_lots.selectors import current_lock_date
    from inventory_lots.services import set_lock_date
    from reports import journal, selectors

    today = dates.today()
    lock = last_month_end(today)
    steps = []
    have = sql(
        "SELECT (SELECT count(*) FROM inventory_lots_lot WHERE number LIKE 'PC%%'),"
        " (SELECT count(*) FROM inventory_lots_inventoryusage WHERE source_label = 'bench'),"
        " (SELECT count(*) FROM cogs_cogsentry)"
    )[0]
    if args.reuse and (have[0] != args.lots or have[1] != args.usage or have[2] == 0):
        raise SystemExit(f"--reuse: the database holds {have[0]:,} lots, {have[1]:,} usage, {have[2]:,} entries")
    if have[0] != args.lots or have[1] != args.usage:
        t = time.perf_counter()
        seed(args, today)
        steps.append(("seed (SQL)", time.perf_counter() - t, f"{args.lots:,} lots, {args.usage:,} usage"))
        have = (args.lots, args.usage, 0)
    if have[2] == 0 or sql("SELECT count(*) FROM inventory_lots_pendingcogs")[0][0]:
        t = time.perf_counter()
        run = run_cogs(today)
        steps.append(("COGS full run", time.perf_counter() - t, f"{run.entries_posted:,} entries, {run.status}"))
        vacuum()
    if current_lock_date() != lock:
        t = time.perf_counter()
        set_lock_date(date=lock, actor=None)  # a short transaction; its job is queued on commit
        steps.append(("lock date moved", time.perf_counter() - t, f"to {lock}"))
    from reports.models import ValuationSnapshot
    from reports.services import write_snapshots_now

    if not ValuationSnapshot.objects.filter(date=lock).exists():  # a database seeded before the snapshots
        t = time.perf_counter()
        write_snapshots_now()  # what the queued job does, in this process
        steps.append(("snapshots written", time.perf_counter() - t, f"through {lock}"))
        vacuum()
    entries = sql("SELECT count(*) FROM cogs_cogsentry")[0][0]

    rng = random.Random(args.seed)
    first = today - datetime.timedelta(days=360)
    days = [first + datetime.timedelta(days=rng.randrange(0, 360)) for _ in range(args.repeat)]
    months = []
    for day in days:
        start = day.replace(day=1)
        months.append((start, min(last_month_end((start + datetime.timedelta(days=32)).replace(day=1)), today)))
    client = viewer_client()
    rows = []

    def case(name, fn, inputs, note=""):
        fn(inputs[0])  # warm up
        it = iter(inputs)
        times = timed(lambda: fn(next(it)), len(inputs))
        rows.append((name, statistics_p50(times), percentile(times, 95), note))
        return percentile(times, 95)

    with_today = [*days, today]
    valuation_p95 = case("valuation totals", lambda d: selectors.valuation_totals(as_of=d), with_today)
    case(
        "valuation first page (selector)",
        lambda d: selectors.valuation_rows(as_of=d, limit=51),
        with_today,
    )
    case(
        "valuation first page (HTTP)",
        lambda d: client.get(f"/reports/valuation/?as_of={d}").content,
        with_today,
    )
    rollforward_p95 = case(
        "roll-forward, a month",
        lambda m: selectors.roll_forward(date_from=m[0], date_to=m[1]),
        months,
    )
    aging_p95 = case("aging", lambda d: selectors.aging(as_of=d), with_today)
    # a user who sees one office (DOMAIN.md 11): the same reads narrowed by office id
    from inventory_lots.models import Office

    one = selectors.Scope(office_ids=(Office.objects.order_by("code").values_list("pk", flat=True)[0],))
    case("valuation totals, one office's user", lambda d: selectors.valuation_totals(as_of=d, scope=one), with_today)
    case(
        "roll-forward, a month, one office's user",
        lambda m: selectors.roll_forward(date_from=m[0], date_to=m[1], scope=one),
        months,
    )
    case("aging, one office's user", lambda d: selectors.aging(as_of=d, scope=one), with_today)
    summary_p95 = case(
        "journal summary, a month (HTTP)",
        lambda m: client.get(f"/reports/journal/?date_from={m[0]}&date_to={m[1]}&detail=summary").content,
        months[: max(3, len(months) // 4)],
    )
    home_p95 = case("home page", lambda _: client.get("/").content, [None] * len(days))
    with CaptureQueriesContext(connection) as ctx:
        client.get("/")
    home_queries = len(ctx.captured_queries)

    # the per-lot valuation CSV (every row) beside COPY of the same rows
    as_of = days[0]
    sql_text, params = selectors.valuation_sql(as_of=as_of, scope=selectors.Scope())
    copy_rows, copy_s = copy_out(sql_text, params)
    csv_rows, csv_s = http_rows(client, f"/reports/valuation.csv?as_of={as_of}")
    # a month's detailed journal CSV beside COPY of its lines
    m = months[0]
    jsql, jparams = journal.journal_sql(date_from=m[0], date_to=m[1])
    jcopy_rows, jcopy_s = copy_out(jsql, jparams)
    jcsv_rows, jcsv_s = http_rows(client, f"/reports/journal.csv?date_from={m[0]}&date_to={m[1]}")

    print(
        f"Period close: {args.lots:,} lots, {args.usage:,} usage, {entries:,} COGS entries, 3 offices x "
        f"{args.lics:,} LICs; lock date {lock}; {args.repeat} calls per case at random dates "
        f"(+ today), in-process server time; 2 shared cores: expect noise"
    )
    for name, seconds, note in steps:
        print(f"  {name}: {seconds:.1f} s ({note})")
    print(f"{'case':<36}{'p50 ms':>10}{'p95 ms':>10}")
    for name, p50, p95, _ in rows:
        print(f"{name:<36}{p50:>10.1f}{p95:>10.1f}")
    print(f"home page queries: {home_queries}")
    print(
        f"valuation CSV (HTTP): {csv_rows:,} rows in {csv_s:.2f} s = {csv_rows / csv_s:,.0f} rows/s; "
        f"COPY of the same rows: {copy_rows:,} in {copy_s:.2f} s = {copy_rows / copy_s:,.0f} rows/s"
    )
    print(
        f"journal CSV (HTTP, {m[0]}..{m[1]}): {jcsv_rows:,} rows in {jcsv_s:.2f} s = {jcsv_rows / jcsv_s:,.0f} "
        f"rows/s; COPY of the same rows: {jcopy_rows:,} in {jcopy_s:.2f} s = {jcopy_rows / jcopy_s:,.0f} rows/s"
    )
    print(
        json.dumps(
            {
                "lots": args.lots,
                "usage": args.usage,
                "entries": entries,
                "valuation_p95_ms": round(valuation_p95, 1),
                "valuation_csv_rows_per_s": round(csv_rows / csv_s),
                "copy_rows_per_s": round(copy_rows / copy_s),
                "rollforward_p95_ms": round(rollforward_p95, 1),
                "aging_p95_ms": round(aging_p95, 1),
                "journal_summary_p95_ms": round(summary_p95, 1),
                "journal_csv_rows_per_s": round(jcsv_rows / jcsv_s),
                "home_p95_ms": round(home_p95, 1),
                "home_queries": home_queries,
            }
        )
    )


def statistics_p50(values: list[float]) -> float:
    return percentile(values, 50)


def copy_out(sql_text: str, params: dict) -> tuple[int, float]:
    """COPY (the statement) TO STDOUT as CSV: PostgreSQL's own speed for the same rows."""
    from django.db import connection

    from reports.selectors import tuned

    with connection.cursor() as cursor:
        bound = cursor.cursor.mogrify(sql_text, params)
        with tuned():
            start = time.perf_counter()
            rows = 0
            with cursor.cursor.copy(f"COPY ({bound}) TO STDOUT (FORMAT csv)") as copy:
                for chunk in copy:
                    rows += bytes(chunk).count(b"\n")
            return rows, time.perf_counter() - start


def http_rows(client, url: str) -> tuple[int, float]:
    start = time.perf_counter()
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    rows = sum(chunk.count(b"\n") for chunk in response.streaming_content) - 1  # the header
    return rows, time.perf_counter() - start


if __name__ == "__main__":
    main()
