"""Issue 17, "a shipment of far more than is on hand": legal (usage may exceed stock, COGS leaves it
unallocated) but never silent. The service computes, under the LIC locks, each LIC's released
stock on hand in the order's office (lots' available quantity less usage not yet allocated) against
what the shipment takes; the page shows the warning and posts only once the clerk confirms; the
API posts and answers 201 with a ``warnings`` list."""

from __future__ import annotations

from decimal import Decimal

import pytest

from inventory_lots.models import InventoryUsage
from orders import services
from orders.models import Shipment
from tests.conftest import DAY, adjust_in

D = Decimal
pytestmark = pytest.mark.django_db
HUGE = "999999999999"


@pytest.fixture
def widget_415(office, lic):
    """415 WIDGET on hand in HQ (two lots), the example of the issue."""
    adjust_in(office=office, lic=lic, quantity="400", unit_cost="4.00")
    adjust_in(office=office, lic=lic, quantity="15", unit_cost="4.20")
    return lic


def ship(order, lic, *quantities, confirm_short=True):
    return services.post_shipment(
        order=order,
        date=DAY,
        actor=None,
        confirm_short=confirm_short,
        lines=[services.ShipmentLineInput(lic=lic, quantity=D(q)) for q in quantities],
    )


def test_a_shipment_beyond_stock_is_posted_with_a_warning_naming_on_hand_and_shortfall(order, widget_415):
    shipment = ship(order, widget_415, HUGE)
    (warning,) = shipment.warnings
    assert (warning.code, warning.field, warning.lic, warning.on_hand, warning.quantity, warning.short) == (
        "short_of_stock",
        "lines[0].quantity",
        "WIDGET",
        D("415"),
        D(HUGE),
        D("999999999584"),
    )
    assert warning.message == (
        "Line 1: WIDGET: 415 on hand in HQ, 999,999,999,999 to ship: 999,999,999,584 short. COGS leaves what is "
        "short unallocated until stock comes in."
    )
    assert shipment.lines.get().usage.quantity == D(HUGE)


def test_unconfirmed_it_is_refused_with_the_warning_and_writes_nothing(order, widget_415):
    with pytest.raises(services.ShortOfStock) as exc:
        ship(order, widget_415, HUGE, confirm_short=False)
    assert (exc.value.code, exc.value.status) == ("short_of_stock", 409)
    assert [w.short for w in exc.value.warnings] == [D("999999999584")]
    assert exc.value.message == exc.value.warnings[0].message
    assert not Shipment.objects.exists() and not InventoryUsage.objects.filter(kind="shipment").exists()


def test_within_stock_there_is_no_warning(order, widget_415):
    assert ship(order, widget_415, "415", confirm_short=False).warnings == []


def test_usage_not_yet_allocated_is_not_on_hand(order, widget_415):
    ship(order, widget_415, "400")  # no COGS run since: the lots still show 415 available
    (warning,) = ship(order, widget_415, "20").warnings
    assert (warning.on_hand, warning.short) == (D("15"), D("5"))


def test_another_offices_stock_is_not_on_hand(order, lic):
    from tests.factories import OfficeFactory

    adjust_in(office=OfficeFactory(code="BR"), lic=lic, quantity="50", unit_cost="1.00")
    (warning,) = ship(order, lic, "2.5").warnings
    assert (warning.on_hand, warning.short) == (D("0"), D("2.5"))
    assert warning.message.startswith("Line 1: WIDGET: 0 on hand in HQ, 2.5 to ship: 2.5 short.")


def test_lines_of_one_lic_count_together(order, widget_415):
    (warning,) = ship(order, widget_415, "400", "10", "10").warnings  # one per LIC: where it runs out
    assert (warning.field, warning.on_hand, warning.quantity, warning.short) == (
        "lines[2].quantity",
        D("415"),
        D("420"),
        D("5"),
    )
    assert warning.message.startswith("Line 3: WIDGET: 415 on hand in HQ, 420 to ship: 5 short.")


# --- the page -----------------------------------------------------------------------------------------


def lines_data(rows):
    data = {
        "lines-TOTAL_FORMS": str(len(rows)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        data.update({f"lines-{i}-{k}": v for k, v in row.items()})
    return data


def test_page_warns_and_posts_only_when_the_clerk_confirms(clerk_client, order, widget_415):
    url = f"/orders/{order.pk}/ship/"
    data = {"date": "2026-03-02", **lines_data([{"lic": "WIDGET", "quantity": HUGE}])}
    response = clerk_client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "415 on hand in HQ, 999,999,999,999 to ship: 999,999,999,584 short." in html
    assert 'name="confirm_short"' in html
    assert not Shipment.objects.exists()
    response = clerk_client.post(url, {**data, "confirm_short": "on"})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Shipment.objects.get().lines.get().quantity == D(HUGE)


def test_page_within_stock_posts_at_once(clerk_client, order, widget_415):
    response = clerk_client.post(
        f"/orders/{order.pk}/ship/", {"date": "2026-03-02", **lines_data([{"lic": "WIDGET", "quantity": "5"}])}
    )
    assert response.status_code == 302
    assert 'name="confirm_short"' not in clerk_client.get(f"/orders/{order.pk}/ship/").content.decode()


# --- the API ------------------------------------------------------------------------------------------


def test_api_accepts_it_and_the_201_carries_the_warnings(api, clerk, order, widget_415):
    response = api(clerk).post(
        "/api/v1/shipments/",
        {"order": order.pk, "date": "2026-03-02", "lines": [{"lic": "widget", "quantity": HUGE}]},
        format="json",
    )
    assert response.status_code == 201, response.content
    (warning,) = response.json()["warnings"]
    assert warning == {
        "code": "short_of_stock",
        "field": "lines[0].quantity",
        "lic": "WIDGET",
        "on_hand": "415.000000",
        "quantity": "999999999999.000000",
        "short": "999999999584.000000",
        "message": "Line 1: WIDGET: 415 on hand in HQ, 999,999,999,999 to ship: 999,999,999,584 short. COGS leaves "
        "what is short unallocated until stock comes in.",
    }
    response = api(clerk).post(
        "/api/v1/shipments/",
        {"order": order.pk, "date": "2026-03-02", "lines": [{"lic": "WIDGET", "quantity": "0"}]},
        format="json",
    )
    assert response.status_code == 400  # refusals stay refusals
    response = api(clerk).get(f"/api/v1/shipments/{Shipment.objects.get().pk}/")
    assert "warnings" not in response.json()  # a warning belongs to the posting, not to the document


def test_api_in_stock_shipment_has_no_warnings(api, clerk, order, widget_415):
    response = api(clerk).post(
        "/api/v1/shipments/",
        {"order": order.pk, "date": "2026-03-02", "lines": [{"lic": "WIDGET", "quantity": "1"}]},
        format="json",
    )
    assert response.status_code == 201 and response.json()["warnings"] == []
