"""Closing and reopening a customer order at every door (service, order page, API, admin action),
refusals writing nothing, the admin's read-only fields once documents are posted, and the races
the order-row locks settle (real parallel connections)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import transaction

from core.errors import StateConflict, ValidationFailed
from inventory_lots.models import InventoryUsage
from orders import services
from orders.admin import OrderAdminForm
from orders.models import Order, Shipment
from production import services as production
from production.models import ProductionOrder
from tests.concurrency import run_concurrently
from tests.conftest import DAY
from tests.factories import LicFactory, OfficeFactory

D = Decimal
pytestmark = pytest.mark.django_db


def ship(order, stock, quantity="1", actor=None):
    return services.post_shipment(
        order=order,
        date=DAY,
        actor=actor,
        lines=[services.ShipmentLineInput(lic=stock["WIDGET"].lic, quantity=D(quantity))],
    )


def open_production(order, actor=None):
    return production.create_production_order(
        office=order.office,
        date=DAY,
        order=order,
        lic=LicFactory(code="CHAIR"),
        estimated_quantity=D("2"),
        estimated_unit_cost=D("10.00"),
        actor=actor,
    )


def status(order) -> str:
    return Order.objects.get(pk=order.pk).status


def history(order) -> list[tuple]:
    return list(
        Order.history.filter(id=order.pk)
        .order_by("history_id")
        .values_list("status", "history_user__username", "history_change_reason")
    )


# --- the services --------------------------------------------------------------------------------


def test_closing_stops_shipping_and_production_but_not_returns(order, stock, clerk, accountant):
    shipped = ship(order, stock, "3").lines.get().usage
    closed = services.close_order(order=order, actor=accountant)
    assert closed.status == "closed" and status(order) == "closed"
    assert history(order)[-1] == ("closed", accountant.username, None)
    usage_before = InventoryUsage.objects.count()

    with pytest.raises(StateConflict) as exc:
        ship(order, stock, actor=clerk)
    assert (exc.value.code, exc.value.message) == (
        "order_closed",
        f"Order {order.number} is closed: nothing more can be shipped on it.",
    )
    with pytest.raises(StateConflict) as exc:
        open_production(order)
    assert (exc.value.code, exc.value.message) == (
        "order_closed",
        f"Order {order.number} is closed: no production order can be opened for it.",
    )
    assert Shipment.objects.count() == 1 and not ProductionOrder.objects.exists()
    assert InventoryUsage.objects.count() == usage_before

    services.post_return(
        order=order,
        date=DAY,
        actor=clerk,
        lines=[  # goods come back after an order is done
            services.ReturnLineInput(lic=stock["WIDGET"].lic, quantity=D("1"), usage=shipped)
        ],
    )
    assert InventoryUsage.objects.count() == usage_before + 1


def test_closing_twice_is_a_conflict_that_writes_nothing(order, accountant):
    services.close_order(order=order, actor=accountant)
    before = history(order)
    with pytest.raises(StateConflict) as exc:
        services.close_order(order=order, actor=accountant)
    assert (exc.value.code, exc.value.status) == ("order_already_closed", 409)
    assert exc.value.message == f"Order {order.number} is already closed."
    assert history(order) == before


def test_an_unfinished_production_order_keeps_the_order_open(order, production_user, accountant):
    mo = open_production(order, production_user)
    production.produce(production_order=mo, date=DAY, quantity=D("2"), actor=production_user)
    production.release(production_order=mo, actor=production_user)  # released is not finished
    before = history(order)
    with pytest.raises(StateConflict) as exc:
        services.close_order(order=order, actor=accountant)
    assert exc.value.code == "order_has_open_production"
    assert exc.value.message == (
        f"Order {order.number} has production orders that are not closed ({mo.number}): "
        "close them before closing the order."
    )
    assert status(order) == "open" and history(order) == before
    production.close(production_order=mo, actor=production_user)
    assert services.close_order(order=order, actor=accountant).status == "closed"


def test_reopening_needs_a_closed_order_and_a_reason(order, stock, accountant, clerk):
    with pytest.raises(StateConflict) as exc:
        services.reopen_order(order=order, reason="typo", actor=accountant)
    assert (exc.value.code, exc.value.message) == (
        "order_not_closed",
        f"Order {order.number} is open: there is nothing to reopen.",
    )
    services.close_order(order=order, actor=accountant)
    before = history(order)
    for reason, code in (("", "reason_required"), ("   ", "reason_required"), ("x" * 101, "reason_too_long")):
        with pytest.raises(ValidationFailed) as exc:
            services.reopen_order(order=order, reason=reason, actor=accountant)
        assert (exc.value.code, exc.value.field) == (code, "reason")
    assert status(order) == "closed" and history(order) == before

    reopened = services.reopen_order(order=order, reason="  Customer ordered two more  ", actor=accountant)
    assert reopened.status == "open"
    assert history(order)[-1] == ("open", accountant.username, "Customer ordered two more")
    assert ship(order, stock, actor=clerk).order_id == order.pk  # shipping again


def test_customer_office_and_date_are_frozen_once_documents_are_posted(order, stock, customer):
    assert services.lock_order_for_edit(order=order, changed=["office", "date"]).pk == order.pk  # nothing posted
    ship(order, stock)
    assert services.lock_order_for_edit(order=order, changed=[]).pk == order.pk
    for changed in (["office"], ["customer"], ["date"], ["customer", "date"]):
        with pytest.raises(StateConflict) as exc:
            services.lock_order_for_edit(order=order, changed=changed)
        assert exc.value.code == "order_fields_locked"
        assert exc.value.message == (
            f"Order {order.number} has posted documents (shipments, returns or "
            f"production): its {', '.join(changed)} can no longer change."
        )


@pytest.mark.parametrize("document", ["production"])
def test_a_production_order_alone_freezes_them_too(order, document):
    open_production(order)
    with pytest.raises(StateConflict):
        services.lock_order_for_edit(order=order, changed=["office"])


# --- the order page ------------------------------------------------------------------------------


def test_an_accountant_closes_and_reopens_from_the_order_page(client, accountant, order):
    client.force_login(accountant)
    page = client.get(f"/orders/{order.pk}/").content.decode()
    assert 'id="close-link"' in page and 'id="reopen-link"' not in page
    confirm = client.get(f"/orders/{order.pk}/close/")
    assert confirm.status_code == 200 and 'id="confirm-status"' in confirm.content.decode()
    assert status(order) == "open"  # the confirmation page changes nothing
    response = client.post(f"/orders/{order.pk}/close/", follow=True)
    assert response.redirect_chain == [(f"/orders/{order.pk}/", 302)]
    assert (
        f"Order {order.number} closed." in [str(m) for m in get_messages(response.wsgi_request)]
        or f"Order {order.number} closed." in response.content.decode()
    )
    assert status(order) == "closed" and 'id="reopen-link"' in response.content.decode()

    response = client.post(f"/orders/{order.pk}/reopen/", {"reason": ""})
    assert response.status_code == 400 and "Give the reason for reopening the order." in response.content.decode()
    assert status(order) == "closed"
    response = client.post(f"/orders/{order.pk}/reopen/", {"reason": "More to ship"})
    assert response.status_code == 302 and status(order) == "open"
    assert history(order)[-1] == ("open", accountant.username, "More to ship")


def test_a_refused_close_on_the_page_says_why_and_writes_nothing(client, accountant, order):
    mo = open_production(order)
    client.force_login(accountant)
    response = client.post(f"/orders/{order.pk}/close/")
    assert response.status_code == 409
    assert f"has production orders that are not closed ({mo.number})" in response.content.decode()
    assert status(order) == "open"
    Order.objects.filter(pk=order.pk).update(status="closed")  # (the state only: as if closed meanwhile)
    response = client.post(f"/orders/{order.pk}/close/")
    assert response.status_code == 409 and "is already closed." in response.content.decode()


def test_clerks_and_viewers_may_not_close_or_reopen(client, clerk, viewer, order, stock):
    for user in (clerk, viewer):
        client.force_login(user)
        page = client.get(f"/orders/{order.pk}/").content.decode()
        assert 'id="close-link"' not in page
        assert client.get(f"/orders/{order.pk}/close/").status_code == 403
        assert client.post(f"/orders/{order.pk}/close/").status_code == 403
    assert status(order) == "open"
    services.close_order(order=order, actor=None)
    client.force_login(clerk)
    page = client.get(f"/orders/{order.pk}/").content.decode()
    assert 'id="ship-link"' not in page and 'id="return-link"' in page  # nothing to ship on a closed order
    assert client.post(f"/orders/{order.pk}/reopen/", {"reason": "x"}).status_code == 403
    assert status(order) == "closed"
    assert client.get("/orders/999999/close/").status_code == 404


# --- the API -------------------------------------------------------------------------------------


def test_close_and_reopen_through_the_api(api, accountant, order):
    client = api(accountant)
    response = client.post(f"/api/v1/orders/{order.pk}/close/", {}, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "id": order.pk,
        "number": order.number,
        "customer": "CUST",
        "office": "HQ",
        "date": "2026-03-01",
        "status": "closed",
    }
    response = client.post(f"/api/v1/orders/{order.pk}/close/", {}, format="json")
    assert response.status_code == 409
    assert response.json() == {
        "code": "order_already_closed",
        "message": f"Order {order.number} is already closed.",
        "field": None,
        "errors": {},
    }

    response = client.post(f"/api/v1/orders/{order.pk}/reopen/", {}, format="json")
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("reason_required", "reason")
    assert status(order) == "closed"
    response = client.post(f"/api/v1/orders/{order.pk}/reopen/", {"reason": "API fix"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "open"
    response = client.post(f"/api/v1/orders/{order.pk}/reopen/", {"reason": "again"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "order_not_closed"
    assert [h[0] for h in history(order)] == ["open", "closed", "open"]


def test_shipping_or_opening_production_on_a_closed_order_answers_409(api, clerk, production_user, order, stock):
    services.close_order(order=order, actor=None)
    LicFactory(code="CHAIR")
    response = api(clerk).post(
        "/api/v1/shipments/",
        {"order": order.pk, "date": "2026-03-01", "lines": [{"lic": "WIDGET", "quantity": "1"}]},
        format="json",
    )
    assert response.status_code == 409 and response.json()["code"] == "order_closed"
    response = api(production_user).post(
        "/api/v1/production-orders/",
        {
            "office": "HQ",
            "date": "2026-03-01",
            "order": order.pk,
            "lic": "CHAIR",
            "estimated_quantity": "1",
            "estimated_unit_cost": "1.00",
        },
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["message"] == f"Order {order.number} is closed: no production order can be opened for it."
    assert not Shipment.objects.exists() and not ProductionOrder.objects.exists()


def test_api_refusals_write_nothing(api, accountant, clerk, viewer, order):
    mo = open_production(order)
    response = api(accountant).post(f"/api/v1/orders/{order.pk}/close/", {}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "order_has_open_production"
    assert mo.number in response.json()["message"]
    for user in (clerk, viewer):
        response = api(user).post(f"/api/v1/orders/{order.pk}/close/", {}, format="json")
        assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    from rest_framework.test import APIClient

    assert APIClient().post(f"/api/v1/orders/{order.pk}/close/", {}, format="json").status_code == 401
    assert api(accountant).post("/api/v1/orders/999999/close/", {}, format="json").status_code == 404
    assert status(order) == "open" and len(history(order)) == 1


# --- the admin -----------------------------------------------------------------------------------


def test_admin_actions_close_and_reopen_through_the_services(client, admin_user, order, customer, office):
    other = services.create_order(customer=customer, office=office, date=DAY)
    mo = open_production(other)  # this one cannot be closed
    client.force_login(admin_user)
    response = client.post(
        "/admin/orders/order/", {"action": "close_selected", "_selected_action": [order.pk, other.pk]}, follow=True
    )
    assert response.status_code == 200
    texts = [str(m) for m in get_messages(response.wsgi_request)] or [response.content.decode()]
    page = " ".join(texts) + response.content.decode()
    assert f"{order.number}: closed." in page and f"production orders that are not closed ({mo.number})" in page
    assert (status(order), status(other)) == ("closed", "open") and len(history(other)) == 1

    response = client.post(
        "/admin/orders/order/", {"action": "reopen_selected", "_selected_action": [order.pk, other.pk]}, follow=True
    )
    assert response.status_code == 200 and "is open: there is nothing to reopen." in response.content.decode()
    assert status(order) == "open"
    assert history(order)[-1] == ("open", admin_user.username, "Reopened in the admin")


def test_admin_actions_need_the_accounting_permission(client, order):
    from tests.factories import UserFactory

    staff = UserFactory(username="staffclerk", role="Warehouse clerk")
    staff.is_staff = True
    staff.save()
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(
        Permission.objects.get(codename="view_order"), Permission.objects.get(codename="change_order")
    )
    client.force_login(staff)
    response = client.get("/admin/orders/order/")
    assert response.status_code == 200 and "close_selected" not in response.content.decode()
    client.post("/admin/orders/order/", {"action": "close_selected", "_selected_action": [order.pk]})
    assert status(order) == "open"


def test_admin_status_is_read_only_and_posted_orders_freeze_customer_office_date(
    client, admin_user, order, customer, office, stock
):
    branch = OfficeFactory(code="BR")
    client.force_login(admin_user)
    url = f"/admin/orders/order/{order.pk}/change/"
    # nothing posted: customer, office and date may be corrected; the status never here
    response = client.post(
        url, {"customer": customer.pk, "office": branch.pk, "date": "2026-03-02", "status": "closed"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    order.refresh_from_db()
    assert (order.office_id, str(order.date), order.status) == (branch.pk, "2026-03-02", "open")

    Order.objects.filter(pk=order.pk).update(office=office, date=DAY)  # back to where the stock is
    ship(order, stock)
    page = client.get(url).content.decode()
    assert 'name="office"' not in page and 'name="customer"' not in page and 'name="date"' not in page
    response = client.post(
        url, {"customer": customer.pk, "office": branch.pk, "date": "2026-01-01", "status": "closed"}
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.office_id, order.date, order.status) == (office.pk, DAY, "open")


def test_admin_form_refuses_a_change_when_a_document_was_posted_since_the_page_was_shown(order, stock, office):
    branch = OfficeFactory(code="BR")
    form = OrderAdminForm(instance=order, data={"customer": order.customer_id, "office": branch.pk, "date": DAY})
    ship(order, stock)  # posted between showing the form (all fields editable) and saving it
    with transaction.atomic():
        assert not form.is_valid()
    assert form.non_field_errors() == [
        f"Order {order.number} has posted documents (shipments, returns or "
        "production): its office can no longer change."
    ]
    assert Order.objects.get(pk=order.pk).office_id == office.pk


# --- races (real parallel connections) -----------------------------------------------------------


def _hold_after(action, done: threading.Event, release: threading.Event):
    """Run ``action`` in a transaction, signal, and commit only when released."""

    def run():
        with transaction.atomic():
            result = action()
            done.set()
            release.wait(10)
        return result

    return run


def _then(done: threading.Event, release: threading.Event, action):
    """Wait for the other transaction's change, release its commit a moment later, and act meanwhile:
    without the order-row lock this would read the order before the other's commit."""

    def run():
        done.wait(10)
        threading.Timer(0.5, release.set).start()
        return action()

    return run


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_shipment_waits_for_a_close_in_flight_and_is_refused(order, stock):
    done, release = threading.Event(), threading.Event()
    results = run_concurrently(
        _hold_after(lambda: services.close_order(order=order, actor=None), done, release),
        _then(done, release, lambda: ship(order, stock)),
    )
    assert results[0].status == "closed"
    assert isinstance(results[1], StateConflict) and results[1].code == "order_closed", results[1]
    assert not Shipment.objects.exists() and status(order) == "closed"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_close_waits_for_a_production_order_in_flight_and_is_refused(order):
    done, release = threading.Event(), threading.Event()
    results = run_concurrently(
        _hold_after(lambda: open_production(order), done, release),
        _then(done, release, lambda: services.close_order(order=order, actor=None)),
    )
    assert isinstance(results[0], ProductionOrder)
    assert isinstance(results[1], StateConflict) and results[1].code == "order_has_open_production", results[1]
    assert status(order) == "open"
