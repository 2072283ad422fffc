"""Inventory transactions page at scale: `python bench/inventory_transactions.py [--movements 100000]`.

Seeds (SQL) one LIC in one office with half its movements lots born and half usage (shipments), dated
over ~3 years and interleaved, in the state a COGS run leaves (the usage allocated, every lot used up
but the ten newest), plus other LICs around it, into the database `ll_bench_inventory_transactions`;
then renders the page's first and last page (50 rows each) in-process (Django test client) and a
middle page reached by its cursor, and times the movements' selector alone for the first and last
page; prints p50/p95 server time and the queries per page. The running
balance of the last page is counted back from the balance now (open lots less unallocated usage), so no
page scans the history. LAST line: one JSON object of the figures."""

from __future__ import annotations

import argparse
import json

from common import count, parse_args, reset_ledger, seed_lots, setup_django, summary, timed, viewer_client

SEED_LOTS = """
INSERT INTO inventory_lots_lot (number, type, office_id, lic_id, date, transaction_type_id, transaction_id,
    transaction_label, parent_order_label, serialized, track_by_mfr_lot, mfr_lot_number, released, qty_in,
    qty_used, unit_cost, value_used)
SELECT 'TX-' || lpad(g::text, 8, '0'), 'purchase', %(office)s, %(lic)s, DATE '2024-01-01' + (g * 1000 / %(n)s),
       %(ct)s, g, 'ADJ-T' || g || '/1', '', false, false, '', true, 2,
       CASE WHEN g <= %(n)s - 10 THEN 2 ELSE 0 END, 1.5, CASE WHEN g <= %(n)s - 10 THEN 3 ELSE 0 END
FROM generate_series(1, %(n)s) g
"""

SEED_USAGE = """
INSERT INTO inventory_lots_inventoryusage (lic_id, office_id, date, quantity, kind, source_type_id, source_id,
    source_label, serial_numbers, created_at)
SELECT %(lic)s, %(office)s, DATE '2024-01-01' + (g * 1000 / %(n)s), CASE WHEN g <= %(n)s - 20 THEN 2 ELSE 1 END,
       'shipment', %(ct)s, g, 'SH-T' || g, '[]', now()
FROM generate_series(1, %(n)s) g
"""


def seed(movements: int) -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from inventory_lots.models import AdjustmentLine, LineItemCode, Office
    from orders.models import Shipment

    reset_ledger()
    seed_lots(20_000, 200)  # the rest of the ledger: other LICs, three offices
    office = Office.objects.get(code="OF1")
    lic, _ = LineItemCode.objects.get_or_create(code="BENCHTX", defaults={"inventoried": True})
    half = movements // 2
    with connection.cursor() as cur:
        params = {
            "office": office.pk,
            "lic": lic.pk,
            "n": half,
            "ct": ContentType.objects.get_for_model(AdjustmentLine).pk,
        }
        cur.execute(SEED_LOTS, params)
        cur.execute(SEED_USAGE, {**params, "ct": ContentType.objects.get_for_model(Shipment).pk})
        # what a COGS run leaves: the usage allocated (its unallocated marks go with the trigger)
        cur.execute("UPDATE inventory_lots_usagecogs SET allocated_quantity = quantity WHERE lic_id = %s", [lic.pk])


def vacuum() -> None:
    """The tables as autovacuum keeps them: the seed's allocation deleted 50,000 unallocated marks, whose
    dead index entries the on-hand sum would otherwise wade through (~10 ms) until autovacuum passes."""
    from django.db import connection

    with connection.cursor() as cur:
        for table in (
            "inventory_lots_lot",
            "inventory_lots_inventoryusage",
            "inventory_lots_usagecogs",
            "inventory_lots_unallocatedusage",
        ):
            cur.execute(f"VACUUM ANALYZE {table}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--movements", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=50)
    args = parse_args(parser, movements=2_000, repeat=3)

    setup_django("ll_bench_inventory_transactions")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from inventory_lots.models import InventoryUsage

    if (
        InventoryUsage.objects.filter(lic__code="BENCHTX").count() != args.movements // 2
        or count("inventory_lots_lot") < args.movements // 2
    ):
        seed(args.movements)
    vacuum()
    client = viewer_client()
    base = "/movements/inventory-transactions/?lic=BENCHTX&office=OF1"
    first = client.get(base)
    assert first.status_code == 200, first.content[:500]
    from inventory_lots.models import LineItemCode, Office
    from movements import selectors

    lic, office = LineItemCode.objects.get(code="BENCHTX"), Office.objects.get(code="OF1")
    middle_cursor = None
    for _ in range(20):  # twenty pages in, by the next links (the page's own cursors)
        middle_cursor = selectors.transactions_page(lic=lic, office=office, cursor=middle_cursor).next_cursor
    balance = selectors.transactions_page(lic=lic, office=office, last=True).rows[-1].balance
    from urllib.parse import quote

    middle = f"{base}&cursor={quote(middle_cursor)}"
    cases = {"first page": base, "page 21 (cursor)": middle, "last page": base + "&last=1"}
    rows = []
    for name, url in cases.items():
        times = timed(lambda url=url: client.get(url), args.repeat)
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        rows.append((name, *summary(times), len(ctx.captured_queries)))
    # the statement alone (no middleware, session or template): what the page's design controls
    for name, kw in (("first page, selector", {}), ("last page, selector", {"last": True})):
        times = timed(lambda kw=kw: selectors.transactions_page(lic=lic, office=office, **kw), args.repeat)
        with CaptureQueriesContext(connection) as ctx:
            selectors.transactions_page(lic=lic, office=office, **kw)
        rows.append((name, *summary(times), len(ctx.captured_queries)))
    print(f"Inventory transactions, one LIC with {args.movements:,} movements, {args.repeat} requests per case")
    print(f"{'case':<20}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'queries':>9}")
    for name, p50, p95, worst, queries in rows:
        print(f"{name:<20}{p50:>9.1f}{p95:>9.1f}{worst:>9.1f}{queries:>9}")
    print(f"last page's closing balance {balance} (the book on hand)")
    print(
        json.dumps(
            {
                "movements": args.movements,
                "first_page_p95_ms": round(rows[0][2], 1),
                "middle_page_p95_ms": round(rows[1][2], 1),
                "last_page_p95_ms": round(rows[2][2], 1),
                "queries_per_page": rows[0][4],
                "last_page_queries": rows[2][4],
                "first_page_selector_p95_ms": round(rows[3][2], 1),
                "last_page_selector_p95_ms": round(rows[4][2], 1),
            }
        )
    )


if __name__ == "__main__":
    main()
