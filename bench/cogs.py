"""COGS engine benchmark: `.venv/bin/python bench/cogs.py [--lots N --usage N --lics N --transfers PCT]`.

Seeds (SQL, marking PendingCogs) lots and usage over LICs x 3 offices in its own database
(ll_bench_cogs, or $LOTLEDGER_BENCH_DB), then measures: (a) the first full run with 1 worker process and with 2, beside
PostgreSQL's own cost for the same data (COPY out of the lot and usage rows the run reads, measured
before it, COPY in of as many entry rows as it wrote: the median of three tries, each after a
CHECKPOINT as the run starts after one); (b) an incremental run after 1,000 new usage records and 50
returns; (c) a run with nothing to do; (d) the revaluation run after a late cost change on one lot
with 10,000 units shipped. Prints a table, then one JSON line with the figures.

``--transfers PCT``: PCT % of the seeded usage are transfers to another office instead of shipments,
seeded in the rows ``transfers.services.post_transfer`` writes (a transfer, its line, a ``transfer``
usage in the source office, a ``transfer`` lot in the destination at a provisional cost), so the full
run also costs the transfer lots in dependency order and the usage taken out of them (in the job that
plans them, decision 0022; the table shows how many rounds the run took).
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import os
import resource
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lotledger.settings")
# a database of its own on the same server (bench/common.py: LOTLEDGER_BENCH_DB_SUFFIX)
DB = os.environ.get("LOTLEDGER_BENCH_DB", "ll_bench_cogs" + os.environ.get("LOTLEDGER_BENCH_DB_SUFFIX", ""))
os.environ["LOTLEDGER_DB_NAME"] = DB

import django  # noqa: E402

django.setup()

from common import parse_args  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

RUN_DATE = "2026-06-30"


def ensure_db() -> None:
    import psycopg

    s = connection.settings_dict
    with psycopg.connect(
        host=s["HOST"],
        port=s["PORT"] or 5432,
        user=s["USER"],
        password=s["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as c:
        if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB]).fetchone():
            c.execute(f'CREATE DATABASE "{DB}"')
    call_command("migrate", verbosity=0)


def sql(statement: str, params=None):
    with connection.cursor() as c:
        c.execute(statement, params)
        return c.fetchall() if c.description else None


SEED = """
TRUNCATE cogs_cogsentry, cogs_cogsrun, cogs_pendinglotcost, inventory_lots_pendingcogs,
         inventory_lots_lotcostchange, inventory_lots_inventoryusage, inventory_lots_lot, transfers_transferline,
         transfers_transfer CASCADE;
DROP TABLE IF EXISTS bench_transfer;
DELETE FROM inventory_lots_lineitemcode WHERE code LIKE 'BL-%%';
INSERT INTO inventory_lots_office (code, name) VALUES ('B1', 'Bench 1'), ('B2', 'Bench 2'), ('B3', 'Bench 3')
  ON CONFLICT (code) DO NOTHING;
INSERT INTO inventory_lots_lineitemcode (code, description, inventoried, serialized, track_by_mfr_lot,
                                         costing_method, unit, active)
  SELECT 'BL-' || lpad(g::text, 6, '0'), 'bench item', true, false, false,
         CASE WHEN g %% 10 = 0 THEN 'lifo' ELSE 'fifo' END, 'ea', true
  FROM generate_series(1, %(lics)s) g;
CREATE TEMP TABLE bl AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id FROM inventory_lots_lineitemcode
  WHERE code LIKE 'BL-%%';
CREATE TEMP TABLE bo AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id FROM inventory_lots_office
  WHERE code IN ('B1', 'B2', 'B3');
INSERT INTO inventory_lots_lot (number, type, office_id, lic_id, date, transaction_type_id, transaction_id,
    transaction_label, parent_order_label, serialized, track_by_mfr_lot, mfr_lot_number, released, qty_in, qty_used,
    unit_cost, value_used)
  SELECT 'BL' || lpad(g::text, 8, '0'), 'purchase', o.id, l.id, date '2025-01-01' + (g * 7919 %% 360)::int,
         %(ct)s, g, 'bench', '', false, false, '', true, 40 + (g * 31 %% 120), 0,
         round((1 + (g * 17 %% 5000) / 100.0)::numeric, 6) + 0.333333, 0
  FROM generate_series(0::bigint, %(lots)s - 1) g
  JOIN bl l ON l.n = g %% %(lics)s JOIN bo o ON o.n = (g / %(lics)s) %% 3;
