"""Accountants' lists at scale: `python bench/lists.py --lots 1000000 --usage 5000000`.

Seeds lots and usage (SQL) into `ll_bench_lists`, then measures in-process server time:
the lot list's first page for the default ordering and each filter, the usage list, both lists
for a user who sees one office of the three (``scoped_list_p95_ms``: the slower of the two), the CSV
export of every lot (rows/s and the process's peak memory growth) beside PostgreSQL's own
`COPY (same query) TO STDOUT`, and the API lot detail. Prints a table, then one JSON line."""

from __future__ import annotations

import argparse
import json
import random
import threading
import time

from common import (
    count,
    parse_args,
    reset_ledger,
    scoped_client,
    seed_documents,
    seed_lots,
    seed_usage,
    setup_django,
    summary,
    timed,
    viewer_client,
)


class PeakRss:
    """Samples this process's RSS every 5 ms while running."""

    def __init__(self):
        import psutil

        self.proc = psutil.Process()
        self.base = self.peak = self.proc.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(0.005)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.base) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lots", type=int, default=1_000_000)
    parser.add_argument("--usage", type=int, default=5_000_000)
    parser.add_argument("--lics", type=int, default=5_000)
    parser.add_argument("--purchase-orders", type=int, default=200_000)
    parser.add_argument("--production-orders", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=50)
    args = parse_args(parser, lots=5_000, usage=10_000, lics=50, purchase_orders=500, production_orders=200, repeat=3)

    setup_django("ll_bench_lists")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    t0 = time.perf_counter()
    if count("inventory_lots_lot") != args.lots or count("inventory_lots_inventoryusage") != args.usage:
        reset_ledger()
        seed_lots(args.lots, args.lics)
        seed_usage(args.usage)
    if (
        count("purchasing_purchaseorder") != args.purchase_orders
        or count("production_productionorder") != args.production_orders
    ):
        seed_documents(args.purchase_orders, args.production_orders)
    seed_s = time.perf_counter() - t0
    client = viewer_client()
    lot_cases = {
        "lots: default (newest first)": "/lots/",
        "lots: status=open": "/lots/?status=open",
        "lots: status=closed": "/lots/?status=closed",
        "lots: lic": "/lots/?lic=BL00007",
        "lots: office": "/lots/?office=OF2",
        "lots: type=purchase": "/lots/?type=purchase",
        "lots: date range": "/lots/?date_from=2025-01-01&date_to=2025-02-01",
        "lots: lic+status+dates": "/lots/?lic=BL00007&status=open&date_from=2024-06-01",
        "lots: q=lot number": "/lots/?q=PL-000042",
        "lots: q=LIC text": "/lots/?q=Bench+item+77",
        "lots: sort=date (oldest)": "/lots/?sort=date",
    }
    usage_cases = {
        "usage: default": "/usage/",
        "usage: lic": "/usage/?lic=BL00007",
        "usage: office+kind": "/usage/?office=OF1&kind=shipment",
        "usage: unallocated": "/usage/?unallocated=true",
        "POs: default": "/purchasing/",
        "POs: status=open": "/purchasing/?status=open",
        "POs: vendor": "/purchasing/?vendor=BV7",
        "production orders: default": "/production/",
        "production orders: status": "/production/?status=released",
    }
    rows = []
    for name, url in {**lot_cases, **usage_cases}.items():
        assert client.get(url).status_code == 200, url
        times = timed(lambda url=url: client.get(url), args.repeat)
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        p50, p95, worst = summary(times)
        rows.append((name, p50, p95, worst, len(ctx.captured_queries)))

    # a user who sees one office of the three (DOMAIN.md 11): the same lists, read through visible_to
    scoped = scoped_client("OF2")
    scoped_rows = []
    for name, url in {"scoped lots: default": "/lots/", "scoped usage: default": "/usage/"}.items():
        assert scoped.get(url).status_code == 200, url
        times = timed(lambda url=url: scoped.get(url), args.repeat)
        with CaptureQueriesContext(connection) as ctx:
            scoped.get(url)
        p50, p95, worst = summary(times)
        scoped_rows.append((name, p50, p95, worst, len(ctx.captured_queries)))
    rows.extend(scoped_rows)

    # CSV export of every lot, streamed, vs COPY of the same query
    from inventory_lots import exports, selectors

    export_sql, export_params = exports.export_queryset(selectors.lot_list()).query.sql_with_params()
    start = time.perf_counter()
    with (
        connection.cursor() as cur,
        cur.cursor.copy(f"COPY ({export_sql}) TO STDOUT (FORMAT csv)", export_params) as copy,
    ):
        copy_rows = sum(bytes(chunk).count(b"\n") for chunk in copy)
    copy_s = time.perf_counter() - start
    client.get("/lots/export.csv?lic=BL00001")  # warm
    with PeakRss() as rss:
        start = time.perf_counter()
        response = client.get("/lots/export.csv")
        export_bytes = export_rows = 0
        for chunk in response.streaming_content:
            export_bytes += len(chunk)
            export_rows += chunk.count(b"\n")
        export_s = time.perf_counter() - start
    export_rows -= 1  # header
    assert export_rows == args.lots == copy_rows, (export_rows, copy_rows)

    lot_ids = [random.randint(1, args.lots) for _ in range(args.repeat)]
    from inventory_lots.models import Lot

    first = Lot.objects.order_by("pk").values_list("pk", flat=True).first()
    ids = iter(lot_ids)
    api_times = timed(lambda: client.get(f"/api/v1/lots/{first - 1 + next(ids)}/"), args.repeat)
    api_p50, api_p95, _ = summary(api_times)

    print(
        f"Lists: {args.lots:,} lots, {args.usage:,} usage records, {args.purchase_orders:,} POs, "
        f"{args.production_orders:,} production orders (seeded in {seed_s:.0f} s); "
        f"{args.repeat} requests per case, in-process server time"
    )
    print(f"{'case':<32}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'queries':>9}")
    for name, p50, p95, worst, queries in rows:
        print(f"{name:<32}{p50:>9.1f}{p95:>9.1f}{worst:>9.1f}{queries:>9}")
    print(f"{'API lot detail':<32}{api_p50:>9.1f}{api_p95:>9.1f}")
    print(
        f"CSV export: {export_rows:,} rows, {export_bytes / 1e6:.0f} MB in {export_s:.2f} s = "
        f"{export_rows / export_s:,.0f} rows/s; peak memory growth {rss.growth_mb:.1f} MB"
    )
    print(f"COPY (same query) TO STDOUT: {copy_rows:,} rows in {copy_s:.2f} s = {copy_rows / copy_s:,.0f} rows/s")
    lot_rows = [r for r in rows if r[0].startswith("lots:")]
    print(
        json.dumps(
            {
                "lots": args.lots,
                "usage": args.usage,
                "list_p95_ms": round(lot_rows[0][2], 1),
                "worst_filter_p95_ms": round(max(r[2] for r in lot_rows), 1),
                "queries_per_page": lot_rows[0][4],
                "export_rows_per_s": round(export_rows / export_s),
                "copy_rows_per_s": round(copy_rows / copy_s),
                "export_peak_growth_mb": round(rss.growth_mb, 1),
                "api_detail_p95_ms": round(api_p95, 1),
                "scoped_list_p95_ms": round(max(r[2] for r in scoped_rows), 1),
                "scoped_queries_per_page": max(r[4] for r in scoped_rows),
            }
        )
    )


if __name__ == "__main__":
    main()
