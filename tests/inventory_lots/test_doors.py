"""The same bad input at every door (adjustment form, API, admin): a clear message on the right
field and nothing written."""

from __future__ import annotations

from decimal import Decimal

import pytest

from inventory_lots.models import InventoryAdjustment, InventoryUsage, LineItemCode, Lot, Office
from tests.conftest import adjust_in

from .conftest import adjustment_post_data, ledger_counts

D = Decimal
pytestmark = pytest.mark.django_db

GOOD = {"lic": "WIDGET", "quantity": "2", "unit_cost": "1.50"}

# (line input, field of the line, message)
BAD_LINES = [
    pytest.param(
        {**GOOD, "unit_cost": "-1"},
        "unit_cost",
        "Ensure this value is greater than or equal to 0.",
        id="negative-unit-cost",
    ),
    pytest.param({**GOOD, "quantity": "0"}, "quantity", "Line 1: Quantity cannot be zero.", id="zero-quantity"),
    pytest.param({**GOOD, "lic": "NOPE"}, "lic", "Unknown LIC “NOPE”.", id="unknown-lic"),
    pytest.param(
        {**GOOD, "lic": "LABOR"},
        "lic",
        "Line 1: LABOR is not an inventoried line item code: it has no lots or usage.",
        id="non-inventoried-lic",
    ),
    pytest.param(
        {**GOOD, "quantity": "1.0000001"},
        "quantity",
        "Ensure that there are no more than 6 decimal places.",
        id="seven-places-quantity",
    ),
    pytest.param(
        {**GOOD, "unit_cost": "1.0000001"},
        "unit_cost",
        "Ensure that there are no more than 6 decimal places.",
        id="seven-places-unit-cost",
    ),
]


@pytest.fixture
def master(office, lic, service_lic):
    return office, lic, service_lic


# --- the adjustment form ----------------------------------------------------------------------


@pytest.mark.parametrize(("bad", "field", "message"), BAD_LINES)
def test_adjustment_form_shows_field_error_and_writes_nothing(clerk_client, master, bad, field, message):
    before = ledger_counts()
    response = clerk_client.post("/adjustments/new/", adjustment_post_data(bad))
    assert response.status_code == 400
    line_form = response.context["formset"].forms[0]
    assert line_form.errors[field] == [message]
    assert message in response.content.decode()
    assert ledger_counts() == before


def test_adjustment_form_error_lands_on_the_failing_line(clerk_client, master):
    before = ledger_counts()
    response = clerk_client.post("/adjustments/new/", adjustment_post_data(GOOD, {**GOOD, "lic": "LABOR"}))
    assert response.status_code == 400
    forms = response.context["formset"].forms
    assert (forms[0].errors, forms[1].errors["lic"]) == (
        {},
        ["Line 2: LABOR is not an inventoried line item code: it has no lots or usage."],
    )
    assert ledger_counts() == before


def test_adjustment_form_refuses_missing_header_fields(clerk_client, master):
    before = ledger_counts()
    response = clerk_client.post("/adjustments/new/", adjustment_post_data(GOOD, office="", date="", reason=""))
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"office", "date", "reason"}
    assert ledger_counts() == before


def test_adjustment_form_with_no_lines_is_refused(clerk_client, master):
    response = clerk_client.post("/adjustments/new/", adjustment_post_data({}))
    assert response.status_code == 400
    assert InventoryAdjustment.objects.count() == 0


def test_adjustment_form_refuses_a_locked_date_naming_it(clerk_client, master):
    from inventory_lots.services import set_lock_date
    from tests.conftest import DAY

    set_lock_date(date=DAY, actor=None)
    response = clerk_client.post("/adjustments/new/", adjustment_post_data(GOOD, date="2026-03-01"))
    assert response.status_code == 400
    assert response.context["form"].errors["date"] == [
        "The books are closed through 2026-03-01: choose a date after it."
    ]
    assert Lot.objects.count() == 0


def test_adjustment_form_posts_good_input(clerk_client, master):
    response = clerk_client.post(
        "/adjustments/new/",
        adjustment_post_data(
            GOOD, {"lic": "widget", "quantity": "-1"}, {"lic": "WIDGET", "quantity": "1", "unit_cost": ""}
        ),
    )
    adjustment = InventoryAdjustment.objects.get()
    assert response.status_code == 302
    lots = Lot.objects.order_by("id")
    assert [lot.unit_cost for lot in lots] == [D("1.5"), D("1.5")]  # the blank cost took the open-lot average
    assert InventoryUsage.objects.get().quantity == D("1")
    assert adjustment.lines.count() == 3


def test_adjustment_form_prefills_a_line_from_the_query_string(clerk_client, master):
    response = clerk_client.get("/adjustments/new/?lic=WIDGET&office=HQ&quantity=2")
    assert response.status_code == 200
    assert response.context["formset"].forms[0].initial == {"lic": "WIDGET", "quantity": "2"}


# --- the API ----------------------------------------------------------------------------------


def api_body(*lines, **header):
    return {"office": "HQ", "date": "2026-03-02", "reason": "count", "lines": list(lines), **header}