INSERT INTO inventory_lots_inventoryusage (date, quantity, kind, source_type_id, source_id, source_label,
    serial_numbers, lic_id, office_id)
  SELECT date '2025-01-05' + (g * 104729 %% 360)::int, 1 + (g * 13 %% 9) + (g %% 4) * 0.25, 'shipment', %(ct)s, g,
         'bench', '[]', l.id, o.id
  FROM generate_series(0::bigint, %(usage)s - 1) g
  JOIN bl l ON l.n = g %% %(lics)s JOIN bo o ON o.n = (g / %(lics)s) %% 3
  WHERE abs(hashtext(g::text)) %% 10000 >= %(transfer_bp)s;
INSERT INTO inventory_lots_pendingcogs (lic_id, office_id)
  SELECT DISTINCT lic_id, office_id FROM inventory_lots_lot ON CONFLICT DO NOTHING;
"""

# The usage rows SEED left out (hash of g below the share, in basis points) become transfers: one
# transfer of one line each, from the usage's office to one of the two others, on the usage's date; the
# ids are drawn first so that the rows can name each other as the service's do (the line names its
# usage and its lot, the lot its line as transaction, the usage its transfer as source). The lot's
# provisional cost is the LIC's average purchase cost in the source office (the service's default
# adjustment unit cost, DOMAIN.md 4, at the start); bench_transfer keeps it for RESET.
TRANSFERS = """
CREATE TABLE bench_transfer AS
  SELECT g, nextval(pg_get_serial_sequence('transfers_transfer', 'id')) AS transfer_id,
         nextval(pg_get_serial_sequence('transfers_transferline', 'id')) AS line_id,
         nextval(pg_get_serial_sequence('inventory_lots_inventoryusage', 'id')) AS usage_id,
         nextval(pg_get_serial_sequence('inventory_lots_lot', 'id')) AS lot_id,
         'BTR' || lpad(g::text, 8, '0') AS number, l.id AS lic_id, o.id AS from_id, d.id AS to_id,
         date '2025-01-05' + (g * 104729 %% 360)::int AS date,
         1 + (g * 13 %% 9) + (g %% 4) * 0.25 AS quantity, 0::numeric AS cost
  FROM generate_series(0::bigint, %(usage)s - 1) g
  JOIN bl l ON l.n = g %% %(lics)s JOIN bo o ON o.n = (g / %(lics)s) %% 3
  JOIN bo d ON d.n = (o.n + 1 + (abs(hashtext(g::text)) / 10000) %% 2) %% 3
  WHERE abs(hashtext(g::text)) %% 10000 < %(transfer_bp)s;
UPDATE bench_transfer b SET cost = coalesce(a.cost, 10)
  FROM (SELECT lic_id, office_id, round(sum(qty_in * unit_cost) / sum(qty_in), 6) AS cost
        FROM inventory_lots_lot GROUP BY lic_id, office_id) a
  WHERE a.lic_id = b.lic_id AND a.office_id = b.from_id;
INSERT INTO transfers_transfer (id, number, from_office_id, to_office_id, date, reason)
  SELECT transfer_id, number, from_id, to_id, date, '' FROM bench_transfer;
INSERT INTO inventory_lots_inventoryusage (id, date, quantity, kind, source_type_id, source_id, source_label,
    serial_numbers, lic_id, office_id)
  SELECT usage_id, date, quantity, 'transfer', %(transfer_ct)s, transfer_id, number, '[]', lic_id, from_id
  FROM bench_transfer;
INSERT INTO inventory_lots_lot (id, number, type, office_id, lic_id, date, transaction_type_id, transaction_id,
    transaction_label, parent_order_label, serialized, track_by_mfr_lot, mfr_lot_number, released, qty_in, qty_used,
    unit_cost, value_used)
  SELECT lot_id, 'BT' || lpad(g::text, 8, '0'), 'transfer', to_id, lic_id, date, %(line_ct)s, line_id,
         number || '/1', '', false, false, '', true, quantity, 0, cost, 0
  FROM bench_transfer;
INSERT INTO transfers_transferline (id, transfer_id, line_no, lic_id, quantity, serial_numbers, mfr_lot_number,
    usage_id, lot_id)
  SELECT line_id, transfer_id, 1, lic_id, quantity, '[]', '', usage_id, lot_id FROM bench_transfer;
INSERT INTO inventory_lots_pendingcogs (lic_id, office_id)
  SELECT lic_id, to_id FROM bench_transfer UNION SELECT lic_id, from_id FROM bench_transfer ON CONFLICT DO NOTHING;
