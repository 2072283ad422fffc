"""Every export has an API door (API.md "CSV export of lots"): token or session, 401 without
credentials, 403 without the export permission, a bad filter is a 400 JSON error, and the file
is byte for byte the page's export (one implementation behind both doors)."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import resolve
from openpyxl import load_workbook
from rest_framework.test import APIClient

from inventory_lots.models import LotExport
from tests.conftest import adjust_in
from tests.factories import LicFactory

from .conftest import grow_ledger

API = "/api/v1/"
CONTRACT_HEADER = [  # API.md, in this order
    "Lot",
    "Type",
    "Status",
    "Office",
    "LIC",
    "Description",
    "Date",
    "Transaction",
    "Parent order",
    "Serialized",
    "Track by mfr lot",
    "Qty in",
    "Qty used",
    "Qty available",
    "Unit cost",
    "Value in",
    "Value used",
    "Value available",
    "Accrued value",
]


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body(response).decode("utf-8"))))


def assert_refused(response, status: int, code: str):
    assert response.status_code == status, (response.status_code, body(response)[:300])
    assert response["Content-Type"].startswith("application/json")
    data = response.json()
    assert set(data) == {"code", "message", "field", "errors"} and data["code"] == code, data


@pytest.fixture
def lots(office, lic):
    gadget = LicFactory(code="GADGET", description="=Gadget")  # a formula-looking text cell
    return [
        adjust_in(office=office, lic=lic, quantity="10", unit_cost="2.50"),
        adjust_in(office=office, lic=gadget, quantity="1234.5", unit_cost="1.00"),
    ]


# --- the lot list export ------------------------------------------------------------------------


def test_the_lot_export_route_is_not_swallowed_by_the_lot_detail_route():
    assert resolve("/api/v1/lots/export.csv").url_name == "lot-export-csv"
    assert resolve("/api/v1/lots/export.xlsx").url_name == "lot-export-xlsx"


def test_a_token_client_gets_the_contract_csv(lots, api, accountant):
    response = api(accountant).get(API + "lots/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="lots-')
    table = rows(response)
    assert table[0] == CONTRACT_HEADER
    by_lot = {row[0]: dict(zip(CONTRACT_HEADER, row)) for row in table[1:]}
    assert set(by_lot) == {lot.number for lot in lots}
    gadget = by_lot[lots[1].number]
    assert (gadget["Description"], gadget["Qty in"], gadget["Value in"], gadget["Serialized"]) == (
        "'=Gadget",
        "1234.500000",
        "1234.50",
        "no",
    )  # decimals plain with fixed places: quantities 6, money 2
    record = LotExport.objects.get()
    assert (record.user, record.format, record.row_count) == (accountant, "csv", 2)


def test_the_api_csv_is_the_page_csv(lots, api, accountant, accountant_client):
    for query in ("", "?lic=WIDGET", "?q=gadget&status=open", "?q=nothing-matches"):
        page = accountant_client.get("/lots/export.csv" + query)
        door = api(accountant).get(API + "lots/export.csv" + query)
        assert (page.status_code, door.status_code) == (200, 200)
        assert body(door) == body(page), query


def test_filters_apply(lots, api, accountant):
    table = rows(api(accountant).get(API + "lots/export.csv?lic=WIDGET&status=open"))
    assert [row[0] for row in table[1:]] == [lots[0].number]
    assert LotExport.objects.get().filters == {"lic": "WIDGET", "status": "open"}


def test_session_auth_works_too(lots, accountant_client):
    response = accountant_client.get(API + "lots/export.csv")
    assert response.status_code == 200 and rows(response)[0] == CONTRACT_HEADER


def test_anonymous_is_401_with_the_api_error_body(lots):
    response = APIClient().get(API + "lots/export.csv", HTTP_ACCEPT="text/csv")
    assert_refused(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Token")


@pytest.mark.parametrize("role_user", ["viewer", "clerk", "production_user"])
def test_roles_without_the_export_permission_get_403(role_user, lots, api, request):
    user = request.getfixturevalue(role_user)
    assert_refused(api(user).get(API + "lots/export.csv"), 403, "permission_denied")
    assert_refused(api(user).get(API + "lots/export.xlsx"), 403, "permission_denied")
    assert not LotExport.objects.exists()


@pytest.mark.parametrize(
    "query,field", [("?status=maybe", "status"), ("?lic=NOSUCH", "lic"), ("?date_from=someday", "date_from")]
)
def test_a_bad_filter_is_a_400_json_error(query, field, lots, api, accountant):
    response = api(accountant).get(API + "lots/export.csv" + query, HTTP_ACCEPT="text/csv")
    assert_refused(response, 400, "invalid")
    assert response.json()["field"] == field and response.json()["errors"][field]
    assert not LotExport.objects.exists()


def test_the_page_export_keeps_its_plain_400(lots, accountant_client):
    response = accountant_client.get("/lots/export.csv?lic=NOSUCH")
    assert response.status_code == 400 and response["Content-Type"].startswith("text/plain")
    assert b"lic" in response.content


def test_the_xlsx_export_has_an_api_door_too(lots, api, accountant, accountant_client, monkeypatch):
    response = api(accountant).get(API + "lots/export.xlsx?lic=WIDGET")
    assert response.status_code == 200
    sheet = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert list(sheet[0]) == CONTRACT_HEADER and [r[0] for r in sheet[1:]] == [lots[0].number]
    from inventory_lots import exports

    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 1)
    assert_refused(api(accountant).get(API + "lots/export.xlsx"), 400, "too_many_rows")
    assert accountant_client.get("/lots/export.xlsx").status_code == 400


# --- the other exports: COGS run entries, accrued inventory, recall ------------------------------


@pytest.fixture
def ledger(db, admin_user):
    return grow_ledger(2, actor=admin_user)


def _other_exports(run):
    from inventory_lots.models import Lot

    lot = Lot.objects.filter(lic__code="WIDGET").order_by("id").first()
    return [  # (API door, the page's export)
        (f"cogs-runs/{run.pk}/entries.csv", f"/cogs/runs/{run.pk}/entries.csv"),
        ("accrued-inventory.csv", "/purchasing/accrued.csv"),
        (f"lots/{lot.pk}/recall.csv", f"/trace/lots/{lot.pk}/recall.csv"),
    ]


def test_every_other_export_has_an_api_door_with_the_page_file(ledger, api, accountant, accountant_client):
    for door, page in _other_exports(ledger):
        from_page = accountant_client.get(page)
        from_api = api(accountant).get(API + door)
        assert (from_page.status_code, from_api.status_code) == (200, 200), door
        assert from_api["Content-Type"] == "text/csv; charset=utf-8"
        assert from_api["Content-Disposition"] == from_page["Content-Disposition"]
        content = body(from_api)
        assert content == body(from_page), door
        assert content.count(b"\n") > 2, (door, content)  # a header and rows
        assert accountant_client.get(API + door).status_code == 200  # session too


def test_every_other_export_refuses_anonymous_and_viewers(ledger, api, viewer):
    for door, _ in _other_exports(ledger):
        assert_refused(APIClient().get(API + door), 401, "not_authenticated")
        assert_refused(api(viewer).get(API + door), 403, "permission_denied")


def test_the_other_exports_check_their_arguments(ledger, api, accountant):
    client = api(accountant)
    assert_refused(client.get(f"{API}cogs-runs/{ledger.pk}/entries.csv?kind=nonsense"), 400, "invalid")
    assert_refused(client.get(f"{API}cogs-runs/{ledger.pk}/entries.csv?lot=x"), 400, "invalid")
    assert_refused(client.get(f"{API}cogs-runs/999999/entries.csv"), 404, "not_found")
    assert_refused(client.get(f"{API}lots/999999/recall.csv"), 404, "not_found")
    entries = rows(client.get(f"{API}cogs-runs/{ledger.pk}/entries.csv?kind=1"))
    assert len(entries) > 1 and {row[1] for row in entries[1:]} == {"Allocation"}


def test_the_inventory_transactions_csv_has_an_api_door_with_the_page_file(
    ledger, api, viewer, viewer_client, django_user_model
):
    """The movements CSV: the page's permission (viewing the ledger), not the export permission."""
    door, page = API + "inventory-transactions.csv?lic=WIDGET", "/movements/inventory-transactions.csv?lic=WIDGET"
    assert_refused(APIClient().get(door), 401, "not_authenticated")
    nobody = django_user_model.objects.create_user("no-role")
    assert_refused(api(nobody).get(door), 403, "permission_denied")
    assert_refused(api(viewer).get(API + "inventory-transactions.csv?lic=NOSUCH"), 400, "invalid")
    assert_refused(api(viewer).get(API + "inventory-transactions.csv"), 400, "invalid")
    from_page, from_api = viewer_client.get(page), api(viewer).get(door)
    assert (from_page.status_code, from_api.status_code) == (200, 200)
    assert from_api["Content-Type"] == "text/csv; charset=utf-8"
    assert from_api["Content-Disposition"] == from_page["Content-Disposition"]
    content = body(from_api)
    assert content == body(from_page)
    table = list(csv.reader(io.StringIO(content.decode("utf-8"))))
    assert table[0] == ["date", "kind", "document", "lot", "usage", "quantity", "balance"] and len(table) > 2, table


def test_every_page_export_has_an_api_door():
    """Found from the URL configuration: each page URL ending in .csv/.xlsx has an API twin (at
    the same path below /api/v1/ unless named here)."""
    from django.urls import get_resolver

    from tests.api.test_query_counts import _walk

    routes = [route for route, _ in _walk(get_resolver().url_patterns)]
    pages = {r for r in routes if not r.startswith(("api/", "admin/")) and r.endswith((".csv", ".xlsx"))}
    named = {
        "cogs/runs/<int:pk>/entries.csv": "api/v1/cogs-runs/<int:pk>/entries.csv",
        "purchasing/accrued.csv": "api/v1/accrued-inventory.csv",
        "trace/lots/<int:pk>/recall.csv": "api/v1/lots/<int:pk>/recall.csv",
        "movements/inventory-transactions.csv": "api/v1/inventory-transactions.csv",
    }  # else the same path
    twins = {page: named.get(page, "api/v1/" + page) for page in pages}
    assert {"lots/export.csv", "lots/export.xlsx", *named} <= pages
    missing = {page: twin for page, twin in twins.items() if twin not in routes}
    assert missing == {}, "a page export needs its API door (at the same path under api/v1/, or named here)"
