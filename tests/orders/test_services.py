"""Shipments and customer returns through the services: usage records, limits, bad input."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.errors import StateConflict, ValidationFailed
from inventory_lots.models import InventoryUsage
from orders import services
from orders.models import CustomerReturn, Shipment
from tests.conftest import DAY

D = Decimal
pytestmark = pytest.mark.django_db


def ship(order, clerk, *lines):
    return services.post_shipment(order=order, date=DAY, actor=clerk, lines=list(lines))


def test_shipment_writes_usage_per_line(order, clerk, stock):
    lics = {k: v.lic for k, v in stock.items()}
    shipment = ship(
        order,
        clerk,
        services.ShipmentLineInput(lic=lics["WIDGET"], quantity=D("7")),
        services.ShipmentLineInput(lic=lics["ENGINE"], quantity=D("1"), lot=stock["ENGINE"]),
        services.ShipmentLineInput(lic=lics["SCANNER"], quantity=D("2"), serial_numbers=("S1", "S3")),
    )
    assert shipment.number.startswith("SH-")
    lines = list(shipment.lines.select_related("usage"))
    assert [(ln.line_no, ln.quantity, ln.usage.kind, ln.usage.quantity, ln.usage.source_label) for ln in lines] == [
        (1, D("7"), "shipment", D("7"), shipment.number),
        (2, D("1"), "shipment", D("1"), shipment.number),
        (3, D("2"), "shipment", D("2"), shipment.number),
    ]
    assert lines[1].usage.lot_id == stock["ENGINE"].pk
    assert lines[2].usage.serial_numbers == ["S1", "S3"]
    assert lines[0].usage.source_type.model_class() is Shipment
    assert lines[0].usage.office_id == order.office_id


def test_return_writes_negative_usage_and_checks_limit(order, clerk, stock):
    widget = stock["WIDGET"].lic
    shipment = ship(order, clerk, services.ShipmentLineInput(lic=widget, quantity=D("7")))
    shipped = shipment.lines.get().usage
    document = services.post_return(
        order=order, date=DAY, actor=clerk, lines=[services.ReturnLineInput(lic=widget, quantity=D("2"), usage=shipped)]
    )
    assert document.number.startswith("RT-")
    usage = document.lines.get().usage
    assert (usage.kind, usage.quantity, usage.returns_usage_id) == ("return", D("-2"), shipped.pk)
    before = InventoryUsage.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        services.post_return(
            order=order,
            date=DAY,
            actor=clerk,
            lines=[services.ReturnLineInput(lic=widget, quantity=D("6"), usage=shipped)],
        )
    assert exc.value.code == "return_exceeds_usage"
    assert exc.value.message == f"Line 1: Usage {shipped} has only 5 left to return (asked 6)."
    assert InventoryUsage.objects.count() == before and CustomerReturn.objects.count() == 1
    # without naming a usage: allowed (COGS gives it back LIFO)
    free = services.post_return(
        order=order, date=DAY, actor=clerk, lines=[services.ReturnLineInput(lic=widget, quantity=D("1"))]
    )
    assert free.lines.get().usage.returns_usage_id is None


def test_return_must_name_a_shipment_of_the_order(order, clerk, stock, customer, office):
    widget = stock["WIDGET"].lic
    other = services.create_order(customer=customer, office=office, date=DAY)
    shipped = ship(other, clerk, services.ShipmentLineInput(lic=widget, quantity=D("3"))).lines.get().usage
    with pytest.raises(ValidationFailed) as exc:
        services.post_return(
            order=order,
            date=DAY,
            actor=clerk,
            lines=[services.ReturnLineInput(lic=widget, quantity=D("1"), usage=shipped)],
        )
    assert exc.value.code == "return_not_of_order" and exc.value.field == "lines[0].usage"
    assert not CustomerReturn.objects.exists()


def test_shipment_bad_input_writes_nothing(order, clerk, stock, service_lic):
    lics = {k: v.lic for k, v in stock.items()}
    cases = [
        (services.ShipmentLineInput(lic=service_lic, quantity=D("1")), "lic_not_inventoried"),
        (services.ShipmentLineInput(lic=lics["WIDGET"], quantity=D("-1")), "quantity_not_positive"),
        (services.ShipmentLineInput(lic=lics["ENGINE"], quantity=D("1")), "lot_required"),
        (
            services.ShipmentLineInput(lic=lics["SCANNER"], quantity=D("2"), serial_numbers=("S1",)),
            "serial_count_mismatch",
        ),
        (services.ShipmentLineInput(lic=lics["SCANNER"], quantity=D("1"), serial_numbers=("NOPE",)), "serial_unknown"),
    ]
    for line, code in cases:
        with pytest.raises(ValidationFailed) as exc:
            ship(order, clerk, services.ShipmentLineInput(lic=lics["WIDGET"], quantity=D("1")), line)
        assert exc.value.code == code, line
        assert exc.value.field.startswith("lines[1].")
        assert exc.value.message.startswith("Line 2: ")
    assert not Shipment.objects.exists() and not InventoryUsage.objects.filter(kind="shipment").exists()
    with pytest.raises(ValidationFailed) as exc:
        ship(order, clerk)
    assert exc.value.code == "no_lines"


def test_shipment_on_closed_order_is_refused(order, clerk, stock):
    services.close_order(order=order, actor=None)
    with pytest.raises(StateConflict) as exc:
        ship(order, clerk, services.ShipmentLineInput(lic=stock["WIDGET"].lic, quantity=D("1")))
    assert exc.value.message == services.MSG_ORDER_CLOSED.format(number=order.number)
    assert not Shipment.objects.exists()