"""

# the transfer lots back at their provisional cost (the first run recomputed them)
RESET_TRANSFERS = """
UPDATE inventory_lots_lot l SET unit_cost = b.cost FROM bench_transfer b
  WHERE l.id = b.lot_id AND l.unit_cost <> b.cost;
DELETE FROM inventory_lots_lotcostchange WHERE cause = 'transfer_recompute';
"""

HEAVY = """
INSERT INTO inventory_lots_lineitemcode (code, description, inventoried, serialized, track_by_mfr_lot,
    costing_method, unit, active) VALUES ('BL-HEAVY', 'heavily used', true, false, false, 'fifo', 'ea', true);
INSERT INTO inventory_lots_lot (number, type, office_id, lic_id, date, transaction_type_id, transaction_id,
    transaction_label, parent_order_label, serialized, track_by_mfr_lot, mfr_lot_number, released, qty_in, qty_used,
    unit_cost, value_used)
  SELECT 'BLHEAVY', 'purchase', o.id, l.id, date '2025-01-01', %(ct)s, 0, 'bench', '', false, false, '', true,
         20000, 0, 12.5, 0
  FROM inventory_lots_lineitemcode l, inventory_lots_office o WHERE l.code = 'BL-HEAVY' AND o.code = 'B1';
INSERT INTO inventory_lots_inventoryusage (date, quantity, kind, source_type_id, source_id, source_label,
    serial_numbers, lic_id, office_id)
  SELECT date '2025-02-01' + (g %% 100), 5, 'shipment', %(ct)s, g, 'bench', '[]', l.id, o.id
  FROM generate_series(1, 2000) g, inventory_lots_lineitemcode l, inventory_lots_office o
  WHERE l.code = 'BL-HEAVY' AND o.code = 'B1';
INSERT INTO inventory_lots_pendingcogs (lic_id, office_id)
  SELECT l.id, o.id FROM inventory_lots_lineitemcode l, inventory_lots_office o
  WHERE l.code = 'BL-HEAVY' AND o.code = 'B1' ON CONFLICT DO NOTHING;
"""

RESET = """
TRUNCATE cogs_cogsentry, cogs_pendinglotcost;
UPDATE inventory_lots_lot SET qty_used = 0, value_used = 0 WHERE qty_used <> 0 OR value_used <> 0;
UPDATE inventory_lots_usagecogs SET allocated_quantity = 0, cogs_value = 0, accrued_value = 0,
  no_cost_basis = false WHERE allocated_quantity <> 0 OR accrued_value <> 0 OR no_cost_basis;
INSERT INTO inventory_lots_pendingcogs (lic_id, office_id)
  SELECT DISTINCT lic_id, office_id FROM inventory_lots_lot ON CONFLICT DO NOTHING;
