"""DOMAIN.md section 8 through the pages and the API: who may read, post, export, administer."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission, User

from core import roles
from inventory_lots.models import InventoryAdjustment, Lot
from inventory_lots.services import AdjustmentLineInput, post_adjustment
from tests.conftest import DAY, adjust_in
from tests.factories import UserFactory

from .conftest import adjustment_post_data

pytestmark = pytest.mark.django_db

API_BODY = {
    "office": "HQ",
    "date": "2026-03-02",
    "reason": "count",
    "lines": [{"lic": "WIDGET", "quantity": "2", "unit_cost": "1.50"}],
}
FORM_BODY = adjustment_post_data({"lic": "WIDGET", "quantity": "2", "unit_cost": "1.50"})


@pytest.fixture
def ledger(office, lic):
    lot = adjust_in(office=office, lic=lic, quantity="5", unit_cost="2")
    adjustment = post_adjustment(
        office=office, date=DAY, reason="loss", actor=None, lines=[AdjustmentLineInput(lic=lic, quantity=Decimal("-1"))]
    )
    return {"lot": lot, "usage": adjustment.lines.get().usage, "adjustment": adjustment}


def read_urls(ledger) -> list[str]:
    return [
        "/lots/",
        f"/lots/{ledger['lot'].pk}/",
        "/usage/",
        f"/usage/{ledger['usage'].pk}/",
        f"/adjustments/{ledger['adjustment'].pk}/",
    ]


def perms_of(group_name: str) -> set[str]:
    group = Group.objects.get(name=group_name)
    return {
        f"{app}.{codename}" for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    }


# --- groups -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [roles.VIEWER, roles.CLERK, roles.PRODUCTION, roles.ACCOUNTANT])
def test_role_group_holds_exactly_its_permissions(role):
    assert perms_of(role) == set(roles.ROLE_PERMISSIONS[role])


def test_administrator_group_holds_every_permission():
    held = perms_of(roles.ADMINISTRATOR)
    assert set(roles.ROLE_PERMISSIONS[roles.ADMINISTRATOR]) <= held
    assert len(held) == Permission.objects.count()


def test_the_five_role_groups_exist():
    names = set(Group.objects.values_list("name", flat=True))
    assert {roles.VIEWER, roles.CLERK, roles.PRODUCTION, roles.ACCOUNTANT, roles.ADMINISTRATOR} <= names


# --- viewer -----------------------------------------------------------------------------------


def test_viewer_reads_every_ledger_page(viewer_client, ledger):
    assert [viewer_client.get(url).status_code for url in read_urls(ledger)] == [200] * 5


def test_viewer_reads_the_api(api, viewer, ledger):
    client = api(viewer)
    for url in (
        "/api/v1/lots/",
        f"/api/v1/lots/{ledger['lot'].pk}/",
        "/api/v1/usages/",
        f"/api/v1/usages/{ledger['usage'].pk}/",
        "/api/v1/offices/",
        "/api/v1/line-item-codes/",
    ):
        assert client.get(url).status_code == 200, url


def test_viewer_may_not_post_an_adjustment_by_page_or_api(viewer_client, api, viewer, ledger):
    before = (Lot.objects.count(), InventoryAdjustment.objects.count())
    assert viewer_client.get("/adjustments/new/").status_code == 403
    assert viewer_client.post("/adjustments/new/", FORM_BODY).status_code == 403
    response = api(viewer).post("/api/v1/adjustments/", API_BODY, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert (Lot.objects.count(), InventoryAdjustment.objects.count()) == before


def test_viewer_may_not_export_csv(viewer_client, ledger):
    assert viewer_client.get("/lots/export.csv").status_code == 403


def test_viewer_lot_list_offers_no_export_link(viewer_client, ledger):
    assert b'id="export-csv"' not in viewer_client.get("/lots/").content


# --- clerk ------------------------------------------------------------------------------------


def test_clerk_posts_an_adjustment_through_the_page(clerk_client, clerk, ledger):
    response = clerk_client.post("/adjustments/new/", FORM_BODY)
    adjustment = InventoryAdjustment.objects.latest("id")
    assert response.status_code == 302 and response["Location"] == f"/adjustments/{adjustment.pk}/"
    assert (adjustment.created_by, adjustment.lines.get().lot.qty_in) == (clerk, 2)


def test_clerk_posts_an_adjustment_through_the_api(api, clerk, ledger):
    response = api(clerk).post("/api/v1/adjustments/", API_BODY, format="json")
    assert response.status_code == 201
    assert Lot.objects.get(pk=response.json()["lines"][0]["lot"]).qty_in == 2


def test_clerk_may_not_export_csv(clerk_client, ledger):
    assert clerk_client.get("/lots/export.csv").status_code == 403


def test_clerk_may_not_set_the_lock_date(api, clerk):
    assert api(clerk).post("/api/v1/lock-date/", {"date": "2026-03-01"}, format="json").status_code in (403, 404)


# --- production and accountant ----------------------------------------------------------------


def test_production_user_may_not_post_adjustments_or_export(client, production_user, api, ledger):
    client.force_login(production_user)
    assert client.post("/adjustments/new/", FORM_BODY).status_code == 403
    assert client.get("/lots/export.csv").status_code == 403
    assert api(production_user).post("/api/v1/adjustments/", API_BODY, format="json").status_code == 403
    assert client.get("/lots/").status_code == 200


def test_accountant_may_not_post_adjustments(accountant_client, api, accountant, ledger):
    before = InventoryAdjustment.objects.count()
    assert accountant_client.post("/adjustments/new/", FORM_BODY).status_code == 403
    assert api(accountant).post("/api/v1/adjustments/", API_BODY, format="json").status_code == 403
    assert InventoryAdjustment.objects.count() == before


def test_accountant_exports_csv_and_sees_the_link(accountant_client, ledger):
    response = accountant_client.get("/lots/export.csv")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).decode().count("\n") == 2  # header + one lot
    assert b'id="export-csv"' in accountant_client.get("/lots/").content


# --- anonymous and users without a role --------------------------------------------------------


def test_anonymous_pages_redirect_to_login(client, ledger):
    for url in read_urls(ledger) + ["/adjustments/new/", "/lots/export.csv"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/?next="), url


def test_anonymous_api_is_refused(client, ledger):
    assert client.get("/api/v1/lots/").status_code in (401, 403)
    response = client.post("/api/v1/adjustments/", API_BODY, content_type="application/json")
    assert response.status_code in (401, 403)
    assert response.json()["code"] == "not_authenticated"


def test_bad_token_is_refused(client, ledger):
    response = client.get("/api/v1/lots/", HTTP_AUTHORIZATION="Token nonsense")
    assert response.status_code in (401, 403)


def test_logged_in_user_without_a_role_sees_nothing(client, api, ledger):
    nobody = UserFactory(username="nobody")
    client.force_login(nobody)
    assert [client.get(url).status_code for url in read_urls(ledger)] == [403] * 5
    assert api(nobody).get("/api/v1/lots/").status_code == 403


# --- the Django admin -------------------------------------------------------------------------


def test_only_administrators_reach_the_django_admin(client, admin_user, viewer, clerk, accountant):
    for user in (viewer, clerk, accountant):
        client.force_login(user)
        response = client.get("/admin/")
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), user
    client.force_login(admin_user)
    assert client.get("/admin/").status_code == 200


def test_staff_administrator_group_member_reaches_the_admin(client):
    boss = UserFactory(username="boss", role=roles.ADMINISTRATOR)
    User.objects.filter(pk=boss.pk).update(is_staff=True)
    client.force_login(boss)
    assert client.get("/admin/inventory_lots/lineitemcode/").status_code == 200
