"""Trace and recall through the services (exact quantities), the query budget, cycles."""

from __future__ import annotations

from decimal import Decimal

from traceability import selectors

from .conftest import D, day, give_back, run_cogs


def test_chain_is_costed(chain):
    assert chain.component.qty_used == D("7")
    assert chain.product.qty_used == D("1")
    assert chain.product.unit_cost == D("10.000000")


def test_trace_down_two_levels(chain):
    result = selectors.trace(chain.component, direction="down")
    nodes = result.nodes
    assert [(n["lot"], n["lic"], n["quantity"], n["via"]["type"], n["via"]["id"]) for n in nodes] == [
        (chain.product.pk, "LEG", "4.000000", "productionorder", chain.mo.pk),
        (None, "LEG", "3.000000", "shipment", chain.direct_shipment.pk),
    ]
    assert nodes[0]["via"]["label"] == chain.mo.number
    assert nodes[1]["via"]["label"] == chain.direct_shipment.number
    assert nodes[1]["children"] == []
    child = nodes[0]["children"]
    assert [(n["lot"], n["lic"], n["quantity"], n["via"]["type"], n["via"]["id"], n["depth"]) for n in child] == [
        (None, "STOOL", "1.000000", "shipment", chain.product_shipment.pk, 2),
    ]


def test_trace_up_reaches_purchase_lot_po_and_vendor(chain):
    result = selectors.trace(chain.product, direction="up")
    [node] = result.nodes
    assert (node["lot"], node["lic"], node["quantity"], node["via"]["type"], node["via"]["id"]) == (
        chain.component.pk,
        "LEG",
        "4.000000",
        "productionorder",
        chain.mo.pk,
    )
    assert node["purchase_order"]["number"] == chain.po.number
    assert node["vendor"] == {"code": "ACME", "name": "Acme Supply"}
    assert node["children"] == []


def test_recall_lists_every_shipment_with_depth(chain, customer):
    rows = [r.api() for r in selectors.recall(chain.component)]
    assert [(r["shipment"], r["lic"], r["quantity"], r["depth"], r["customer"], r["order"]) for r in rows] == [
        (chain.direct_shipment.pk, "LEG", "3.000000", 1, customer.code, chain.mo.order_id),
        (chain.product_shipment.pk, "STOOL", "1.000000", 2, customer.code, chain.mo.order_id),
    ]
    assert rows[0]["date"] == "2026-03-04"


def test_recall_and_trace_are_net_of_returns_naming_the_shipment(chain, order):
    usage = chain.direct_shipment.lines.get().usage
    give_back(order=order, lic=usage.lic, quantity="2", date=day(6), usage=usage)
    run_cogs()
    rows = selectors.recall(chain.component)
    assert [(r.shipment_id, r.quantity) for r in rows] == [
        (chain.direct_shipment.pk, Decimal("1.000000")),
        (chain.product_shipment.pk, Decimal("1.000000")),
    ]
    nodes = selectors.trace(chain.component, direction="down").nodes
    assert [n["quantity"] for n in nodes] == ["4.000000", "1.000000"]


def _more_production(chain, order, office, n: int) -> None:
    """``n`` more stool orders, each from 1 leg of the purchase lot, each stool shipped."""
    from production import services as production_services
    from production.services import ComponentLine

    from .conftest import ship

    legs, stools = chain.component.lic, chain.product.lic
    for _ in range(n):
        mo = production_services.create_production_order(
            office=office,
            date=day(6),
            lic=stools,
            estimated_quantity=D("1"),
            estimated_unit_cost=D("5.00"),
            order=order,
            actor=None,
        )
        production_services.issue_components(
            production_order=mo, date=day(6), actor=None, lines=[ComponentLine(lic=legs, quantity=D("1"))]
        )
        production_services.produce(production_order=mo, date=day(6), quantity=D("1"), actor=None)
        production_services.release(production_order=mo, actor=None)
    ship(order=order, lic=stools, quantity=str(n), date=day(7))
    run_cogs()


def _count(fn) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_nodes(chain, order, office):
    small_trace = _count(lambda: selectors.trace(chain.component, direction="down"))
    small_recall = _count(lambda: selectors.recall(chain.component))
    before = selectors.trace(chain.component, direction="down").node_count
    _more_production(chain, order, office, 3)
    assert selectors.trace(chain.component, direction="down").node_count > before + 3
    assert len(selectors.recall(chain.component)) == 5
    assert _count(lambda: selectors.trace(chain.component, direction="down")) == small_trace
    assert _count(lambda: selectors.recall(chain.component)) == small_recall == 1


def test_depth_caps_the_trace(chain):
    result = selectors.trace(chain.component, direction="down", depth=1)
    assert [n["children"] for n in result.nodes] == [[], []]
    assert selectors.trace(chain.component, direction="down", depth=99).depth == selectors.MAX_DEPTH


def test_cycles_are_not_expanded_again(chain):
    """A lot consumed (through COGS entries) by the order that made it: written with SQL, since
    no service makes such data; trace stops at the repeated lot and recall terminates."""
    from django.db import connection

    from cogs.models import CogsEntry

    usage = chain.product_shipment.lines.get().usage
    entry = CogsEntry.objects.filter(lot=chain.product).first()
    # re-point one stool entry at a production usage of the order that produced the lot
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO inventory_lots_inventoryusage (lic_id, office_id, date, quantity, kind,"
            " source_type_id, source_id, source_label, serial_numbers)"
            " SELECT lic_id, office_id, date, 1, 'production', %s, %s, %s, '[]'"
            " FROM inventory_lots_inventoryusage WHERE id = %s RETURNING id",
            [chain.product.transaction_type_id, chain.mo.pk, chain.mo.number, usage.pk],
        )
        new_usage = cursor.fetchone()[0]
        cursor.execute(
            "UPDATE inventory_lots_usagecogs SET allocated_quantity = 1, cogs_value = 10 WHERE usage_id = %s",
            [new_usage],
        )
        cursor.execute(
            "INSERT INTO cogs_cogsentry (run_id, kind, lic_id, office_id, lot_id, usage_id, date, quantity, value,"
            " unit_cost) VALUES (%s, 1, %s, %s, %s, %s, %s, 1, 10, 10)",
            [entry.run_id, entry.lic_id, entry.office_id, chain.product.pk, new_usage, entry.date],
        )
    result = selectors.trace(chain.component, direction="down")
    product_node = result.nodes[0]
    cycle = [n for n in product_node["children"] if n["lot"] == chain.product.pk]
    assert cycle and cycle[0].get("cycle") is True and cycle[0]["children"] == []
    rows = selectors.recall(chain.component)
    assert sorted(r.depth for r in rows) == [1, 2]