"""


def seed(args) -> None:
    from django.contrib.contenttypes.models import ContentType

    from inventory_lots.models import InventoryAdjustment
    from transfers.models import Transfer, TransferLine

    ct = ContentType.objects.get_for_model(InventoryAdjustment).pk
    params = {
        "lics": args.lics,
        "lots": args.lots,
        "usage": args.usage,
        "ct": ct,
        "transfer_bp": round(args.transfers * 100),
        "transfer_ct": ContentType.objects.get_for_model(Transfer).pk,
        "line_ct": ContentType.objects.get_for_model(TransferLine).pk,
    }
    sql(SEED, params)
    if args.transfers:
        sql(TRANSFERS, params)
    sql(HEAVY, params)
    connection.close()
    vacuum()


def vacuum() -> None:
    import psycopg

    s = connection.settings_dict
    with psycopg.connect(host=s["HOST"], port=s["PORT"] or 5432, user=s["USER"], dbname=DB, autocommit=True) as c:
        for table in (
            "inventory_lots_lot",
            "inventory_lots_inventoryusage",
            "inventory_lots_usagecogs",
            "inventory_lots_unallocatedusage",
            "cogs_cogsentry",
            "inventory_lots_pendingcogs",
            "transfers_transferline",
        ):
            c.execute(f"VACUUM ANALYZE {table}")
        # the seed's (or reset's) dirty pages and WAL are flushed now, not during the measured run
        c.execute("CHECKPOINT")


# --- the full run on N worker processes ----------------------------------------------------------


def _worker(jobs, results) -> None:
    from cogs import services
    from cogs.services.pipeline import PHASES, switch_interval_tuning

    connection.close()
    try:
        while True:
            spec = jobs.get()
            if spec is None:
                break
            with switch_interval_tuning():  # a worker process, as procrastinate's
                services.run_job(spec=spec)
    finally:
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        results.put((peak_mb, dict(PHASES)))
        connection.close()


def full_run(workers: int) -> tuple[float, float, dict, object]:
    """Time one run from start to done with ``workers`` processes taking its jobs."""
    import datetime

    from cogs import services
    from cogs.models import CogsRun

    ctx = multiprocessing.get_context("fork")
    start = time.perf_counter()
    run = services.start_cogs_run(actor=None, date=datetime.date.fromisoformat(RUN_DATE))
    jobs, results = ctx.Queue(), ctx.Queue()
    connection.close()
    procs = [ctx.Process(target=_worker, args=(jobs, results)) for _ in range(workers)]
    for p in procs:
        p.start()
    while True:
        specs = services.plan_round(run_id=run.pk)
        if not specs:
            break
        connection.close()
        for spec in specs:
            jobs.put(spec)
        while CogsRun.objects.filter(pk=run.pk).values_list("jobs_done", flat=True).get() < len(specs):
            time.sleep(0.02)
    for _ in procs:
        jobs.put(None)
    outs = [results.get() for _ in procs]
    for p in procs:
        p.join()
    elapsed = time.perf_counter() - start
    phases: dict = {}
    for _, ph in outs:
        for k, v in ph.items():
            phases[k] = phases.get(k, 0.0) + v
    return elapsed, max(mb for mb, _ in outs), phases, CogsRun.objects.get(pk=run.pk)


LOTS_OUT = (
    "COPY (SELECT id, lic_id, date, qty_in, qty_used, unit_cost, value_used, released "
    "FROM inventory_lots_lot) TO STDOUT"
)
# the rows the run reads of each unallocated usage: its UsageCogs row (which carries the engine's copy of the usage)
USAGE_OUT = (
    "COPY (SELECT usage_id, lic_id, date, quantity, allocated_quantity, lot_id, returns_usage_id, "
    "accrued_value, no_cost_basis, production_order_id FROM inventory_lots_usagecogs "
    "WHERE quantity <> allocated_quantity) TO STDOUT"
)


def copy_out(*queries: str) -> float:
    with connection.cursor() as c:
        start = time.perf_counter()
        for q in queries:
            with c.cursor.copy(q) as cp:
                for _ in cp:
                    pass
    return time.perf_counter() - start


def copy_in_entries(entries: int, tries: int = 3) -> list[float]:
    """COPY ``entries`` entry rows (the ones the run wrote) into a table like cogs_cogsentry, ``tries``
    times, each after a CHECKPOINT: the run itself starts from a checkpoint, and right after it the
    shared buffers are full of its dirty pages, whose eviction would be charged to the bound."""
    cols = "run_id, kind, lic_id, office_id, lot_id, usage_id, date, quantity, value, unit_cost"
    with connection.cursor() as c:
        raw = c.cursor
        buf = io.BytesIO()
        with raw.copy(f"COPY (SELECT {cols} FROM cogs_cogsentry ORDER BY id LIMIT {int(entries)}) TO STDOUT") as cp:
            for chunk in cp:
                buf.write(chunk)
    times = []
    for _ in range(tries):
        with connection.cursor() as c:
            raw = c.cursor
            c.execute("DROP TABLE IF EXISTS bench_entry_copy")
            c.execute("CREATE TABLE bench_entry_copy (LIKE cogs_cogsentry INCLUDING ALL)")
            c.execute("CHECKPOINT")
            start = time.perf_counter()
            with raw.copy(f"COPY bench_entry_copy ({cols}) FROM STDIN") as cp:
                cp.write(buf.getvalue())
            times.append(time.perf_counter() - start)
            c.execute("DROP TABLE bench_entry_copy")
    return times


# --- incremental, no-op, revaluation -----------------------------------------------------------------

NEW_USAGE = """
INSERT INTO inventory_lots_inventoryusage (date, quantity, kind, source_type_id, source_id, source_label,
    serial_numbers, lic_id, office_id)
  SELECT date '2026-01-10', 1 + g %% 5, 'shipment', %(ct)s, g, 'bench new', '[]', l.id, o.id
  FROM generate_series(1, 1000) g
  JOIN bl l ON l.n = (g * 7) %% %(lics)s JOIN bo o ON o.n = g %% 3;
