"""Who sees what (DOMAIN.md section 11): the access settings and their doors (/me/, /users/{u}/access/)."""

import pytest
from django.contrib.auth.models import Permission

from core import roles
from inventory_lots.models import OfficeAccess
from inventory_lots.scope import scope_for
from tests.factories import OfficeFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def offices():
    return OfficeFactory(code="EAST"), OfficeFactory(code="WEST")


def test_me_shows_a_restricted_clerk_their_offices_and_no_costs(api, offices):
    east, west = offices
    clerk = user_with_role(roles.CLERK, all_offices=False, offices={east: True, west: False})
    body = api(clerk).get("/api/v1/me/").json()
    assert body == {
        "username": "warehouse_clerk",
        "roles": [roles.CLERK],
        "all_offices": False,
        "offices": [{"code": "EAST", "can_post": True}, {"code": "WEST", "can_post": False}],
        "can_see_costs": False,
    }


def test_me_for_all_offices_lists_every_office(api, offices):
    accountant = user_with_role(roles.ACCOUNTANT)
    body = api(accountant).get("/api/v1/me/").json()
    assert body["all_offices"] is True and body["can_see_costs"] is True
    assert body["offices"] == [{"code": "EAST", "can_post": True}, {"code": "WEST", "can_post": True}]


def test_an_administrator_restricts_a_user_and_it_holds_on_the_next_request(api, admin_user, offices):
    east, _ = offices
    clerk = user_with_role(roles.CLERK)
    assert api(clerk).get("/api/v1/me/").json()["all_offices"] is True
    body = {"all_offices": False, "offices": [{"code": "east", "can_post": False}], "can_see_costs": True}
    response = api(admin_user).put("/api/v1/users/warehouse_clerk/access/", body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "all_offices": False,
        "offices": [{"code": "EAST", "can_post": False}],
        "can_see_costs": True,
    }
    me = api(clerk).get("/api/v1/me/").json()
    assert me["offices"] == [{"code": "EAST", "can_post": False}] and me["can_see_costs"] is True
    assert list(OfficeAccess.objects.filter(user=clerk).values_list("office__code", "can_post")) == [("EAST", False)]


def test_access_is_for_administrators_only(api, offices):
    accountant = user_with_role(roles.ACCOUNTANT)
    assert api(accountant).get("/api/v1/users/accountant/access/").status_code == 403
    body = {"all_offices": True, "offices": [], "can_see_costs": True}
    assert api(accountant).put("/api/v1/users/accountant/access/", body, format="json").status_code == 403


def test_bad_access_bodies_are_refused_and_change_nothing(api, admin_user, offices):
    user_with_role(roles.CLERK)
    url = "/api/v1/users/warehouse_clerk/access/"
    unknown = {"all_offices": False, "offices": [{"code": "NOPE", "can_post": True}], "can_see_costs": False}
    assert api(admin_user).put(url, unknown, format="json").status_code == 400
    twice = {
        "all_offices": False,
        "offices": [{"code": "EAST", "can_post": True}, {"code": "east", "can_post": False}],
        "can_see_costs": False,
    }
    assert api(admin_user).put(url, twice, format="json").status_code == 400
    assert api(admin_user).get("/api/v1/users/nobody/access/").status_code == 404
    assert not OfficeAccess.objects.exists()


def test_a_grant_from_the_role_cannot_be_taken_from_one_user(api, admin_user, offices):
    user_with_role(roles.ACCOUNTANT)
    body = {"all_offices": True, "offices": [], "can_see_costs": False}
    response = api(admin_user).put("/api/v1/users/accountant/access/", body, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "access_from_role"
    assert "Accountant" in response.json()["message"]


def test_the_migration_default_and_role_defaults():
    clerk = user_with_role(roles.CLERK)
    scope = scope_for(clerk)
    assert scope.all_offices and not scope.see_costs
    assert scope_for(user_with_role(roles.VIEWER)).see_costs
    assert Permission.objects.filter(codename="see_costs", group__name=roles.PRODUCTION).count() == 0


def test_the_header_badge_names_the_offices(client, offices):
    east, west = offices
    clerk = user_with_role(roles.CLERK, all_offices=False, offices={east: True, west: False})
    client.force_login(clerk)
    page = client.get("/lots/").content.decode()
    assert 'data-testid="scope-badge"' in page
    assert "EAST" in page and "WEST · view" in page and "No costs" in page


def test_the_api_leaves_money_keys_out_without_see_costs(api, offices):
    import datetime

    from tests.factories import LicFactory

    LicFactory(code="BOLT")
    accountant = user_with_role(roles.ACCOUNTANT)
    clerk = user_with_role(roles.CLERK)
    body = {
        "office": "EAST",
        "date": datetime.date.today().isoformat(),
        "reason": "found",
        "lines": [{"lic": "BOLT", "quantity": "3", "unit_cost": "7.123456"}],
    }
    posted = api(clerk).post("/api/v1/adjustments/", body, format="json")
    assert posted.status_code == 201, posted.json()
    assert "7.12" not in posted.content.decode()
    seen = api(accountant).get("/api/v1/lots/").json()["results"][0]
    hidden = api(clerk).get("/api/v1/lots/").json()["results"][0]
    assert seen["unit_cost"] == "7.123456"
    assert "unit_cost" not in hidden and hidden["qty_in"] == seen["qty_in"] == "3.000000"
    assert set(seen) - set(hidden) == {key for key in seen if "cost" in key or "value" in key}
    assert "7.12" not in api(clerk).get(f"/api/v1/lots/{seen['id']}/").content.decode()
