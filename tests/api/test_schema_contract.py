"""What the OpenAPI schema promises a generated client, and that the server keeps it: JSON bodies
only, every error answer documented with the ``Error`` body, ``lines`` never empty."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from inventory_lots.models import InventoryAdjustment, InventoryUsage, Lot, Office
from orders.models import CustomerReturn, Shipment
from production.models import ProductionOrder
from purchasing.models import PurchaseOrder, Receipt, VendorInvoice

from .openapi_check import api_schema, operations, problems, untyped

ERROR_REF = {"$ref": "#/components/schemas/Error"}


@pytest.fixture(scope="module")
def schema():
    return api_schema()


def _request_component(schema: dict, operation: dict) -> dict:
    ref = next(iter(operation["requestBody"]["content"].values()))["schema"]["$ref"]  # JSON, or an import's file
    return schema["components"]["schemas"][ref.rsplit("/", 1)[1]]


# --- 1. JSON in -------------------------------------------------------------------------------


def test_request_bodies_are_json_only(schema):
    bodies = {(m, p): sorted(op["requestBody"]["content"]) for m, p, op in operations(schema) if "requestBody" in op}
    assert len(bodies) >= 20
    # the one exception: an import takes a file (multipart), docs/import.md
    files = {("POST", "/api/v1/imports/"): ["multipart/form-data"]}
    assert {key: types for key, types in bodies.items() if types != ["application/json"]} == files


@pytest.mark.parametrize("encoding", ["multipart", "urlencoded"])
def test_form_and_multipart_bodies_are_refused_with_415_and_write_nothing(api, admin_user, encoding):
    client = api(admin_user)
    body = {"code": "FORM", "name": "Posted as a form"}
    if encoding == "multipart":
        response = client.post("/api/v1/offices/", body, format="multipart")
    else:
        response = client.generic(
            "POST", "/api/v1/offices/", urlencode(body), content_type="application/x-www-form-urlencoded"
        )
    assert response.status_code == 415
    answer = response.json()
    assert (answer["code"], answer["field"], answer["errors"]) == ("unsupported_media_type", None, {})
    assert answer["message"].startswith("Unsupported media type")
    assert not Office.objects.filter(code="FORM").exists()
    assert client.post("/api/v1/offices/", body, format="json").status_code == 201


def test_browsable_api_docs_and_schema_still_answer(admin_client):
    page = admin_client.get("/api/v1/purchase-orders/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    html = page.content.decode()
    # the browsable API's raw-data form posts JSON, and offers nothing else
    assert '<option value="application/json" selected>application/json</option>' in html
    assert "multipart/form-data" not in html and "x-www-form-urlencoded" not in html
    assert admin_client.get("/api/docs/").status_code == 200
    served = admin_client.get("/api/schema/?format=json")
    assert served.status_code == 200
    assert served.json()["paths"].keys() == api_schema()["paths"].keys()


# --- 2. errors documented ---------------------------------------------------------------------


def test_every_operation_documents_its_error_answers(schema):
    missing = []
    for method, path, op in operations(schema):
        documented = {code for code, response in op["responses"].items() if code >= "400"}
        expected = {"401", "403"}
        if "{" in path:
            expected.add("404")
        takes_query = any(p["in"] == "query" for p in op.get("parameters", []))
        if "requestBody" in op:
            expected |= {"400", "415"}
        elif takes_query:
            expected.add("400")
        if not expected <= documented:
            missing.append((method, path, sorted(expected - documented)))
        for code in documented:
            if op["responses"][code]["content"] != {"application/json": {"schema": ERROR_REF}}:
                missing.append((method, path, code, "not the Error body"))
    assert missing == []


@pytest.mark.parametrize(
    ("method", "path", "conflict"),
    [
        ("POST", "/api/v1/purchase-orders/{id}/receipts/", True),  # receiving on a closed PO
        ("POST", "/api/v1/purchase-orders/{id}/close/", True),
        ("POST", "/api/v1/receipts/{id}/reverse/", True),
        ("POST", "/api/v1/production-orders/{id}/release/", True),  # releasing twice
        ("POST", "/api/v1/lock-date/", True),  # moving it backwards
        ("POST", "/api/v1/shipments/", True),  # the order is closed
        ("POST", "/api/v1/offices/", False),
        ("POST", "/api/v1/purchase-orders/", False),
        ("GET", "/api/v1/lots/{id}/", False),
    ],
)
def test_409_is_documented_where_a_state_conflict_can_answer(schema, method, path, conflict):
    assert ("409" in schema["paths"][path][method.lower()]["responses"]) is conflict


def test_every_conflict_entry_names_a_real_operation(schema):
    from api.schema import CONFLICTS

    real = {(m, p.removeprefix("/api/v1")) for m, p, _ in operations(schema)}
    assert set(CONFLICTS) - real == set()


def test_the_error_component_is_the_api_error_body(schema):
    error = schema["components"]["schemas"]["Error"]
    assert sorted(error["required"]) == ["code", "errors", "field", "message"]
    assert error["properties"]["field"] == {**error["properties"]["field"], "type": "string", "nullable": True}
    assert error["properties"]["errors"]["additionalProperties"] == {"type": "array", "items": {"type": "string"}}


def test_real_error_answers_are_documented_and_match_the_error_body(
    schema, api, client, admin_user, viewer, accountant, office, lic, vendor
):
    from inventory_lots.services import set_lock_date
    from tests.conftest import DAY

    set_lock_date(date=DAY, actor=None)
    admin, key = api(admin_user), {"HTTP_IDEMPOTENCY_KEY": "k-1"}
    po = {
        "vendor": "ACME",
        "office": "HQ",
        "date": "2026-03-05",
        "lines": [{"lic": "WIDGET", "quantity": "1", "unit_cost": "1.00"}],
    }
    assert admin.post("/api/v1/purchase-orders/", po, **key).status_code == 201
    answers = {
        ("GET", "/api/v1/lots/", "401"): client.get("/api/v1/lots/"),
        ("POST", "/api/v1/offices/", "403"): api(viewer).post("/api/v1/offices/", {"code": "X", "name": "X"}),
        ("GET", "/api/v1/lots/{id}/", "404"): admin.get("/api/v1/lots/999999/"),
        ("POST", "/api/v1/purchase-orders/", "400"): admin.post("/api/v1/purchase-orders/", {**po, "lines": []}),
        ("POST", "/api/v1/lock-date/", "409"): api(accountant).post("/api/v1/lock-date/", {"date": "2026-01-01"}),
        ("POST", "/api/v1/offices/", "415"): admin.post(
            "/api/v1/offices/", {"code": "X", "name": "X"}, format="multipart"
        ),
        ("POST", "/api/v1/purchase-orders/", "422"): admin.post(
            "/api/v1/purchase-orders/", {**po, "date": "2026-03-06"}, **key
        ),
    }
    for (method, path, code), response in answers.items():
        assert str(response.status_code) == code, (path, response.content)
        assert code in schema["paths"][path][method.lower()]["responses"], (method, path, code)
        assert problems(schema, "Error", response.json()) == [], (path, response.json())


# --- 3. lines never empty ---------------------------------------------------------------------


def _lines_operations(schema):
    return [
        (m, p)
        for m, p, op in operations(schema)
        if "requestBody" in op and "lines" in _request_component(schema, op).get("properties", {})
    ]


def test_lines_in_request_bodies_have_min_items_1(schema):
    found = {}
    for method, path, op in operations(schema):
        if "requestBody" in op:
            lines = _request_component(schema, op).get("properties", {}).get("lines")
            if lines is not None:
                found[(method, path)] = (lines["type"], lines.get("minItems"))
    assert len(found) >= 7
    assert {key: value for key, value in found.items() if value != ("array", 1)} == {}


def test_empty_lines_get_the_api_400_and_write_nothing(schema, api, admin_user, office, lic, vendor, order):
    from production.services import create_production_order
    from tests.traceability.conftest import D, buy

    po, _ = buy(vendor=vendor, office=office, lic=lic, quantity="2", unit_cost="1.00")
    mo = create_production_order(
        office=office,
        date=po.date,
        lic=lic,
        estimated_quantity=D("1"),
        estimated_unit_cost=D("1.00"),
        order=None,
        actor=None,
    )
    ids = {"purchase-orders": po.pk, "production-orders": mo.pk}
    models = [
        PurchaseOrder,
        Receipt,
        VendorInvoice,
        Shipment,
        CustomerReturn,
        InventoryAdjustment,
        InventoryUsage,
        Lot,
        ProductionOrder,
    ]
    before = [m.objects.count() for m in models]
    client = api(admin_user)
    seen = []
    for method, path in _lines_operations(schema):
        url = path.replace("{id}", str(ids.get(path.split("/")[3], 0)))
        response = client.generic(method, url, '{"lines": []}', content_type="application/json")
        assert response.status_code == 400, (url, response.content)
        assert response.json()["code"] == "invalid"
        assert response.json()["errors"]["lines"] == ["This list may not be empty."], url
        seen.append(path)
    assert len(seen) >= 7
    assert [m.objects.count() for m in models] == before


# --- 4. nothing untyped -----------------------------------------------------------------------


def test_no_schema_is_untyped_or_free_form(schema):
    assert untyped(schema) == []


def test_money_is_optional_in_responses_and_required_where_it_is_asked(schema):
    """A user without "see costs" gets responses without their money keys (DOMAIN.md 11): the
    schema must not promise them; a request body still requires what it requires."""
    components = schema["components"]["schemas"]
    lot = components["Lot"]
    assert "unit_cost" in lot["properties"] and "unit_cost" not in lot.get("required", [])
    assert "qty_in" in lot["required"]  # quantities stay for everyone
    po_line_in = components["POLineInRequest"]  # a unit cost asked for stays required
    assert {"unit_cost", "quantity"} <= set(po_line_in["required"])