INSERT INTO inventory_lots_inventoryusage (date, quantity, kind, source_type_id, source_id, source_label,
    serial_numbers, lic_id, office_id)
  SELECT date '2026-01-11', -1, 'return', %(ct)s, g, 'bench return', '[]', l.id, o.id
  FROM generate_series(1, 50) g
  JOIN bl l ON l.n = (g * 97) %% %(lics)s JOIN bo o ON o.n = g %% 3;
INSERT INTO inventory_lots_pendingcogs (lic_id, office_id)
  SELECT DISTINCT lic_id, office_id FROM inventory_lots_inventoryusage WHERE source_label LIKE 'bench %%'
  ON CONFLICT DO NOTHING;
"""


def timed_inline_run():
    import datetime

    from cogs import services
    from cogs.services.pipeline import switch_interval_tuning

    start = time.perf_counter()
    with switch_interval_tuning():  # as the run_cogs command
        run = services.run_cogs_now(actor=None, date=datetime.date.fromisoformat(RUN_DATE))
    return time.perf_counter() - start, run


def incremental(args) -> tuple[float, object]:
    from django.contrib.contenttypes.models import ContentType

    from inventory_lots.models import InventoryAdjustment

    ct = ContentType.objects.get_for_model(InventoryAdjustment).pk
    sql(
        "CREATE TEMP TABLE IF NOT EXISTS bl AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id "
        "FROM inventory_lots_lineitemcode WHERE code LIKE 'BL-%%' AND code <> 'BL-HEAVY'"
    )
    sql(
        "CREATE TEMP TABLE IF NOT EXISTS bo AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id "
        "FROM inventory_lots_office WHERE code IN ('B1', 'B2', 'B3')"
    )
    sql(NEW_USAGE, {"ct": ct, "lics": args.lics})
    sql("ANALYZE inventory_lots_pendingcogs")
    return timed_inline_run()


def revalue() -> tuple[float, object]:
    import datetime

    from inventory_lots.models import Lot
    from inventory_lots.services import correct_lot_unit_cost

    lot = Lot.objects.get(number="BLHEAVY")
    assert lot.qty_used == Decimal("10000"), lot.qty_used
    correct_lot_unit_cost(
        lot=lot,
        new_unit_cost=Decimal("12.777777"),
        reason="late freight",
        date=datetime.date.fromisoformat(RUN_DATE),
        actor=None,
    )
    return timed_inline_run()


TRANSFER_FIGURES = """
SELECT (SELECT count(*) FROM transfers_transferline),
       (SELECT count(*) FROM inventory_lots_lotcostchange WHERE cause = 'transfer_recompute'),
       (SELECT count(DISTINCT e.lot_id) FROM cogs_cogsentry e JOIN transfers_transferline t ON t.lot_id = e.lot_id),
       (SELECT count(DISTINCT e.usage_id) FROM cogs_cogsentry e JOIN transfers_transferline t ON t.lot_id = e.lot_id),
       (SELECT count(DISTINCT e.usage_id) FROM cogs_cogsentry e JOIN transfers_transferline t ON t.lot_id = e.lot_id
        JOIN transfers_transferline u ON u.usage_id = e.usage_id),
       (SELECT count(*) FROM cogs_cogsrunexception WHERE run_id = %s)
