"""Period-close reports at scale: `python bench/reports.py --lots 100000`.

Seeds N purchase lots (SQL; a third used up, each with its allocation entry), N/2 shipments and
a unit cost change on every 50th lot into the database `ll_bench_reports` on the same server, then
times the report selectors and pages in-process: the valuation's totals and first page (per lot,
per LIC, one office, one office and LIC), a month's roll-forward, the aging, and the whole
valuation CSV streamed. Prints p50 / max over --repeat runs and one JSON line. Never asserted."""

from __future__ import annotations

import argparse
import datetime
import json

from common import count, parse_args, reset_ledger, seed_lots, seed_usage, setup_django, summary, timed, viewer_client


def seed_history(lots: int) -> None:
    """An allocation entry for every used lot (its qty_used / value_used, dated 10 days after the
    lot) and a unit cost change on every 50th lot (dated 20 days after it)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("TRUNCATE cogs_cogsentry, inventory_lots_lotcostchange")
        cur.execute(
            """
            INSERT INTO cogs_cogsentry (run_id, kind, lic_id, office_id, lot_id, usage_id, date, quantity, value,
                                        unit_cost)
            SELECT 0, 1, l.lic_id, l.office_id, l.id, l.id, l.date + 10, l.qty_used, l.value_used, l.unit_cost
            FROM inventory_lots_lot l WHERE l.qty_used > 0
            """
        )
        cur.execute(
            """
            INSERT INTO inventory_lots_lotcostchange (lot_id, date, old_unit_cost, new_unit_cost, cause, reason,
                                                      source_label, created_at)
            SELECT l.id, l.date + 20, l.unit_cost - 0.5, l.unit_cost, 'manual', 'bench', '', now()
            FROM inventory_lots_lot l WHERE l.id % 50 = 0 AND l.unit_cost > 0.5
            """
        )
        cur.execute("ANALYZE cogs_cogsentry")
        cur.execute("ANALYZE inventory_lots_lotcostchange")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lots", type=int, default=100_000)
    parser.add_argument("--lics", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parse_args(parser, lots=5_000, lics=50, repeat=2)

    setup_django("ll_bench_reports")
    from reports import selectors
    from reports.selectors import Scope

    if count("inventory_lots_lot") != args.lots:
        reset_ledger()
        seed_lots(args.lots, args.lics)
        seed_usage(args.lots // 2)
        seed_history(args.lots)
    from inventory_lots.models import LineItemCode, Office

    office = Office.objects.get(code="OF2")
    lic = LineItemCode.objects.get(code="BL00007")
    as_of, month = datetime.date(2025, 6, 30), (datetime.date(2025, 6, 1), datetime.date(2025, 6, 30))
    client = viewer_client()
    cases = {
        "valuation totals": lambda: selectors.valuation_totals(as_of=as_of),
        "valuation page 1 (lots)": lambda: selectors.valuation_rows(as_of=as_of, limit=51),
        "valuation by LIC (all)": lambda: selectors.valuation_rows(as_of=as_of, group_by="lic"),
        "valuation office OF2 page": lambda: selectors.valuation_rows(
            as_of=as_of, scope=Scope(office_id=office.pk), limit=51
        ),
        "valuation OF2 + LIC": lambda: selectors.valuation_rows(
            as_of=as_of, scope=Scope(office_id=office.pk, lic_id=lic.pk)
        ),
        "roll-forward, a month": lambda: selectors.roll_forward(date_from=month[0], date_to=month[1]),
        "aging": lambda: selectors.aging(as_of=as_of),
        "valuation page (HTTP)": lambda: client.get(f"/reports/valuation/?as_of={as_of}").content,
        "valuation CSV (HTTP, all)": lambda: b"".join(
            client.get(f"/reports/valuation.csv?as_of={as_of}").streaming_content
        ),
    }
    rows = []
    for name, fn in cases.items():
        fn()  # warm up
        p50, _, worst = summary(timed(fn, args.repeat))
        rows.append((name, p50, worst))
    print(f"Reports, {args.lots:,} lots, {count('cogs_cogsentry'):,} entries, {args.repeat} runs per case")
    print(f"{'case':<30}{'p50 ms':>10}{'max ms':>10}")
    for name, p50, worst in rows:
        print(f"{name:<30}{p50:>10.0f}{worst:>10.0f}")
    print(json.dumps({"lots": args.lots, **{name: round(p50) for name, p50, _ in rows}}))


if __name__ == "__main__":
    main()
