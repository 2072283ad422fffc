"""Recall and trace at scale: `python bench/trace.py [--width 1000] [--repeat 30]`.

Seeds (bulk inserts, not services) a four-level production chain: one purchase lot used as a
component by ``width`` production orders; each produced lot is shipped to a customer and used by
a further production order, whose lot is shipped and used by a fourth-level order, whose lot is
shipped. Every usage carries its COGS allocation entry. Then it times the recall report of the
purchase lot (API ``GET /api/v1/lots/{id}/recall/``, the recall page and the selector) and the
trace down, and counts queries per request - next to the same figures for a chain a tenth as wide,
to show the query count does not grow with the nodes. Uses its own database `ll_bench_trace`.
Last line: ``{"recall_p95_ms": ..., "nodes": ..., "queries": ...}``."""

from __future__ import annotations

import argparse
import datetime
import json
from decimal import Decimal

from common import parse_args, setup_django, summary, timed, viewer_client

D = Decimal
DAY = datetime.date(2026, 1, 15)


def reset() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE cogs_cogsentry, cogs_cogsrun, orders_shipmentline, orders_shipment, orders_order,"
            " production_productionorder, inventory_lots_inventoryusage, inventory_lots_lot,"
            " inventory_lots_pendingcogs CASCADE"
        )


def seed(width: int, tag: str) -> int:
    """The chain; returns the purchase lot's id."""
    from django.contrib.contenttypes.models import ContentType

    from cogs.models import CogsEntry, CogsRun
    from inventory_lots.models import AdjustmentLine, InventoryUsage, LineItemCode, Lot, Office
    from orders.models import Customer, Order, Shipment
    from production.models import ProductionOrder

    office, _ = Office.objects.get_or_create(code="BTR", defaults={"name": "Bench trace office"})
    lics = [
        LineItemCode.objects.get_or_create(code=f"BTR{level}", defaults={"inventoried": True})[0]
        for level in range(1, 5)
    ]
    customer, _ = Customer.objects.get_or_create(code="BTRC", defaults={"name": "Bench customer"})
    order = Order.objects.create(number=f"BSO-{tag}", customer=customer, office=office, date=DAY, status="open")
    run = CogsRun.objects.create(date=DAY, status="done", wait=True)
    ct_adj, ct_po, ct_sh = (
        ContentType.objects.get_for_model(m).pk for m in (AdjustmentLine, ProductionOrder, Shipment)
    )
    root = Lot.objects.create(
        number=f"BPL-{tag}",
        type="purchase",
        office=office,
        lic=lics[0],
        date=DAY,
        transaction_type_id=ct_adj,
        transaction_id=1,
        transaction_label="ADJ-bench/1",
        qty_in=D(width),
        qty_used=D(width),
        unit_cost=D("2"),
        value_used=D(2 * width),
    )
    parents = [root] * width  # level 1: one lot feeding every level-2 order
    usages_per_level = [D(1), D(2), D(1)]
    for level in range(2, 5):
        orders = ProductionOrder.objects.bulk_create(
            ProductionOrder(
                number=f"BMO{level}-{tag}-{i}",
                date=DAY,
                estimated_quantity=D(10),
                estimated_unit_cost=D(1),
                status="released",
                lic=lics[level - 1],
                office=office,
                order=order,
            )
            for i in range(width)
        )
        lots = Lot.objects.bulk_create(
            Lot(
                number=f"BP{level}{tag}-{i}",
                type="production",
                office=office,
                lic=lics[level - 1],
                date=DAY,
                transaction_type_id=ct_po,
                transaction_id=mo.pk,
                transaction_label=mo.number,
                qty_in=D(10),
                qty_used={2: D(5), 3: D(4), 4: D(3)}[level],
                unit_cost=D(1),
                value_used=D(0),
            )
            for i, mo in enumerate(orders)
        )
        for mo, lot in zip(orders, lots, strict=True):
            mo.lot = lot
        ProductionOrder.objects.bulk_update(orders, ["lot"])
        quantity = usages_per_level[level - 2]
        usages = InventoryUsage.objects.bulk_create(
            InventoryUsage(
                lic=parent.lic,
                office=office,
                date=DAY,
                quantity=quantity,
                kind="production",
                source_type_id=ct_po,
                source_id=mo.pk,
                source_label=mo.number,
            )
            for parent, mo in zip(parents, orders, strict=True)
        )
        _entries(CogsEntry, run, office, parents, usages)
        parents = lots
        shipments = Shipment.objects.bulk_create(
            Shipment(number=f"BSH{level}-{tag}-{i}", date=DAY, order=order) for i in range(width)
        )
        ship_usages = InventoryUsage.objects.bulk_create(
            InventoryUsage(
                lic=lot.lic,
                office=office,
                date=DAY,
                quantity=D(3),
                kind="shipment",
                source_type_id=ct_sh,
                source_id=s.pk,
                source_label=s.number,
            )
            for lot, s in zip(lots, shipments, strict=True)
        )
        _entries(CogsEntry, run, office, lots, ship_usages)
    from django.db import connection

    with connection.cursor() as cur:
        for table in (
            "inventory_lots_lot",
            "inventory_lots_inventoryusage",
            "cogs_cogsentry",
            "production_productionorder",
            "orders_shipment",
        ):
            cur.execute(f"ANALYZE {table}")  # noqa: S608 - our own table names
    return root.pk


