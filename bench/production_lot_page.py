"""Production lot page at scale: `python bench/production_lot_page.py --usages 500 --job-costs 200`.

Builds (through the services) one production order with N component usages (issues and some
returns) and M job cost entries (capitalized and expensed, some reversed), produces its lot,
then renders the production lot page, the production order page and the API lot detail
repeatedly in-process (Django test client) and prints p50/p95 server time and queries per
request - next to the same figures for a small order (10 usages, 4 job costs), to show the query
count does not grow with the rows. Uses its own database `ll_bench_production_lot_page`."""

from __future__ import annotations

import argparse
import datetime
import json
from decimal import Decimal

from common import parse_args, setup_django, summary, timed, viewer_client

D = Decimal
DAY = datetime.date(2026, 1, 15)


def build_order(usages: int, job_costs: int, tag: str):
    from inventory_lots.models import LineItemCode, Office
    from inventory_lots.services import AdjustmentLineInput, post_adjustment
    from production import selectors, services

    office, _ = Office.objects.get_or_create(code="BPO", defaults={"name": "Bench production office"})
    comps = [LineItemCode.objects.get_or_create(code=f"BCOMP{i}", defaults={"inventoried": True})[0] for i in range(5)]
    product, _ = LineItemCode.objects.get_or_create(code="BPRODUCT", defaults={"inventoried": True})
    labour, _ = LineItemCode.objects.get_or_create(code="BLABOUR", defaults={"inventoried": False})
    post_adjustment(
        office=office,
        date=DAY,
        reason=f"bench stock {tag}",
        actor=None,
        lines=[AdjustmentLineInput(lic=c, quantity=D(10_000), unit_cost=D("1.25")) for c in comps],
    )
    mo = services.create_production_order(
        office=office, date=DAY, lic=product, estimated_quantity=D(100), estimated_unit_cost=D("30"), actor=None
    )
    issues = max(usages - usages // 10, 1)
    issued = services.issue_components(
        production_order=mo,
        date=DAY,
        actor=None,
        lines=[services.ComponentLine(lic=comps[i % len(comps)], quantity=D(1 + i % 7)) for i in range(issues)],
    )
    returns = usages - issues
    if returns:
        services.issue_components(
            production_order=mo,
            date=DAY,
            actor=None,
            lines=[services.ComponentLine(lic=u.lic, quantity=D(-1), returns_usage=u) for u in issued[:returns]],
        )
    posted = []
    reversals = job_costs // 20
    for i in range(job_costs - reversals):
        posted.append(
            services.post_job_cost(
                production_order=mo,
                date=DAY,
                lic=labour,
                description=f"work {i}",
                amount=D("12.50"),
                capitalized=i % 4 != 0,
                actor=None,
            )
        )
    for entry in posted[:reversals]:
        services.reverse_job_cost(entry=entry, date=DAY, actor=None)
    lot = services.produce(production_order=mo, date=DAY, quantity=D(100), actor=None)
    assert selectors.component_usages(mo).count() == usages
    assert mo.job_costs.count() == job_costs
    return mo, lot


def measure(client, url: str, repeat: int) -> tuple[float, float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert client.get(url).status_code == 200, url
    times = timed(lambda: client.get(url), repeat)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    p50, p95, worst = summary(times)
    return p50, p95, worst, len(ctx.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--usages", type=int, default=500)
    parser.add_argument("--job-costs", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=30)
    args = parse_args(parser, usages=50, job_costs=20, repeat=3)

    setup_django("ll_bench_production_lot_page")
    import time

    start = time.perf_counter()
    small_mo, small_lot = build_order(10, 4, "small")
    big_mo, big_lot = build_order(args.usages, args.job_costs, "big")
    build_s = time.perf_counter() - start
    client = viewer_client()

    rows = []
    for label, mo, lot in (
        ("small (10 usages, 4 job costs)", small_mo, small_lot),
        (f"large ({args.usages} usages, {args.job_costs} job costs)", big_mo, big_lot),
    ):
        for page, url in (
            ("lot page", f"/lots/{lot.pk}/"),
            ("production order page", f"/production/{mo.pk}/"),
            ("API lot detail", f"/api/v1/lots/{lot.pk}/"),
        ):
            rows.append((label, page, *measure(client, url, args.repeat)))

    print(
        f"Production lot page, {args.repeat} requests per case (in-process server time); "
        f"built through services in {build_s:.1f} s"
    )
    print(f"{'order':<42}{'page':<24}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'queries':>9}")
    for label, page, p50, p95, worst, queries in rows:
        print(f"{label:<42}{page:<24}{p50:>9.1f}{p95:>9.1f}{worst:>9.1f}{queries:>9}")
    small, large = rows[:3], rows[3:]
    assert [r[5] for r in small] == [r[5] for r in large], "query count grows with rows"
    print(
        json.dumps(
            {
                "usages": args.usages,
                "job_costs": args.job_costs,
                "lot_page_p50_ms": round(large[0][2], 1),
                "lot_page_p95_ms": round(large[0][3], 1),
                "lot_page_queries": large[0][5],
                "lot_page_queries_small": small[0][5],
                "order_page_p50_ms": round(large[1][2], 1),
                "order_page_queries": large[1][5],
                "api_lot_p50_ms": round(large[2][2], 1),
                "api_lot_queries": large[2][5],
            }
        )
    )


if __name__ == "__main__":
    main()
