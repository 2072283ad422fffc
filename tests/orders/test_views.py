"""Order pages: list, order page with its usage, shipment and return forms (bad input shown on
the form, nothing written), the admin read-only."""

from __future__ import annotations

from decimal import Decimal

import pytest

from inventory_lots.models import InventoryUsage
from orders import services
from orders.models import CustomerReturn, Shipment
from tests.conftest import DAY

D = Decimal
pytestmark = pytest.mark.django_db


def _lines(rows):
    data = {
        "lines-TOTAL_FORMS": str(len(rows)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        data.update({f"lines-{i}-{k}": v for k, v in row.items()})
    return data


def test_ship_and_return_through_pages(clerk_client, order, stock):
    url = f"/orders/{order.pk}/"
    response = clerk_client.post(
        f"{url}ship/",
        {
            "date": "2026-03-01",
            **_lines(
                [
                    {"lic": "WIDGET", "quantity": "3"},
                    {"lic": "ENGINE", "quantity": "1", "lot": stock["ENGINE"].number},
                    {"lic": "SCANNER", "quantity": "1", "serial_numbers": "S2"},
                ]
            ),
        },
    )
    assert response.status_code == 302, response.content.decode()
    shipment = Shipment.objects.get()
    assert response["Location"] == f"/orders/shipments/{shipment.pk}/"
    shipped = shipment.lines.get(line_no=1).usage
    response = clerk_client.post(
        f"{url}return/", {"date": "2026-03-02", **_lines([{"lic": "WIDGET", "quantity": "1", "usage": str(shipped)}])}
    )
    assert response.status_code == 302, response.content.decode()
    returned = CustomerReturn.objects.get().lines.get().usage
    html = clerk_client.get(url).content.decode()
    for usage in (shipped, returned):
        assert f'href="/usage/{usage.pk}/"' in html  # usage visible from the order page
    assert shipment.number in html and "S2" in html
    assert clerk_client.get(f"/orders/shipments/{shipment.pk}/").status_code == 200
    assert clerk_client.get(f"/orders/returns/{returned.return_line.customer_return_id}/").status_code == 200
    assert clerk_client.get("/orders/?status=open").status_code == 200


def test_bad_input_on_forms_writes_nothing(clerk_client, order, stock, service_lic):
    url = f"/orders/{order.pk}/"
    response = clerk_client.post(
        f"{url}ship/",
        {
            "date": "2026-03-01",
            **_lines([{"lic": "WIDGET", "quantity": "1"}, {"lic": "SCANNER", "quantity": "2", "serial_numbers": "S1"}]),
        },
    )
    assert response.status_code == 400
    assert "Line 2: SCANNER is serialized: give exactly 2 distinct serial numbers (got 1)." in response.content.decode()
    response = clerk_client.post(
        f"{url}ship/", {"date": "2026-03-01", **_lines([{"lic": service_lic.code, "quantity": "1"}])}
    )
    assert "is not an inventoried line item code" in response.content.decode()
    response = clerk_client.post(
        f"{url}return/", {"date": "2026-03-01", **_lines([{"lic": "WIDGET", "quantity": "1", "usage": "999999"}])}
    )
    assert response.status_code == 400 and "Unknown usage record 999999." in response.content.decode()
    assert not Shipment.objects.exists() and not CustomerReturn.objects.exists()
    assert not InventoryUsage.objects.exists()


def test_viewer_sees_but_cannot_post(viewer_client, order, stock):
    assert viewer_client.get(f"/orders/{order.pk}/").status_code == 200
    assert viewer_client.get("/orders/").status_code == 200
    assert (
        viewer_client.post(
            f"/orders/{order.pk}/ship/", {"date": "2026-03-01", **_lines([{"lic": "WIDGET", "quantity": "1"}])}
        ).status_code
        == 403
    )


def test_admin_posted_documents_read_only(client, admin_user, order, clerk, stock):
    shipment = services.post_shipment(
        order=order, date=DAY, actor=clerk, lines=[services.ShipmentLineInput(lic=stock["WIDGET"].lic, quantity=D("1"))]
    )
    client.force_login(admin_user)
    assert client.get("/admin/orders/shipment/").status_code == 200
    assert client.get(f"/admin/orders/shipment/{shipment.pk}/change/").status_code == 200  # view only
    response = client.post(f"/admin/orders/shipment/{shipment.pk}/change/", {"date": "2026-01-01"})
    assert response.status_code == 403
    assert client.post(f"/admin/orders/shipment/{shipment.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/orders/shipment/add/").status_code == 403
    assert client.get("/admin/orders/customerreturn/").status_code == 200
    shipment.refresh_from_db()
    assert shipment.date == DAY
