"""Issue 17, "codes that differ only by case": at every door a code is either refused (a new code
that differs only by case from another, or holds characters outside letters, digits, ``.``, ``_``,
``-``) or resolved by one rule (case-insensitively, to the one record that has it): the API's
master-data create and edit, its code fields and URLs, the admin, the page forms, the list
filters and the command."""

from __future__ import annotations

import io
import string

import pytest
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import roles
from core.codes import MSG_CODE_CHARS, code_taken_message
from inventory_lots.models import InventoryAdjustment, LineItemCode, Office
from orders.models import Customer, Order
from purchasing.models import Vendor
from tests.conftest import adjust_in
from tests.factories import user_with_role
from tests.trust.conftest import management

pytestmark = pytest.mark.django_db
API = "/api/v1/"
D0 = "2026-03-05"

MASTER = [
    pytest.param("offices/", Office, "HQ", {"name": "Twin"}, id="office"),
    pytest.param("line-item-codes/", LineItemCode, "WIDGET", {"description": "Twin"}, id="lic"),
    pytest.param("vendors/", Vendor, "ACME", {"name": "Twin"}, id="vendor"),
    pytest.param("customers/", Customer, "CUST", {"name": "Twin"}, id="customer"),
]


@pytest.fixture
def masters(office, lic, vendor, customer, service_lic):
    return office, lic, vendor, customer


@pytest.fixture
def administrator(db):
    return user_with_role(roles.ADMINISTRATOR)


def counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Office, LineItemCode, Vendor, Customer))


# --- the API: create and edit ----------------------------------------------------------------------


@pytest.mark.parametrize(("path", "model", "code", "body"), MASTER)
def test_api_refuses_a_new_code_differing_only_by_case(path, model, code, body, api, administrator, masters):
    before = counts()
    for twin in (code.lower(), code.capitalize(), f" {code.lower()} "):
        response = api(administrator).post(API + path, {"code": twin, **body}, format="json")
        assert response.status_code == 400, response.content
        assert response.json()["field"] == "code"
        assert response.json()["errors"]["code"] == [code_taken_message(model, code)]
    assert counts() == before


@pytest.mark.parametrize(("path", "model", "code", "body"), MASTER)
@pytest.mark.parametrize("bad", ["NEW CODE", "NEW\u202eEDOC", "NÉW", "A/B", "A;B"])
def test_api_refuses_a_code_outside_the_character_set(path, model, code, body, bad, api, administrator, masters):
    before = counts()
    response = api(administrator).post(API + path, {"code": bad, **body}, format="json")
    assert response.status_code == 400, response.content
    assert (response.json()["field"], response.json()["errors"]["code"]) == ("code", [MSG_CODE_CHARS])
    assert counts() == before


@pytest.mark.parametrize(("path", "model", "code", "body"), MASTER)
def test_api_accepts_a_code_of_letters_digits_dot_underscore_dash(path, model, code, body, api, administrator):
    response = api(administrator).post(API + path, {"code": "New.Code_2-b", **body}, format="json")
    assert response.status_code == 201, response.content
    assert model.objects.filter(code="New.Code_2-b").exists()