@pytest.mark.parametrize(
    ("bad", "code", "field", "message"),
    [
        (
            {**GOOD, "unit_cost": "-1"},
            "invalid",
            "lines[0].unit_cost",
            "Ensure this value is greater than or equal to 0.",
        ),
        ({**GOOD, "quantity": "0"}, "zero_quantity", "lines[0].quantity", "Line 1: Quantity cannot be zero."),
        ({**GOOD, "lic": "NOPE"}, "invalid", "lines[0].lic", "Unknown code “NOPE”."),
        (
            {**GOOD, "lic": "LABOR"},
            "lic_not_inventoried",
            "lines[0].lic",
            "Line 1: LABOR is not an inventoried line item code: it has no lots or usage.",
        ),
        (
            {**GOOD, "quantity": "1.0000001"},
            "invalid",
            "lines[0].quantity",
            "Ensure that there are no more than 6 decimal places.",
        ),
        (
            {**GOOD, "unit_cost": "1.0000001"},
            "invalid",
            "lines[0].unit_cost",
            "Ensure that there are no more than 6 decimal places.",
        ),
        (
            {**GOOD, "quantity": 2.5},
            "invalid",
            "lines[0].quantity",
            'Send decimals as strings (e.g. "12.50"), not as JSON floats.',
        ),
        (
            {**GOOD, "unit_cost": 0.1},
            "invalid",
            "lines[0].unit_cost",
            'Send decimals as strings (e.g. "12.50"), not as JSON floats.',
        ),
        ({**GOOD, "quantity": 2}, None, None, None),  # a JSON integer quantity is fine
    ],
    ids=[
        "negative-unit-cost",
        "zero-quantity",
        "unknown-lic",
        "non-inventoried",
        "seven-places-qty",
        "seven-places-cost",
        "float-quantity",
        "float-unit-cost",
        "integer-quantity",
    ],
)
def test_api_adjustment_bad_line_gets_the_error_body_and_writes_nothing(api, clerk, master, bad, code, field, message):
    before = ledger_counts()
    response = api(clerk).post("/api/v1/adjustments/", api_body(bad), format="json")
    if code is None:
        assert response.status_code == 201 and Lot.objects.get().qty_in == D("2")
        return
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"code", "message", "field", "errors"}
    assert (body["code"], body["field"]) == (code, field)
    assert body["errors"][field] == [message]
    assert message in body["message"]
    assert ledger_counts() == before


def test_api_error_on_a_later_line_names_that_line(api, clerk, master):
    response = api(clerk).post("/api/v1/adjustments/", api_body(GOOD, {**GOOD, "unit_cost": "-5"}), format="json")
    body = response.json()
    assert (response.status_code, body["field"]) == (400, "lines[1].unit_cost")
    assert body["message"] == "lines[1].unit_cost: Ensure this value is greater than or equal to 0."
    assert Lot.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"date": "2026-03-02", "reason": "r", "lines": [GOOD]}, "office"),
        (api_body(GOOD, office="MARS"), "office"),
        (api_body(GOOD, date="03/02/2026"), "date"),
        (api_body(), "lines"),
    ],
    ids=["no-office", "unknown-office", "bad-date", "no-lines"],
)
def test_api_adjustment_bad_header_gets_the_error_body(api, clerk, master, body, field):
    response = api(clerk).post("/api/v1/adjustments/", body, format="json")
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("invalid", field)
    assert InventoryAdjustment.objects.count() == 0


def test_api_malformed_json_gets_400_with_the_error_body(api, clerk, master):
    response = api(clerk).post("/api/v1/adjustments/", data='{"office": "HQ",', content_type="application/json")
    body = response.json()
    assert response.status_code == 400
    assert (body["code"], body["field"], body["errors"]) == ("malformed_request", None, {})
    assert body["message"].startswith("JSON parse error")
    assert InventoryAdjustment.objects.count() == 0


def test_api_locked_date_gets_the_error_body_naming_it(api, clerk, master):
    from inventory_lots.services import set_lock_date
    from tests.conftest import DAY

    set_lock_date(date=DAY, actor=None)
    response = api(clerk).post("/api/v1/adjustments/", api_body(GOOD, date="2026-02-27"), format="json")
    assert (response.status_code, response.json()["code"], response.json()["field"]) == (400, "date_locked", "date")
    assert "2026-03-01" in response.json()["message"]
    assert Lot.objects.count() == 0


def test_api_unknown_lot_is_404_with_the_error_body(api, viewer, master):
    response = api(viewer).get("/api/v1/lots/999999/")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


# --- the admin --------------------------------------------------------------------------------


@pytest.fixture
def posted(office, lic):
    from inventory_lots.services import AdjustmentLineInput, post_adjustment
    from tests.conftest import DAY

    lot = adjust_in(office=office, lic=lic, quantity="5", unit_cost="2")
    adjustment = post_adjustment(
        office=office, date=DAY, reason="loss", actor=None, lines=[AdjustmentLineInput(lic=lic, quantity=D("-1"))]
    )
    return {"lot": lot, "inventoryusage": adjustment.lines.get().usage, "inventoryadjustment": adjustment}


