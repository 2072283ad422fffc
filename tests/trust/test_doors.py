"""Role checks at every door (DOMAIN.md section 8): every POST page and every POST API endpoint,
found from the URL configuration, refuses the roles that may not write there (403, nothing
written), sends anonymous visitors to /login/ (pages) or answers 401 (API), and lets the role that
may write there do it. Every GET page and API list/detail answers nothing without login."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from core import roles
from tests.factories import user_with_role
from tests.trust.conftest import changed, management, row_counts

STOCK, PROD, ACC = roles.POST_STOCK, roles.POST_PRODUCTION, roles.POST_ACCOUNTING
ROLE_NAMES = [roles.VIEWER, roles.CLERK, roles.PRODUCTION, roles.ACCOUNTANT, roles.ADMINISTRATOR]
ROLE_PERMS = {role: set(perms) for role, perms in roles.ROLE_PERMISSIONS.items()}
D0 = "2026-03-05"
IMPORT = "imports.run_import"


@dataclass
class Door:
    route: str  # the URL pattern (as listed by the resolver), e.g. "purchasing/po/<int:pk>/receive/"
    url: object  # world -> concrete URL
    may: tuple[str, ...]  # any of these permissions may write here
    body: object  # world -> a valid request body
    ok: tuple[int, ...] = (302,)


def lines(total: int = 1, **line) -> dict:
    data = management("lines", total)
    data.update({f"lines-0-{k}": v for k, v in line.items()})
    return data


PAGE_DOORS = [
    Door(
        "adjustments/new/",
        lambda w: "/adjustments/new/",
        (STOCK,),
        lambda w: {"office": "HQ", "date": D0, "reason": "count", **lines(lic="WIDGET", quantity="1", unit_cost="2")},
    ),
    Door("lock-date/", lambda w: "/lock-date/", (ACC,), lambda w: {"date": "2026-02-15", "confirm": "yes"}),
    Door("reports/close/", lambda w: "/reports/close/", (ACC,), lambda w: {"date": "2026-02-15", "confirm": "yes"}),
    Door("reports/close/check/", lambda w: "/reports/close/check/", (ACC,), lambda w: {"date": "2026-02-15"}),
    Door(
        "purchasing/po/new/",
        lambda w: "/purchasing/po/new/",
        (STOCK,),
        lambda w: {"vendor": "ACME", "office": "HQ", "date": D0, **lines(lic="WIDGET", quantity="1", unit_cost="3")},
    ),
    Door(
        "purchasing/po/<int:pk>/receive/",
        lambda w: f"/purchasing/po/{w.po.pk}/receive/",
        (STOCK,),
        lambda w: {"date": D0, **lines(po_line=str(w.po_line.pk), quantity="1")},
    ),
    Door(
        "purchasing/po/<int:pk>/invoice/",
        lambda w: f"/purchasing/po/{w.po.pk}/invoice/",
        (ACC,),
        lambda w: {
            "number": "INV-2",
            "date": D0,
            "freight": "0",
            **lines(po_line=str(w.po_line.pk), quantity="1", amount="3.00"),
        },
    ),
    Door(
        "purchasing/po/<int:pk>/close/",
        lambda w: f"/purchasing/po/{w.po.pk}/close/",
        (ACC,),
        lambda w: {"date": D0, "confirm": "yes"},
    ),
    Door(
        "purchasing/receipts/<int:pk>/reverse/",
        lambda w: f"/purchasing/receipts/{w.receipt.pk}/reverse/",
        (ACC,),
        lambda w: {"date": D0, "reason": "wrong count", "confirm": "yes"},
    ),
    Door("orders/new/", lambda w: "/orders/new/", (STOCK,), lambda w: {"customer": "CUST", "office": "HQ", "date": D0}),
    Door(
        "orders/<int:pk>/ship/",
        lambda w: f"/orders/{w.order.pk}/ship/",
        (STOCK,),
        lambda w: {"date": D0, **lines(lic="WIDGET", quantity="1")},
    ),
    Door(
        "orders/<int:pk>/return/",
        lambda w: f"/orders/{w.order.pk}/return/",
        (STOCK, ACC),
        lambda w: {"date": D0, **lines(lic="WIDGET", quantity="1")},
    ),
    Door("orders/<int:pk>/close/", lambda w: f"/orders/{w.closable_order.pk}/close/", (ACC,), lambda w: {}),
    Door(
        "orders/<int:pk>/reopen/",
        lambda w: f"/orders/{w.closed_order.pk}/reopen/",
        (ACC,),
        lambda w: {"reason": "more to ship"},
    ),
    Door(
        "production/new/",
        lambda w: "/production/new/",
        (PROD,),
        lambda w: {
            "office": "HQ",
            "date": D0,
            "lic": "GIZMO",
            "estimated_quantity": "1",
            "estimated_unit_cost": "1.00",
        },
    ),
    Door(
        "production/<int:pk>/issue/",
        lambda w: f"/production/{w.mo_open.pk}/issue/",
        (PROD,),
        lambda w: {"date": D0, **lines(lic="WIDGET", quantity="1")},
    ),
    Door(
        "production/<int:pk>/job-costs/new/",
        lambda w: f"/production/{w.mo.pk}/job-costs/new/",
        (PROD,),
        lambda w: {"date": D0, "lic": "LABOR", "description": "Paint", "amount": "5.00", "capitalized": "on"},
    ),
    Door(
        "production/<int:pk>/produce/",
        lambda w: f"/production/{w.mo.pk}/produce/",
        (PROD,),
        lambda w: {"date": D0, "quantity": "1"},
    ),
    Door(
        "production/<int:pk>/release/",
        lambda w: f"/production/{w.mo.pk}/release/",
        (PROD,),
        lambda w: {"confirm": "yes"},
    ),
    Door(
        "production/<int:pk>/close/",
        lambda w: f"/production/{w.mo_open.pk}/close/",
        (PROD,),
        lambda w: {"confirm": "yes"},
    ),
    Door(
        "production/job-costs/<int:pk>/reverse/",
        lambda w: f"/production/job-costs/{w.job_cost.pk}/reverse/",
        (PROD, ACC),
        lambda w: {"date": D0, "confirm": "yes"},
    ),
    Door("cogs/runs/", lambda w: "/cogs/runs/", (ACC,), lambda w: {"date": "2026-03-31", "wait": "on"}),
    # master data pages: administrators only (the model's add/change permission, no role holds it)
    Door("master/<slug:kind>/new/", lambda w: "/master/vendors/new/", (), lambda w: {"code": "NEWV", "name": "New"}),
    Door(
        "master/<slug:kind>/<str:code>/edit/",
        lambda w: "/master/vendors/ACME/edit/",
        (),
        lambda w: {"code": "ACME", "name": "Acme Renamed"},
    ),
    Door(
        "trace/lots/<int:pk>/unit-cost/",
        lambda w: f"/trace/lots/{w.stock_lot.pk}/unit-cost/",
        (ACC,),
        lambda w: {"unit_cost": "2.50", "date": D0, "reason": "price list"},
    ),
    Door(
        "reports/journal/export/",
        lambda w: "/reports/journal/export/",
        (roles.EXPORT,),
        lambda w: {"date_from": "2026-03-01", "date_to": "2026-03-31"},
    ),
    # imports (issue 23): administrators, or whoever is given imports.run_import; no role holds it
    Door("imports/", lambda w: "/imports/", (IMPORT,), lambda w: {"kind": "offices"}),
    Door("imports/<int:pk>/commit/", lambda w: "/imports/1/commit/", (IMPORT,), lambda w: {}),
    Door("imports/<int:pk>/reverse/", lambda w: "/imports/1/reverse/", (IMPORT,), lambda w: {"reason": "x"}),
    # reversals (DOMAIN.md 9): accountants
    Door(
        "orders/shipments/<int:pk>/reverse/",
        lambda w: f"/orders/shipments/{w.shipment.pk}/reverse/",
        (ACC,),
        lambda w: {"date": D0, "reason": "wrong order", "confirm": "yes"},
    ),
    Door(
        "orders/returns/<int:pk>/reverse/",
        lambda w: f"/orders/returns/{w.customer_return.pk}/reverse/",
        (ACC,),
        lambda w: {"date": D0, "reason": "not returned", "confirm": "yes"},
    ),
    Door(
        "adjustments/<int:pk>/reverse/",
        lambda w: f"/adjustments/{w.spare_adjustment.pk}/reverse/",
        (ACC,),
        lambda w: {"date": D0, "reason": "typed twice", "confirm": "yes"},
    ),
    # a physical count and a transfer between offices (DOMAIN.md 9): clerks
    Door(
        "counts/new/",
        lambda w: "/counts/new/",
        (STOCK,),
        lambda w: {"office": "HQ", "date": D0, f"counted_{w.lic.pk}": "1"},
    ),
    Door(
        "transfers/new/",
        lambda w: "/transfers/new/",
        (STOCK,),
        lambda w: {"from_office": "HQ", "to_office": "WH", "date": D0, **lines(lic="WIDGET", quantity="1")},
    ),
    Door(
        "transfers/<int:pk>/reverse/",
        lambda w: f"/transfers/{w.spare_transfer.pk}/reverse/",
        (ACC,),
        lambda w: {"date": D0, "reason": "wrong office", "confirm": "yes"},
    ),
]
# POST pages that write no ledger record: login/logout (auth) and the Django admin (its own tests)
PAGE_POST_EXEMPT = {"login/", "logout/"}

API = "/api/v1/"
API_DOORS = [
    Door("offices/", lambda w: API + "offices/", (), lambda w: {"code": "BR", "name": "Branch"}, (201,)),
    Door(
        "line-item-codes/",
        lambda w: API + "line-item-codes/",
        (),
        lambda w: {"code": "NEW", "description": "New"},
        (201,),
    ),
    Door("vendors/", lambda w: API + "vendors/", (), lambda w: {"code": "V2", "name": "Vendor 2"}, (201,)),
    Door("customers/", lambda w: API + "customers/", (), lambda w: {"code": "C2", "name": "Customer 2"}, (201,)),
    Door(
        "orders/",
        lambda w: API + "orders/",
        (STOCK,),
        lambda w: {"customer": "CUST", "office": "HQ", "date": D0},
        (201,),
    ),
    Door(
        "adjustments/",
        lambda w: API + "adjustments/",
        (STOCK,),
        lambda w: {
            "office": "HQ",
            "date": D0,
            "reason": "count",
            "lines": [{"lic": "WIDGET", "quantity": "1", "unit_cost": "2"}],
        },
        (201,),
    ),
    Door("lock-date/", lambda w: API + "lock-date/", (ACC,), lambda w: {"date": "2026-02-15"}, (200, 201)),
    Door(
        "purchase-orders/",
        lambda w: API + "purchase-orders/",
        (STOCK,),
        lambda w: {
            "vendor": "ACME",
            "office": "HQ",
            "date": D0,
            "lines": [{"lic": "WIDGET", "quantity": "1", "unit_cost": "3"}],
        },
        (201,),
    ),
    Door(
        "purchase-orders/<int:pk>/receipts/",
        lambda w: f"{API}purchase-orders/{w.po.pk}/receipts/",
        (STOCK,),
        lambda w: {"date": D0, "lines": [{"po_line": w.po_line.pk, "quantity": "1"}]},
        (201,),
    ),
    Door(
        "purchase-orders/<int:pk>/close/",
        lambda w: f"{API}purchase-orders/{w.po.pk}/close/",
        (ACC,),
        lambda w: {"date": D0},
        (200,),
    ),
    Door(
        "receipts/<int:pk>/reverse/",
        lambda w: f"{API}receipts/{w.receipt.pk}/reverse/",
        (ACC,),
        lambda w: {"date": D0, "reason": "wrong count"},
        (201,),
    ),
    Door(
        "vendor-invoices/",
        lambda w: API + "vendor-invoices/",
        (ACC,),
        lambda w: {
            "vendor": "ACME",
            "purchase_order": w.po.pk,
            "number": "INV-2",
            "date": D0,
            "lines": [{"po_line": w.po_line.pk, "quantity": "1", "amount": "3.00"}],
        },
        (201,),
    ),
    Door(
        "shipments/",
        lambda w: API + "shipments/",
        (STOCK,),
        lambda w: {"order": w.order.pk, "date": D0, "lines": [{"lic": "WIDGET", "quantity": "1"}]},
        (201,),
    ),
    Door(
        "returns/",
        lambda w: API + "returns/",
        (STOCK, ACC),
        lambda w: {"order": w.order.pk, "date": D0, "lines": [{"lic": "WIDGET", "quantity": "1"}]},
        (201,),
    ),
    Door("orders/<int:pk>/close/", lambda w: f"{API}orders/{w.closable_order.pk}/close/", (ACC,), lambda w: {}, (200,)),
    Door(
        "orders/<int:pk>/reopen/",
        lambda w: f"{API}orders/{w.closed_order.pk}/reopen/",
        (ACC,),
        lambda w: {"reason": "more to ship"},
        (200,),
    ),
    Door(
        "production-orders/",
        lambda w: API + "production-orders/",
        (PROD,),
        lambda w: {
            "office": "HQ",
            "date": D0,
            "lic": "GIZMO",
            "estimated_quantity": "1",
            "estimated_unit_cost": "1.00",
        },
        (201,),
    ),
    Door(
        "production-orders/<int:pk>/issue/",
        lambda w: f"{API}production-orders/{w.mo_open.pk}/issue/",
        (PROD,),
        lambda w: {"date": D0, "lines": [{"lic": "WIDGET", "quantity": "1"}]},
        (201,),
    ),
    Door(
        "production-orders/<int:pk>/produce/",
        lambda w: f"{API}production-orders/{w.mo.pk}/produce/",
        (PROD,),
        lambda w: {"date": D0, "quantity": "1"},
        (201,),
    ),
    Door(
        "production-orders/<int:pk>/release/",
        lambda w: f"{API}production-orders/{w.mo.pk}/release/",
        (PROD,),
        lambda w: {},
        (200,),
    ),
    Door(
        "production-orders/<int:pk>/close/",
        lambda w: f"{API}production-orders/{w.mo_open.pk}/close/",
        (PROD,),
        lambda w: {},
        (200,),
    ),
    Door(
        "job-costs/",
        lambda w: API + "job-costs/",
        (PROD,),
        lambda w: {
            "production_order": w.mo.pk,
            "date": D0,
            "lic": "LABOR",
            "description": "Paint",
            "amount": "5.00",
            "capitalized": True,
        },
        (201,),
    ),
    Door(
        "job-costs/<int:pk>/reverse/",
        lambda w: f"{API}job-costs/{w.job_cost.pk}/reverse/",
        (PROD, ACC),
        lambda w: {"date": D0},
        (201,),
    ),
    Door("cogs-runs/", lambda w: API + "cogs-runs/", (ACC,), lambda w: {"date": "2026-03-31", "wait": True}, (201,)),
    Door(
        "lots/<int:pk>/unit-cost/",
        lambda w: f"{API}lots/{w.stock_lot.pk}/unit-cost/",
        (ACC,),
        lambda w: {"unit_cost": "2.50", "date": D0, "reason": "price list"},
        (200, 201),
    ),
    Door(
        "journal-exports/",
        lambda w: API + "journal-exports/",
        (roles.EXPORT,),
        lambda w: {"date_from": "2026-03-01", "date_to": "2026-03-31"},
        (201,),
    ),
    Door("imports/", lambda w: API + "imports/", (IMPORT,), lambda w: {"kind": "offices"}, (201,)),
    Door("imports/<int:pk>/commit/", lambda w: API + "imports/1/commit/", (IMPORT,), lambda w: {}, (200,)),
    Door(
        "imports/<int:pk>/reverse/", lambda w: API + "imports/1/reverse/", (IMPORT,), lambda w: {"reason": "x"}, (200,)
    ),
    Door(
        "shipments/<int:pk>/reverse/",
        lambda w: f"{API}shipments/{w.shipment.pk}/reverse/",
        (ACC,),
        lambda w: {"date": D0, "reason": "wrong order"},
        (201,),
    ),
    Door(
        "returns/<int:pk>/reverse/",
        lambda w: f"{API}returns/{w.customer_return.pk}/reverse/",
        (ACC,),
        lambda w: {"date": D0, "reason": "not returned"},
        (201,),
    ),
    Door(
        "adjustments/<int:pk>/reverse/",
        lambda w: f"{API}adjustments/{w.spare_adjustment.pk}/reverse/",
        (ACC,),
        lambda w: {"date": D0, "reason": "typed twice"},
        (201,),
    ),
    Door(
        "counts/",
        lambda w: API + "counts/",
        (STOCK,),
        lambda w: {"office": "HQ", "date": D0, "lines": [{"lic": "WIDGET", "counted_quantity": "1"}]},
        (201,),
    ),
    Door(
        "transfers/",
        lambda w: API + "transfers/",
        (STOCK,),
        lambda w: {"from_office": "HQ", "to_office": "WH", "date": D0, "lines": [{"lic": "WIDGET", "quantity": "1"}]},
        (201,),
    ),
    Door(
        "transfers/<int:pk>/reverse/",
        lambda w: f"{API}transfers/{w.spare_transfer.pk}/reverse/",
        (ACC,),
        lambda w: {"date": D0, "reason": "wrong office"},
        (201,),
    ),
]


def may_write(role: str, door: Door) -> bool:
    if role == roles.ADMINISTRATOR:
        return True  # "everything" (DOMAIN.md 8); master data (no role permission) is theirs alone
    return any(p in ROLE_PERMS[role] for p in door.may)


# --- the URL configuration, walked ---------------------------------------------------------------


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def _view_class(pattern: URLPattern):
    callback = pattern.callback
    return getattr(callback, "view_class", None) or getattr(callback, "cls", None)


def _accepts_post(pattern: URLPattern) -> bool:
    callback = pattern.callback
    actions = getattr(callback, "actions", None)  # DRF viewset routes
    if actions is not None:
        return "post" in actions
    cls = _view_class(pattern)
    if cls is None:  # a function view: GET-only ones are decorated with require_GET or read-only
        return False
    return hasattr(cls, "post") and "post" in [m.lower() for m in getattr(cls, "http_method_names", ["post"])]


def all_routes():
    return list(_walk(get_resolver().url_patterns))


def page_post_routes() -> set[str]:
    return {
        r
        for r, p in all_routes()
        if not r.startswith(("api/", "admin/")) and _accepts_post(p) and r not in PAGE_POST_EXEMPT
    }


def api_post_routes() -> set[str]:
    return {
        r.removeprefix("api/v1/")
        for r, p in all_routes()
        if r.startswith("api/v1/") and _accepts_post(p) and "<format>" not in r and "drf_format" not in r
    }


def test_every_post_page_is_listed():
    assert page_post_routes() == {d.route for d in PAGE_DOORS}


def test_every_post_api_endpoint_is_listed():
    routes = {re.sub(r"\^|\$", "", r) for r in api_post_routes()}
    assert routes == {d.route for d in API_DOORS}


# --- pages -----------------------------------------------------------------------------------------


def page_client(role: str | None) -> Client:
    client = Client()
    if role is not None:
        client.force_login(user_with_role(role, username=f"door-{role.lower().replace(' ', '-')}"))
    return client


@pytest.mark.parametrize("door", PAGE_DOORS, ids=[d.route for d in PAGE_DOORS])
def test_page_refuses_anonymous_and_roles_that_may_not_write(door, world):
    url, body = door.url(world), door.body(world)
    before = row_counts()
    response = page_client(None).post(url, body)
    assert response.status_code == 302 and response["Location"].startswith("/login/?next="), response.status_code
    for role in ROLE_NAMES:
        if not may_write(role, door):
            response = page_client(role).post(url, body)
            assert response.status_code == 403, (role, response.status_code)
    assert changed(before, row_counts()) == {}


ADMIN_SPOT_CHECKS = {
    "adjustments/new/",
    "production/<int:pk>/produce/",
    "cogs/runs/",
    "offices/",
    "line-item-codes/",
    "vendors/",
    "customers/",
    "vendor-invoices/",
    "job-costs/<int:pk>/reverse/",
}


def allowed_cases(doors):
    """Every role that may write at a door, the Administrator ("everything") spot-checked."""
    return [
        (d, r)
        for d in doors
        for r in ROLE_NAMES[1:]
        if may_write(r, d) and (r != roles.ADMINISTRATOR or d.route in ADMIN_SPOT_CHECKS)
    ]


ALLOWED_PAGE_CASES = allowed_cases(PAGE_DOORS)


@pytest.mark.parametrize("door,role", ALLOWED_PAGE_CASES, ids=[f"{d.route}-{r}" for d, r in ALLOWED_PAGE_CASES])
def test_page_lets_the_role_that_may_write_do_it(door, role, world):
    before = row_counts()
    response = page_client(role).post(door.url(world), door.body(world))
    assert response.status_code in door.ok, (response.status_code, response.content.decode()[:3000])
    assert changed(before, row_counts()), "an accepted posting wrote nothing"


# --- API -------------------------------------------------------------------------------------------


def api_client(role: str | None) -> APIClient:
    client = APIClient()
    if role is not None:
        from rest_framework.authtoken.models import Token

        user = user_with_role(role, username=f"api-{role.lower().replace(' ', '-')}")
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.mark.parametrize("door", API_DOORS, ids=[d.route for d in API_DOORS])
def test_api_refuses_anonymous_and_roles_that_may_not_write(door, world):
    url, body = door.url(world), door.body(world)
    before = row_counts()
    response = api_client(None).post(url, body, format="json")
    assert response.status_code == 401, response.status_code
    for role in ROLE_NAMES:
        if not may_write(role, door):
            response = api_client(role).post(url, body, format="json")
            assert response.status_code == 403, (role, response.status_code, response.content[:300])
    assert changed(before, row_counts()) == {}


ALLOWED_API_CASES = allowed_cases(API_DOORS)


@pytest.mark.parametrize("door,role", ALLOWED_API_CASES, ids=[f"{d.route}-{r}" for d, r in ALLOWED_API_CASES])
def test_api_lets_the_role_that_may_write_do_it(door, role, world):
    before = row_counts()
    response = api_client(role).post(door.url(world), door.body(world), format="json")
    assert response.status_code in door.ok, (response.status_code, response.content[:500])
    assert changed(before, row_counts()), "an accepted posting wrote nothing"


def test_superuser_may_write_master_data(world, admin_user, api):
    response = api(admin_user).post(API + "offices/", {"code": "BR2", "name": "Branch 2"}, format="json")
    assert response.status_code == 201


# --- nothing without login -------------------------------------------------------------------------


def _walk_named(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk_named(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern) and p.name:
            yield prefix + str(p.pattern), namespace + p.name, p


def _kwargs(route: str, pattern: URLPattern, world) -> dict | None:
    """Fill a route's arguments with the world's records (None: a route we do not fill)."""
    from inventory_lots.models import InventoryAdjustment

    by_owner = {
        "lots": world.stock_lot.pk,
        "usage": world.ship_usage.pk,
        "usages": world.ship_usage.pk,
        "adjustments": InventoryAdjustment.objects.values_list("pk", flat=True).first(),
        "po": world.po.pk,
        "purchase-orders": world.po.pk,
        "receipts": world.receipt.pk,
        "invoices": world.invoice.pk,
        "vendor-invoices": world.invoice.pk,
        "shipments": world.shipment.pk,
        "returns": world.customer_return.pk,
        "orders": world.order.pk,
        "job-costs": world.job_cost.pk,
        "production-orders": world.mo.pk,
        "production": world.mo.pk,
        "runs": world.run.pk,
        "cogs-runs": world.run.pk,
        "offices": "HQ",
        "line-item-codes": "WIDGET",
        "vendors": "ACME",
        "customers": "CUST",
    }
    names = list(pattern.pattern.regex.groupindex)
    if not names:
        return {}
    if "format" in names or len(names) > 1:
        return None
    words = [w for w in re.split(r"[/^$]", route.split("<")[0].split("(?P")[0]) if w]
    value = by_owner.get(words[-1] if words else "")
    return None if value is None else {names[0]: value}


# URLs that answer only with a filter (400 without it): the world's LIC
QUERIES = {
    "api:inventory-transactions": "?lic=WIDGET",
    "api:inventory-transactions-csv": "?lic=WIDGET",
    "movements:inventory_transactions_csv": "?lic=WIDGET",
}


def get_urls(world) -> list[str]:
    urls = set()
    for route, name, pattern in _walk_named(get_resolver().url_patterns):
        if route.startswith("admin/") or name in ("login", "logout", "schema", "api-docs"):
            continue
        kwargs = _kwargs(route, pattern, world)
        if kwargs is None:
            continue
        urls.add(reverse(name, kwargs=kwargs) + QUERIES.get(name, ""))
    return sorted(urls)


def test_nothing_is_served_without_login(world):
    """GET every page and API URL anonymously: pages go to /login/, the API answers 401."""
    client = Client()
    checked = 0
    for url in get_urls(world):
        response = client.get(url)
        checked += 1
        if url.startswith("/api/"):
            assert response.status_code == 401, (url, response.status_code)
        else:
            assert response.status_code == 302, (url, response.status_code)
            assert response["Location"].startswith("/login/?next="), (url, response["Location"])
    for url in (f"/goto/{world.stock_lot.pk}/1/", "/admin/", "/admin/inventory_lots/lot/"):
        response = client.get(url)
        assert response.status_code == 302 and "login/?next=" in response["Location"], url
    assert checked >= 80, checked


def test_api_schema_and_docs_need_login(world):
    """Decision: nothing without login, the OpenAPI schema and its reference page included."""
    for url in ("/api/schema/", "/api/docs/"):
        assert Client().get(url).status_code in (401, 403), url
        response = page_client(roles.VIEWER).get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        for secret in ("Headquarters", "Acme Supply", "A Customer", world.stock_lot.number, world.po.number):
            assert secret not in text, (url, secret)


def test_a_viewer_reads_every_page_and_api_url(world):
    """The same URLs with a viewer: answered (200), so the anonymous refusals above are real."""
    client = page_client(roles.VIEWER)
    api = api_client(roles.VIEWER)
    for url in get_urls(world):
        response = api.get(url) if url.startswith("/api/") else client.get(url)
        if response.status_code == 403:  # export pages need the export permission (accountants)
            assert (
                "export" in url
                or "import" in url  # the import page and API: imports.run_import (administrators)
                or url.endswith(".csv")
                or url.endswith(".xlsx")
                or "new" in url
                or url.endswith(
                    (
                        "/receive/",
                        "/invoice/",
                        "/close/",
                        "/reverse/",
                        "/ship/",
                        "/return/",
                        "/issue/",
                        "/produce/",
                        "/unit-cost/",
                        "/release/",
                        "/receipts/",
                        "/reopen/",
                    )
                )
            ), url
            continue
        assert response.status_code in (200, 405), (url, response.status_code)
