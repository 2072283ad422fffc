"""Issue 17, "a return of goods never shipped lowers COGS": a customer return is limited, per LIC, to
what its order shipped net of the order's earlier returns (orders.services.post_return, 400
``return_exceeds_shipped``); an accountant may override with a reason, recorded on the return
(others: 403 ``override_not_permitted``). At every door: the service, the page, the API; the admin
has no door (posted returns are read-only there). Two returns at once cannot both pass the limit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cogs import services as cogs_services
from core.errors import DomainError, ValidationFailed
from inventory_lots.models import InventoryUsage
from orders import services
from orders.models import CustomerReturn
from tests.conftest import DAY

D = Decimal
pytestmark = pytest.mark.django_db
RUN_DAY = DAY.replace(day=31)


def ship(order, actor, lic, quantity):
    return services.post_shipment(
        order=order, date=DAY, actor=actor, lines=[services.ShipmentLineInput(lic=lic, quantity=D(quantity))]
    )


def give_back(order, actor, *lines, override_reason=""):
    inputs = [services.ReturnLineInput(lic=lic, quantity=D(q), usage=u) for lic, q, u in lines]
    return services.post_return(order=order, date=DAY, actor=actor, override_reason=override_reason, lines=inputs)


def refusal(order, lic, *, left, shipped, returned, asked, line=1):
    return f"Line {line}: " + services.MSG_RETURN_EXCEEDS_SHIPPED.format(
        number=order.number, lic=lic.code, left=left, shipped=shipped, returned=returned, asked=asked
    )


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


# --- the service ----------------------------------------------------------------------------------


def test_a_return_of_goods_never_shipped_is_refused_and_writes_nothing(order, clerk, stock):
    widget = stock["WIDGET"].lic
    before = InventoryUsage.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        give_back(order, clerk, (widget, "100", None))
    assert (exc.value.code, exc.value.field, exc.value.status) == ("return_exceeds_shipped", "lines[0].quantity", 400)
    assert exc.value.message == refusal(order, widget, left="0", shipped="0", returned="0", asked="100")
    assert "An accountant may post it with an override reason." in exc.value.message
    assert InventoryUsage.objects.count() == before and not CustomerReturn.objects.exists()
    # and so the next COGS run books nothing for it
    run = cogs_services.run_cogs_now(actor=None, date=RUN_DAY)
    assert (run.accrued_value_posted, run.value_posted) == (D("0.00"), D("0.00"))


def test_the_limit_is_what_the_order_shipped_net_of_its_earlier_returns(order, clerk, stock, customer, office):
    widget = stock["WIDGET"].lic
    ship(order, clerk, widget, "7")
    other = services.create_order(customer=customer, office=office, date=DAY)
    ship(other, clerk, widget, "3")  # another order's shipment does not count
    give_back(order, clerk, (widget, "5", None))
    give_back(order, clerk, (widget, "1.5", None))
    with pytest.raises(ValidationFailed) as exc:
        give_back(order, clerk, (widget, "0.500001", None))
    assert exc.value.message == refusal(order, widget, left="0.5", shipped="7", returned="6.5", asked="0.500001")
    give_back(order, clerk, (widget, "0.5", None))  # exactly what is left
    with pytest.raises(ValidationFailed):
        give_back(order, clerk, (widget, "0.000001", None))
    assert CustomerReturn.objects.count() == 3


def test_lines_of_one_return_count_together_and_per_lic(order, clerk, stock):
    widget, engine = stock["WIDGET"].lic, stock["ENGINE"].lic
    ship(order, clerk, widget, "4")
    services.post_shipment(
        order=order,
        date=DAY,
        actor=clerk,
        lines=[services.ShipmentLineInput(lic=engine, quantity=D("1"), lot=stock["ENGINE"])],
    )
    with pytest.raises(ValidationFailed) as exc:
        give_back(order, clerk, (widget, "3", None), (engine, "1", None), (widget, "2", None))
    assert exc.value.field == "lines[2].quantity"
    assert exc.value.message == refusal(order, widget, left="1", shipped="4", returned="3", asked="2", line=3)
    assert not CustomerReturn.objects.exists()
    document = give_back(order, clerk, (widget, "3", None), (engine, "1", None), (widget, "1", None))
    assert document.lines.count() == 3 and document.override_reason == ""


def test_an_accountant_overrides_with_a_reason_recorded_on_the_return(order, accountant, stock):
    widget = stock["WIDGET"].lic
    document = give_back(
        order, accountant, (widget, "100", None), override_reason="  Shipped on paper order 4411 \u202ebefore go-live "
    )
    assert document.override_reason == "Shipped on paper order 4411 before go-live"
    assert document.lines.get().usage.quantity == D("-100")
    # the consequence the override accepts: the run accrues the return at the estimate (10 @ 4.00 here)
    run = cogs_services.run_cogs_now(actor=None, date=RUN_DAY)
    assert run.accrued_value_posted == D("-400.00")


def test_an_override_reason_is_kept_only_when_the_limit_was_overridden(order, accountant, clerk, stock):
    widget = stock["WIDGET"].lic
    ship(order, clerk, widget, "5")
    document = give_back(order, accountant, (widget, "2", None), override_reason="just in case")
    assert document.override_reason == ""  # nothing was overridden


def test_only_the_accounting_permission_may_override(order, clerk, stock):
    widget = stock["WIDGET"].lic
    ship(order, clerk, widget, "5")
    for quantity in ("100", "1"):  # over the limit or not: a clerk may not use an override at all
        with pytest.raises(DomainError) as exc:
            give_back(order, clerk, (widget, quantity, None), override_reason="trust me")
        assert (exc.value.code, exc.value.status, exc.value.field) == ("override_not_permitted", 403, "override_reason")
    assert not CustomerReturn.objects.exists()
    give_back(order, clerk, (widget, "1", None), override_reason=" \u202e ")  # blank after cleaning: none


def test_an_override_never_lifts_the_limit_of_the_usage_a_return_names(order, accountant, clerk, stock):
    widget = stock["WIDGET"].lic
    shipped = ship(order, clerk, widget, "2").lines.get().usage
    with pytest.raises(ValidationFailed) as exc:
        give_back(order, accountant, (widget, "3", shipped), override_reason="more came back")
    assert exc.value.code == "return_exceeds_usage"


# --- the page ---------------------------------------------------------------------------------------


def test_page_refuses_a_return_over_the_limit_on_its_line(clerk_client, order, stock):
    response = clerk_client.post(
        f"/orders/{order.pk}/return/", {"date": "2026-03-02", **lines_data([{"lic": "WIDGET", "quantity": "100"}])}
    )
    assert response.status_code == 400
    message = refusal(order, stock["WIDGET"].lic, left="0", shipped="0", returned="0", asked="100")
    assert response.context["formset"].forms[0].errors["quantity"] == [message]
    assert "Override reason" not in response.content.decode()  # clerks are not offered it
    assert not CustomerReturn.objects.exists() and not InventoryUsage.objects.filter(kind="return").exists()


def test_page_lets_an_accountant_override_with_a_reason(client, accountant, order, stock):
    client.force_login(accountant)
    url = f"/orders/{order.pk}/return/"
    assert "Override reason" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "date": "2026-03-02",
            "override_reason": "Paper shipment before go-live",
            **lines_data([{"lic": "WIDGET", "quantity": "100"}]),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    document = CustomerReturn.objects.get()
    assert document.override_reason == "Paper shipment before go-live"
    assert "Paper shipment before go-live" in client.get(document.get_absolute_url()).content.decode()


def test_page_refuses_a_clerks_override_with_403(clerk_client, order, stock):
    response = clerk_client.post(
        f"/orders/{order.pk}/return/",
        {"date": "2026-03-02", "override_reason": "x", **lines_data([{"lic": "WIDGET", "quantity": "100"}])},
    )
    assert response.status_code == 403
    assert not CustomerReturn.objects.exists()


# --- the API ----------------------------------------------------------------------------------------


def test_api_refuses_a_return_over_the_limit(api, clerk, order, stock):
    response = api(clerk).post(
        "/api/v1/returns/",
        {"order": order.pk, "date": "2026-03-02", "lines": [{"lic": "WIDGET", "quantity": "100"}]},
        format="json",
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert (body["code"], body["field"]) == ("return_exceeds_shipped", "lines[0].quantity")
    assert body["message"] == refusal(order, stock["WIDGET"].lic, left="0", shipped="0", returned="0", asked="100")
    assert not CustomerReturn.objects.exists()


def test_api_override_by_an_accountant_and_403_for_others(api, accountant, clerk, viewer, order, stock):
    body = {
        "order": order.pk,
        "date": "2026-03-02",
        "override_reason": "Paper shipment",
        "lines": [{"lic": "WIDGET", "quantity": "100"}],
    }
    for user in (clerk, viewer):
        response = api(user).post("/api/v1/returns/", body, format="json")
        assert response.status_code == 403, response.content
    assert response.json()["code"] == "permission_denied"  # the viewer may not post returns at all
    response = api(clerk).post("/api/v1/returns/", body, format="json")
    assert response.json()["code"] == "override_not_permitted"
    assert not CustomerReturn.objects.exists()
    response = api(accountant).post("/api/v1/returns/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["override_reason"] == "Paper shipment"
    assert api(viewer).get(f"/api/v1/returns/{response.json()['id']}/").json()["override_reason"] == "Paper shipment"


# --- the admin: no door -----------------------------------------------------------------------------


def test_admin_has_no_door_to_post_or_change_a_return(client, admin_user, order, accountant, stock):
    client.force_login(admin_user)
    assert client.get("/admin/orders/customerreturn/add/").status_code == 403
    document = give_back(order, accountant, (stock["WIDGET"].lic, "1", None), override_reason="paper")
    response = client.post(f"/admin/orders/customerreturn/{document.pk}/change/", {"override_reason": "edited"})
    assert response.status_code == 403
    document.refresh_from_db()
    assert document.override_reason == "paper"
