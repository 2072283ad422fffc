"""Adjustment kinds (DOMAIN.md 9): count, loss, found, beginning_balance, other (the default), at
every door (service, form, API, admin), the CHECK on the values, the beginning-balance rule (positive
lines with a unit cost only) and the journal account the kind picks (DOMAIN.md 10)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from core.errors import ValidationFailed
from inventory_lots.models import AdjustmentKind, InventoryAdjustment
from inventory_lots.services import AdjustmentLineInput, post_adjustment
from reports import journal
from tests.conftest import DAY, adjust_in

from .conftest import adjustment_post_data, ledger_counts

D = Decimal
pytestmark = pytest.mark.django_db

GOOD = {"lic": "WIDGET", "quantity": "2", "unit_cost": "1.50"}


def post(office, lic, *, kind, quantity="2", unit_cost="1.50"):
    return post_adjustment(
        office=office,
        date=DAY,
        kind=kind,
        reason="go live",
        actor=None,
        lines=[
            AdjustmentLineInput(lic=lic, quantity=D(quantity), unit_cost=None if unit_cost is None else D(unit_cost))
        ],
    )


# --- service ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", AdjustmentKind.values)
def test_every_kind_is_stored(office, lic, kind):
    adjustment = post(office, lic, kind=kind)
    assert InventoryAdjustment.objects.get(pk=adjustment.pk).kind == kind


def test_kind_defaults_to_other(office, lic):
    lot = adjust_in(office=office, lic=lic, quantity="1", unit_cost="2.00")
    assert InventoryAdjustment.objects.get().kind == "other" and lot.qty_in == D("1")


def test_unknown_kind_is_refused_and_writes_nothing(office, lic):
    before = ledger_counts()
    with pytest.raises(ValidationFailed) as caught:
        post(office, lic, kind="theft")
    assert (caught.value.code, caught.value.field) == ("invalid_kind", "kind")
    assert caught.value.message == "Unknown adjustment kind theft: use count, loss, found, beginning_balance or other."
    assert ledger_counts() == before


def test_beginning_balance_refuses_a_negative_line(office, lic):
    adjust_in(office=office, lic=lic, quantity="5", unit_cost="1.00")
    before = ledger_counts()
    with pytest.raises(ValidationFailed) as caught:
        post(office, lic, kind="beginning_balance", quantity="-1")
    assert (caught.value.code, caught.value.field) == ("opening_quantity_not_positive", "lines[0].quantity")
    assert caught.value.message == (
        "Line 1: Opening stock (beginning balance) only adds stock: the quantity must be positive."
    )
    assert ledger_counts() == before


def test_beginning_balance_needs_the_unit_cost_even_with_a_default_at_hand(office, lic):
    adjust_in(office=office, lic=lic, quantity="5", unit_cost="1.00")  # a default cost exists
    before = ledger_counts()
    with pytest.raises(ValidationFailed) as caught:
        post(office, lic, kind="beginning_balance", unit_cost=None)
    assert (caught.value.code, caught.value.field) == ("unit_cost_required", "lines[0].unit_cost")
    assert ledger_counts() == before
    # another kind takes the default cost
    assert post(office, lic, kind="found", unit_cost=None).lines.get().unit_cost == D("1.000000")


def test_kind_check_constraint_fires(office, lic):
    adjustment = post(office, lic, kind="loss")
    with pytest.raises(IntegrityError, match="inventory_lots_adjustment_kind_valid"), transaction.atomic():
        InventoryAdjustment.objects.filter(pk=adjustment.pk).update(kind="theft")


# --- journal (DOMAIN.md 10) -----------------------------------------------------------------


@pytest.mark.parametrize(("kind", "credit"), [("beginning_balance", "3900"), ("found", "5100"), ("other", "5100")])
def test_kind_picks_the_credit_account_of_the_lot(office, lic, kind, credit):
    post(office, lic, kind=kind, quantity="4", unit_cost="2.50")
    found = journal.journal_lines(date_from=DAY, date_to=DAY)
    assert [(x.account, x.debit, x.credit) for x in found] == [
        ("1300", D("10.00"), D("0.00")),
        (credit, D("0.00"), D("10.00")),
    ]


# --- form -------------------------------------------------------------------------------------


def test_form_posts_the_kind(clerk_client, office, lic):
    data = {**adjustment_post_data(GOOD), "kind": "beginning_balance"}
    response = clerk_client.post("/adjustments/new/", data)
    assert response.status_code == 302
    adjustment = InventoryAdjustment.objects.get()
    assert adjustment.kind == "beginning_balance"
    page = clerk_client.get(adjustment.get_absolute_url()).content.decode()
    assert "Beginning balance" in page


def test_form_kind_defaults_to_other(clerk_client, office, lic):
    assert clerk_client.get("/adjustments/new/").context["form"]["kind"].value() == "other"
    response = clerk_client.post("/adjustments/new/", adjustment_post_data(GOOD))
    assert response.status_code == 302 and InventoryAdjustment.objects.get().kind == "other"


def test_form_refuses_an_unknown_kind(clerk_client, office, lic):
    before = ledger_counts()
    response = clerk_client.post("/adjustments/new/", {**adjustment_post_data(GOOD), "kind": "theft"})
    assert response.status_code == 400
    assert response.context["form"].errors["kind"] == [
        "Select a valid choice. theft is not one of the available choices."
    ]
    assert ledger_counts() == before


def test_form_beginning_balance_without_unit_cost_errors_on_the_line(clerk_client, office, lic):
    before = ledger_counts()
    data = {**adjustment_post_data({**GOOD, "unit_cost": ""}), "kind": "beginning_balance"}
    response = clerk_client.post("/adjustments/new/", data)
    assert response.status_code == 400
    assert response.context["formset"].forms[0].errors["unit_cost"] == [
        "Line 1: Opening stock (beginning balance) needs the unit cost of every line."
    ]
    assert ledger_counts() == before


# --- API --------------------------------------------------------------------------------------


def body(**header):
    return {"office": "HQ", "date": "2026-03-02", "reason": "go live", "lines": [GOOD], **header}


def test_api_kind_default_and_echo(api, clerk, office, lic):
    response = api(clerk).post("/api/v1/adjustments/", body(), format="json")
    assert response.status_code == 201 and response.json()["kind"] == "other"
    response = api(clerk).post("/api/v1/adjustments/", body(kind="count"), format="json")
    assert response.status_code == 201 and response.json()["kind"] == "count"
    listed = api(clerk).get("/api/v1/adjustments/").json()["results"]
    assert [a["kind"] for a in listed] == ["count", "other"]
    one = api(clerk).get(f"/api/v1/adjustments/{listed[0]['id']}/").json()
    assert one["kind"] == "count"


def test_api_unknown_kind_is_400(api, clerk, office, lic):
    before = ledger_counts()
    response = api(clerk).post("/api/v1/adjustments/", body(kind="theft"), format="json")
    assert response.status_code == 400
    assert response.json()["field"] == "kind"
    assert ledger_counts() == before


def test_api_beginning_balance_negative_line_is_400(api, clerk, office, lic):
    adjust_in(office=office, lic=lic, quantity="5", unit_cost="1.00")
    before = ledger_counts()
    line = {**GOOD, "quantity": "-1"}
    response = api(clerk).post("/api/v1/adjustments/", body(kind="beginning_balance", lines=[line]), format="json")
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == (
        "opening_quantity_not_positive",
        "lines[0].quantity",
    )
    assert ledger_counts() == before


# --- admin ------------------------------------------------------------------------------------


def test_admin_lists_and_filters_by_kind(admin_client, office, lic):
    post(office, lic, kind="loss", quantity="1")
    post(office, lic, kind="beginning_balance", quantity="1")
    response = admin_client.get("/admin/inventory_lots/inventoryadjustment/?kind=beginning_balance")
    assert response.status_code == 200
    shown = [a.kind for a in response.context["cl"].result_list]
    assert shown == ["beginning_balance"]
    assert "Beginning balance" in response.content.decode()