@pytest.mark.parametrize(("path", "model", "code", "body"), MASTER)
def test_api_patch_refuses_taking_another_records_code_in_another_case(
    path, model, code, body, api, administrator, masters
):
    other = model.objects.create(code="OTHER", **({"name": "o"} if "name" in body else {}))
    response = api(administrator).patch(f"{API}{path}OTHER/", {"code": code.lower()}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["errors"]["code"] == [code_taken_message(model, code)]
    response = api(administrator).patch(f"{API}{path}OTHER/", {"code": "OTH ER"}, format="json")
    assert response.status_code == 400 and response.json()["errors"]["code"] == [MSG_CODE_CHARS]
    other.refresh_from_db()
    assert other.code == "OTHER"


# --- the API: codes in fields and URLs resolve case-insensitively --------------------------------


@pytest.mark.parametrize(
    ("path", "code"), [("offices/", "hq"), ("line-item-codes/", "Widget"), ("vendors/", "acme"), ("customers/", "cUsT")]
)
def test_api_detail_url_finds_the_record_whatever_the_case(path, code, api, viewer, masters):
    response = api(viewer).get(f"{API}{path}{code}/")
    assert response.status_code == 200, response.content
    assert response.json()["code"] == code.upper()


def test_api_detail_url_takes_a_code_with_a_dot(api, viewer, db):
    LineItemCode.objects.create(code="BOLT.M8", inventoried=True)
    response = api(viewer).get(f"{API}line-item-codes/bolt.m8/")
    assert response.status_code == 200, response.content
    assert response.json()["code"] == "BOLT.M8"


def test_api_code_fields_resolve_case_insensitively(api, clerk, masters):
    response = api(clerk).post(
        API + "adjustments/",
        {
            "office": "hq",
            "date": D0,
            "reason": "count",
            "lines": [{"lic": "widget", "quantity": "2", "unit_cost": "1.50"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    adjustment = InventoryAdjustment.objects.get()
    assert (adjustment.office.code, adjustment.lines.get().lic.code) == ("HQ", "WIDGET")
    response = api(clerk).post(API + "orders/", {"customer": "Cust", "office": "hQ", "date": D0}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["customer"] == "CUST" and response.json()["office"] == "HQ"


def test_api_list_filters_resolve_case_insensitively(api, viewer, masters, office, lic):
    adjust_in(office=office, lic=lic, quantity="1", unit_cost="1.00")
    response = api(viewer).get(API + "lots/?lic=widget&office=Hq")
    assert response.status_code == 200 and len(response.json()["results"]) == 1


# --- the admin ----------------------------------------------------------------------------------

ADMIN_ADD = [
    pytest.param("/admin/inventory_lots/office/add/", {"name": "Twin"}, "HQ", Office, id="office"),
    pytest.param(
        "/admin/inventory_lots/lineitemcode/add/",
        {"description": "Twin", "costing_method": "fifo", "unit": "ea", "active": "on"},
        "WIDGET",
        LineItemCode,
        id="lic",
    ),
    pytest.param("/admin/purchasing/vendor/add/", {"name": "Twin"}, "ACME", Vendor, id="vendor"),
    pytest.param("/admin/orders/customer/add/", {"name": "Twin"}, "CUST", Customer, id="customer"),
]


@pytest.mark.parametrize(("url", "body", "code", "model"), ADMIN_ADD)
def test_admin_refuses_a_code_differing_only_by_case(url, body, code, model, client, admin_user, masters):
    client.force_login(admin_user)
    before = counts()
    response = client.post(url, {"code": code.lower(), **body})
    assert response.status_code == 200  # the form again, with the error
    assert "codes are unique ignoring upper and lower case" in response.content.decode()
    response = client.post(url, {"code": "TWO WORDS", **body})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["code"] == [MSG_CODE_CHARS]
    assert counts() == before
    response = client.post(url, {"code": "NEW-1", **body})
    assert response.status_code == 302 and model.objects.filter(code="NEW-1").exists()


# --- page forms, filters, the command -------------------------------------------------------------


def test_page_forms_resolve_codes_case_insensitively(clerk_client, masters):
    data = {
        "office": "hq",
        "date": D0,
        "reason": "count",
        **management("lines", 1),
        "lines-0-lic": "wIdGeT",
        "lines-0-quantity": "2",
        "lines-0-unit_cost": "1.50",
    }
    response = clerk_client.post("/adjustments/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert InventoryAdjustment.objects.get().office.code == "HQ"
    response = clerk_client.post("/orders/new/", {"customer": "cust", "office": "Hq", "date": D0})
    assert response.status_code == 302
    assert Order.objects.get().customer.code == "CUST"


def test_purchase_order_form_resolves_vendor_and_office_case_insensitively(clerk_client, masters):
    from purchasing.models import PurchaseOrder

    data = {
        "vendor": "acme",
        "office": "hq",
        "date": D0,
        **management("lines", 1),
        "lines-0-lic": "widget",
        "lines-0-quantity": "1",
        "lines-0-unit_cost": "3",
    }
    response = clerk_client.post("/purchasing/po/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert PurchaseOrder.objects.get().office.code == "HQ"


def test_page_list_filters_resolve_case_insensitively(viewer_client, masters, office, lic):
    lot = adjust_in(office=office, lic=lic, quantity="1", unit_cost="1.00")
    html = viewer_client.get("/lots/?lic=widget&office=hq").content.decode()
    assert lot.number in html


def test_command_resolves_codes_case_insensitively(masters, office, lic):
    adjust_in(office=office, lic=lic, quantity="1", unit_cost="1.00")
    out = io.StringIO()
    call_command("run_cogs", "--office", "hq", "--lic", "widget", "--date", "2026-03-31", stdout=out)
    assert "COGS run" in out.getvalue() and "done" in out.getvalue()


# --- hypothesis: any code and any case twin of it ---------------------------------------------------

CODE_TEXT = st.text(alphabet=string.ascii_letters + string.digits + "._-", min_size=1, max_size=20)


@pytest.mark.parametrize(("path", "model", "code", "body"), MASTER)
def test_fuzzed_case_twins_are_one_record_at_every_api_door(path, model, code, body, api, administrator, db):
    client = api(administrator)

    @settings(
        max_examples=15,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(code=CODE_TEXT, flips=st.lists(st.booleans(), min_size=20, max_size=20))
    def check(code, flips):
        twin = "".join(c.swapcase() if flip else c for c, flip in zip(code, flips))
        with transaction.atomic():
            response = client.post(API + path, {"code": code, **body}, format="json")
            assert response.status_code == 201, (code, response.content)
            response = client.post(API + path, {"code": twin, **body}, format="json")
            assert response.status_code == 400, (code, twin, response.content)
            assert response.json()["field"] == "code"
            assert model.objects.filter(code__iexact=code).count() == 1
            response = client.get(f"{API}{path}{twin}/")
            assert response.status_code == 200 and response.json()["code"] == code, (code, twin)
            transaction.set_rollback(True)

    check()
