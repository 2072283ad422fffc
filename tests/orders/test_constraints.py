"""Every CHECK constraint of the order tables (orders, shipments, returns and their lines), proven
by writing around Python and expecting PostgreSQL's IntegrityError naming it. The constraints are
read from the catalog: a constraint that no case here violates fails the last test."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orders import services
from orders.models import CustomerReturn, Order, ReturnLine, Shipment, ShipmentLine
from tests.conftest import DAY
from tests.constraints import assert_violates, check_constraints

D = Decimal
# the order and its documents (customers are master data: their code rules are tested with the other codes')
DOCUMENT_MODELS = [Order, Shipment, ShipmentLine, CustomerReturn, ReturnLine]


@pytest.fixture
def documents(order, clerk, stock):
    """A shipment of 3 widgets and a return of 1 naming it, through the services."""
    widget = stock["WIDGET"].lic
    shipment = services.post_shipment(
        order=order, date=DAY, actor=clerk, lines=[services.ShipmentLineInput(lic=widget, quantity=D("3"))]
    )
    shipped = shipment.lines.get()
    returned = services.post_return(
        order=order,
        date=DAY,
        actor=clerk,
        lines=[services.ReturnLineInput(lic=widget, quantity=D("1"), usage=shipped.usage)],
    ).lines.get()
    return {"order": order, "shipment_line": shipped, "return_line": returned}


def shipment_line(ctx):
    return ShipmentLine.objects.filter(pk=ctx["shipment_line"].pk)


def return_line(ctx):
    return ReturnLine.objects.filter(pk=ctx["return_line"].pk)


CASES = [
    (
        "orders_order_status_valid",
        "unknown status",
        lambda c: Order.objects.filter(pk=c["order"].pk).update(status="void"),
    ),
    (
        "orders_order_status_valid",
        "new order with a blank status",
        lambda c: Order.objects.create(
            number="SO-X", customer=c["order"].customer, office=c["order"].office, date=DAY, status=""
        ),
    ),
    ("orders_shipmentline_quantity_positive", "shipping zero", lambda c: shipment_line(c).update(quantity=D("0"))),
    (
        "orders_shipmentline_quantity_positive",
        "shipping a negative quantity",
        lambda c: shipment_line(c).update(quantity=D("-1")),
    ),
    ("orders_shipmentline_line_no_check", "negative line number", lambda c: shipment_line(c).update(line_no=-1)),
    ("orders_returnline_quantity_positive", "returning zero", lambda c: return_line(c).update(quantity=D("0"))),
    (
        "orders_returnline_quantity_positive",
        "return line with the usage's negative sign",
        lambda c: return_line(c).update(quantity=D("-1")),
    ),
    ("orders_returnline_line_no_check", "negative line number", lambda c: return_line(c).update(line_no=-1)),
]


@pytest.mark.parametrize(
    ("constraint", "write"),
    [(name, write) for name, _, write in CASES],
    ids=[f"{name}-{what}" for name, what, _ in CASES],
)
def test_postgresql_refuses_the_write(documents, constraint, write):
    assert_violates(constraint, lambda: write(documents))
    assert Order.objects.get(pk=documents["order"].pk).status == "open"
    assert list(ShipmentLine.objects.values_list("line_no", "quantity")) == [(1, D("3"))]
    assert list(ReturnLine.objects.values_list("line_no", "quantity")) == [(1, D("1"))]


def test_every_check_constraint_of_the_orders_tables_is_violated_by_a_case(db):
    in_database = check_constraints("orders", DOCUMENT_MODELS)
    covered = {name for name, _, _ in CASES}
    assert {"orders_order_status_valid", "orders_shipmentline_quantity_positive"} <= in_database
    assert in_database - covered == set(), "a CHECK constraint no test violates"
    assert covered - in_database == set(), "a case names a constraint the database no longer has"
