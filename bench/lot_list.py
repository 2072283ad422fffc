"""Lot list page at scale: `python bench/lot_list.py --lots 100000`.

Seeds N lots (SQL) into the database `ll_bench_lot_list` on the same server, then renders the
lot list's first page 50 times in-process (Django test client: URL resolution, filter, query,
table, template) and prints p50/p95 server time and the queries per page."""

from __future__ import annotations

import argparse
import json

from common import count, parse_args, reset_ledger, seed_lots, setup_django, summary, timed, viewer_client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lots", type=int, default=100_000)
    parser.add_argument("--lics", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=50)
    args = parse_args(parser, lots=5_000, lics=50, repeat=3)

    setup_django("ll_bench_lot_list")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if count("inventory_lots_lot") != args.lots:
        reset_ledger()
        seed_lots(args.lots, args.lics)
    client = viewer_client()
    some_lic = "BL00007"
    cases = {
        "default (newest first)": "/lots/",
        "status=open": "/lots/?status=open",
        f"lic={some_lic}": f"/lots/?lic={some_lic}",
        "office=OF2": "/lots/?office=OF2",
        "date range": "/lots/?date_from=2025-01-01&date_to=2025-02-01",
        "q=lot number": "/lots/?q=PL-000042",
        "sort=date (oldest)": "/lots/?sort=date",
        "page 20": "/lots/?page=20",
    }
    rows = []
    for name, url in cases.items():
        assert client.get(url).status_code == 200, url  # warm up + sanity
        times = timed(lambda url=url: client.get(url), args.repeat)
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        p50, p95, worst = summary(times)
        rows.append((name, p50, p95, worst, len(ctx.captured_queries)))

    print(f"Lot list, {args.lots:,} lots, {args.repeat} requests per case (in-process server time)")
    print(f"{'case':<26}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'queries':>9}")
    for name, p50, p95, worst, queries in rows:
        print(f"{name:<26}{p50:>9.1f}{p95:>9.1f}{worst:>9.1f}{queries:>9}")
    default = rows[0]
    print(
        json.dumps(
            {
                "lots": args.lots,
                "list_p50_ms": round(default[1], 1),
                "list_p95_ms": round(default[2], 1),
                "queries_per_page": default[4],
                "worst_filter_p95_ms": round(max(r[2] for r in rows), 1),
            }
        )
    )


if __name__ == "__main__":
    main()
