"""Opening a customer order from the page: clerks may, viewers may not; bad input is refused."""

from orders.models import Order


def test_clerk_opens_an_order(clerk_client, customer, office):
    response = clerk_client.post("/orders/new/", {"customer": "cust", "office": "HQ", "date": "2026-03-01"})
    assert response.status_code == 302
    order = Order.objects.get()
    assert response["Location"] == f"/orders/{order.pk}/"
    assert order.number.startswith("SO-") and order.customer == customer and order.status == "open"


def test_unknown_customer_is_a_field_error_and_writes_nothing(clerk_client, customer, office):
    response = clerk_client.post("/orders/new/", {"customer": "NOPE", "office": "HQ", "date": "2026-03-01"})
    assert response.status_code == 400
    assert "Unknown customer “NOPE”." in response.content.decode()
    assert not Order.objects.exists()


def test_viewer_cannot_open_an_order(viewer_client, customer, office):
    assert viewer_client.get("/orders/new/").status_code == 403
    body = {"customer": "CUST", "office": "HQ", "date": "2026-03-01"}
    assert viewer_client.post("/orders/new/", body).status_code == 403
    assert not Order.objects.exists()