def _entries(model, run, office, lots, usages) -> None:
    from inventory_lots.models import UsageCogs

    model.objects.bulk_create(
        model(
            run=run,
            kind=1,
            lic_id=lot.lic_id,
            office=office,
            lot=lot,
            usage=u,
            date=DAY,
            quantity=u.quantity,
            value=u.quantity * lot.unit_cost,
            unit_cost=lot.unit_cost,
        )
        for lot, u in zip(lots, usages, strict=True)
    )
    # each usage fully allocated to its lot (its UsageCogs row, created by the insert trigger, says so)
    UsageCogs.objects.bulk_update(
        [
            UsageCogs(
                usage_id=u.pk, quantity=u.quantity, allocated_quantity=u.quantity, cogs_value=u.quantity * lot.unit_cost
            )
            for lot, u in zip(lots, usages, strict=True)
        ],
        ["allocated_quantity", "cogs_value"],
        batch_size=2000,
    )


def measure(client, url: str, repeat: int) -> tuple[float, float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def call():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    with CaptureQueriesContext(connection) as ctx:
        call()
    queries = len(ctx.captured_queries)
    p50, p95, worst = summary(timed(call, repeat))
    return p50, p95, worst, queries


def chain_figures(client, width: int, tag: str, repeat: int) -> dict:
    from inventory_lots.models import Lot
    from traceability import selectors

    lot_id = seed(width, tag)
    lot = Lot.objects.get(pk=lot_id)
    rows = selectors.recall(lot)
    trace = selectors.trace(lot, direction="down")
    # nodes of the chain: the purchase lot, 3 x width production lots and 3 x width shipments
    figures = {
        "width": width,
        "nodes": 1 + 6 * width,
        "trace_nodes": trace.node_count,
        "trace_truncated": trace.truncated,
        "recall_rows": len(rows),
        "max_depth": max(r.depth for r in rows),
    }
    for name, url in (
        ("recall_api", f"/api/v1/lots/{lot_id}/recall/"),
        ("recall_page", f"/trace/lots/{lot_id}/recall/"),
        ("recall_csv", f"/trace/lots/{lot_id}/recall.csv"),
        ("trace_api", f"/api/v1/lots/{lot_id}/trace/?direction=down"),
    ):
        p50, p95, worst, queries = measure(client, url, repeat if name != "trace_api" else max(5, repeat // 3))
        figures[name] = {
            "p50_ms": round(p50, 1),
            "p95_ms": round(p95, 1),
            "max_ms": round(worst, 1),
            "queries": queries,
        }
    p50, p95, worst = summary(timed(lambda: selectors.recall(lot), repeat))
    figures["recall_selector"] = {
        "p50_ms": round(p50, 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(worst, 1),
        "queries": 1,
    }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=1000, help="production lots made from the purchase lot")
    parser.add_argument("--repeat", type=int, default=30)
    args = parse_args(parser, width=20, repeat=3)
    setup_django("ll_bench_trace")
    reset()
    client = viewer_client()
    small = chain_figures(client, max(1, args.width // 10), "s", args.repeat)
    big = chain_figures(client, args.width, "b", args.repeat)
    header = ("chain", "nodes", "rows", "what", "p50 ms", "p95 ms", "max ms", "queries")
    print("{:>12} {:>7} {:>6} {:<16} {:>8} {:>8} {:>8} {:>8}".format(*header))
    for figures in (small, big):
        for what in ("recall_api", "recall_page", "recall_csv", "recall_selector", "trace_api"):
            f = figures[what]
            print(
                f"{figures['width']:>12} {figures['nodes']:>7} {figures['recall_rows']:>6} {what:<16} "
                f"{f['p50_ms']:>8} {f['p95_ms']:>8} {f['max_ms']:>8} {f['queries']:>8}"
            )
    same = all(small[w]["queries"] == big[w]["queries"] for w in ("recall_api", "recall_page", "trace_api"))
    print(
        f"query count independent of nodes: {same}; deepest shipment: depth {big['max_depth']}; trace down "
        f"returned {big['trace_nodes']} nodes (truncated at the cap: {big['trace_truncated']})"
    )
    print(
        json.dumps(
            {
                "recall_p95_ms": big["recall_api"]["p95_ms"],
                "nodes": big["nodes"],
                "queries": big["recall_api"]["queries"],
                "recall_rows": big["recall_rows"],
                "recall_page_p95_ms": big["recall_page"]["p95_ms"],
                "trace_down_p95_ms": big["trace_api"]["p95_ms"],
                "trace_down_queries": big["trace_api"]["queries"],
                "queries_small_chain": small["recall_api"]["queries"],
            }
        )
    )


if __name__ == "__main__":
    main()