"""


def transfer_figures(run) -> dict:
    """What the run did with the transfers (read before the next RESET)."""
    (row,) = sql(TRANSFER_FIGURES, [run.pk])
    keys = ("transfer_lots", "recomputed", "lots_used", "used_from_transfer_lots", "chained", "cycles")
    return dict(zip(keys, row, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lots", type=int, default=200_000)
    parser.add_argument("--usage", type=int, default=1_000_000)
    parser.add_argument("--lics", type=int, default=5_000)
    parser.add_argument("--transfers", type=float, default=0.0, metavar="PCT", help="%% of the usage as transfers")
    args = parse_args(parser, lots=2_000, usage=10_000, lics=100)
    ensure_db()
    t = time.perf_counter()
    seed(args)
    print(
        f"seeded {args.lots:,} lots, {args.usage:,} usage over {args.lics:,} LICs x 3 offices "
        f"(+1 heavily used lot) in {time.perf_counter() - t:.1f} s",
        flush=True,
    )

    # The bound: COPY out of the lot and usage rows the first run reads (every usage row is unallocated
    # before it, so this is measured before the run) + COPY in of as many entry rows as it writes.
    # ("bound_old_s": the usage COPY after the run, when no usage is unallocated, as first measured.)
    lots_out = copy_out(LOTS_OUT)
    usage_out = copy_out(USAGE_OUT)
    connection.close()
    full_1, peak_1, phases_1, run_1 = full_run(1)
    entries_tries = copy_in_entries(run_1.entries_posted)
    entries_in = statistics.median(entries_tries)
    bound = lots_out + usage_out + entries_in
    bound_old = lots_out + copy_out(USAGE_OUT) + entries_in
    transfers_1 = transfer_figures(run_1) if args.transfers else None
    sql(RESET)
    if args.transfers:
        sql(RESET_TRANSFERS)
    connection.close()
    vacuum()
    full_2, peak_2, phases_2, run_2 = full_run(2)
    assert run_2.entries_posted == run_1.entries_posted and run_2.value_posted == run_1.value_posted
    if args.transfers:
        assert transfer_figures(run_2) == transfers_1, (transfer_figures(run_2), transfers_1)
    from cogs.selectors import ledger_violations

    violations = len(ledger_violations()) if args.usage <= 200_000 else None
    inc_s, inc = incremental(args)
    noop_s, noop = timed_inline_run()
    reval_s, reval = revalue()

    rows = [
        (
            "full run, 1 worker",
            f"{full_1:.2f} s",
            f"{run_1.entries_posted:,} entries, value {run_1.value_posted}, "
            f"unallocated {run_1.unallocated_quantity.normalize():f}, peak {peak_1:.0f} MB",
        ),
        ("full run, 2 workers", f"{full_2:.2f} s", f"peak {peak_2:.0f} MB per process"),
        (
            "PostgreSQL bound",
            f"{bound:.2f} s",
            f"COPY out lots {lots_out:.2f} s + usage read {usage_out:.2f} s, "
            f"COPY in the entries {entries_in:.2f} s (median of {', '.join(f'{t:.2f}' for t in entries_tries)}, "
            f"each after a checkpoint; old measure, usage after the run: {bound_old:.2f} s)",
        ),
        ("ratio to bound", f"{full_1 / bound:.2f}x", f"2 workers: {full_2 / bound:.2f}x"),
        ("incremental run", f"{inc_s:.3f} s", f"{inc.pairs_done} pairs, {inc.entries_posted} entries"),
        ("nothing to do", f"{noop_s:.3f} s", f"{noop.entries_posted} entries"),
        ("revaluation run", f"{reval_s:.3f} s", f"{reval.entries_posted} entries, value {reval.value_posted}"),
        (
            "1-worker profile",
            "",
            ", ".join(f"{k} {v:.2f}s" for k, v in sorted(phases_1.items(), key=lambda kv: -kv[1])),
        ),
        (
            "2-worker profile",
            "",
            "summed over both: "
            + ", ".join(f"{k} {v:.2f}s" for k, v in sorted(phases_2.items(), key=lambda kv: -kv[1])),
        ),
    ]
    if transfers_1 is not None:
        rows.insert(
            4,
            (
                "transfers",
                f"{transfers_1['transfer_lots']:,}",
                f"transfer lots ({args.transfers:g} % of the usage); the full run: {run_1.round} rounds, "
                f"{transfers_1['recomputed']:,} transfer lots recomputed, {transfers_1['lots_used']:,} transfer "
                f"lots used ({transfers_1['used_from_transfer_lots']:,} usage records took from them, "
                f"{transfers_1['chained']:,} of them transfers), {transfers_1['cycles']} cost cycles reported",
            ),
        )
    if violations is not None:
        rows.append(("ledger violations", str(violations), "ledger_violations() after the 2-worker run"))
    width = max(len(r[0]) for r in rows)
    for name, fig, note in rows:
        print(f"{name:<{width}}  {fig:>10}  {note}")
    print(
        json.dumps(
            {
                "lots": args.lots,
                "usage": args.usage,
                "full_run_s": round(full_1, 3),
                "full_run_2w_s": round(full_2, 3),
                "bound_s": round(bound, 3),
                "bound_old_s": round(bound_old, 3),
                "ratio_to_bound": round(full_1 / bound, 2),
                "ratio_to_bound_2w": round(full_2 / bound, 2),
                "peak_mb": round(max(peak_1, peak_2)),
                "incremental_s": round(inc_s, 3),
                "noop_s": round(noop_s, 3),
                "revalue_s": round(reval_s, 3),
                **(
                    {"transfers_pct": args.transfers, "rounds": run_1.round, **transfers_1}
                    if transfers_1 is not None
                    else {}
                ),
            }
        )
    )


if __name__ == "__main__":
    main()