@pytest.mark.parametrize("model", ["lot", "inventoryusage", "inventoryadjustment"])
def test_admin_cannot_add_change_or_delete_posted_records(admin_client, posted, model):
    obj = posted[model]
    base = f"/admin/inventory_lots/{model}/"
    before = ledger_counts()
    assert admin_client.get(f"{base}{obj.pk}/change/").status_code == 200  # read-only view
    assert admin_client.post(f"{base}{obj.pk}/change/", {"reason": "edited", "qty_in": "99"}).status_code == 403
    assert admin_client.get(f"{base}{obj.pk}/delete/").status_code == 403
    assert admin_client.post(f"{base}{obj.pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin_client.get(f"{base}add/").status_code == 403
    assert ledger_counts() == before
    assert type(obj).objects.get(pk=obj.pk).date == obj.date


def test_admin_bulk_delete_action_is_not_offered_for_lots(admin_client, posted):
    response = admin_client.post(
        "/admin/inventory_lots/lot/", {"action": "delete_selected", "_selected_action": [posted["lot"].pk]}
    )
    assert Lot.objects.filter(pk=posted["lot"].pk).exists()
    assert response.status_code in (200, 302)


def test_admin_lists_of_posted_records_search_and_filter(admin_client, posted):
    lot = posted["lot"]
    response = admin_client.get(f"/admin/inventory_lots/lot/?q={lot.number}&type__exact=purchase")
    assert response.status_code == 200 and lot.number in response.content.decode()
    assert admin_client.get("/admin/inventory_lots/inventoryusage/?kind__exact=adjustment&q=WIDGET").status_code == 200
    assert admin_client.get("/admin/inventory_lots/inventoryadjustment/?q=loss").status_code == 200


def test_admin_edits_office_master_data(admin_client, office):
    response = admin_client.post(
        f"/admin/inventory_lots/office/{office.pk}/change/", {"code": "HQ", "name": "Head office"}
    )
    assert response.status_code == 302
    assert Office.objects.get(pk=office.pk).name == "Head office"


def test_admin_edits_lic_master_data(admin_client, lic):
    response = admin_client.post(
        f"/admin/inventory_lots/lineitemcode/{lic.pk}/change/",
        {
            "code": "WIDGET",
            "description": "Blue widget",
            "inventoried": "on",
            "costing_method": "lifo",
            "unit": "box",
            "active": "on",
        },
    )
    assert response.status_code == 302
    assert LineItemCode.objects.filter(pk=lic.pk).values_list("description", "costing_method", "unit").get() == (
        "Blue widget",
        "lifo",
        "box",
    )


def test_admin_refuses_lic_flags_without_inventoried(admin_client, service_lic):
    response = admin_client.post(
        f"/admin/inventory_lots/lineitemcode/{service_lic.pk}/change/",
        {
            "code": "LABOR",
            "description": "Labour",
            "serialized": "on",
            "costing_method": "fifo",
            "unit": "ea",
            "active": "on",
        },
    )
    assert response.status_code == 200
    assert "Only inventoried LICs can be serialized or tracked by mfr lot." in response.content.decode()
    assert LineItemCode.objects.get(pk=service_lic.pk).serialized is False


def test_admin_master_data_search_and_filters_work(admin_client, lic, service_lic, office):
    response = admin_client.get("/admin/inventory_lots/lineitemcode/?q=widg&inventoried__exact=1")
    text = response.content.decode()
    assert response.status_code == 200 and "WIDGET" in text and "LABOR" not in text
    response = admin_client.get("/admin/inventory_lots/lineitemcode/?inventoried__exact=0")
    assert response.status_code == 200 and "LABOR" in response.content.decode()
    response = admin_client.get("/admin/inventory_lots/office/?q=Headq")
    assert response.status_code == 200 and "HQ" in response.content.decode()


def test_adjustment_form_error_skips_blank_rows_when_naming_the_line(clerk_client, master):
    response = clerk_client.post("/adjustments/new/", adjustment_post_data(GOOD, {}, {**GOOD, "quantity": "0"}))
    forms = response.context["formset"].forms
    assert response.status_code == 400
    assert (forms[1].errors, forms[2].errors["quantity"]) == ({}, ["Line 2: Quantity cannot be zero."])
    assert Lot.objects.count() == 0


def test_admin_usage_page_shows_what_cogs_did(admin_client, posted):
    """The COGS state lives in the usage's UsageCogs row; the admin's view page still shows it."""
    from inventory_lots.models import UsageCogs

    usage = posted["inventoryusage"]
    UsageCogs.objects.filter(usage=usage).update(allocated_quantity=D("1"), cogs_value=D("2.00"))
    page = admin_client.get(f"/admin/inventory_lots/inventoryusage/{usage.pk}/change/").content.decode()
    for label in ("Allocated quantity", "Unallocated quantity", "Cogs value", "Accrued value", "No cost basis"):
        assert label in page, label
    assert "2.00" in page
