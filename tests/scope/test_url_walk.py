"""Who sees what, at every door (DOMAIN.md section 11): every URL pattern of the project, found
from the URL resolver (a new page is walked without anyone adding it), requested as

- a user limited to EAST (view and post, with every other permission): nothing of WEST appears
  (its lot and document numbers, serials, money figures, an "office": "WEST" in a JSON row), WEST's
  records answer 404 and EAST's answer; every POST door aimed at WEST refuses (404 for a WEST
  record, 403 or a form error for a new record in WEST) and writes nothing; the same user with WEST
  "view" gets 403 at WEST's record doors;
- a user of every office without "see costs": no money figure of either office appears anywhere,
  and the COGS pages are closed (403).

The data (tests/scope/walk_world.py): the same history in EAST and WEST with distinctive money.
A pattern the walk cannot fill fails; the only patterns left out are in ``NOT_WALKED``."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from tests.factories import UserFactory
from tests.scope.walk_world import Side, build_walk
from tests.trust.conftest import changed, row_counts
from tests.trust.test_doors import API_DOORS, PAGE_DOORS

pytestmark = pytest.mark.django_db

# Patterns that cannot carry office data, so the walk leaves them out (everything else is walked,
# the Django admin aside: it is global and for administrators only, DOMAIN.md 11).
NOT_WALKED = {
    "login/",  # the login form
    "logout/",  # POST only; ends the session
}


def _walk_named(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk_named(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), (namespace + p.name) if p.name else None, p


ROUTES = [
    (route, name, pattern)
    for route, name, pattern in _walk_named(get_resolver().url_patterns)
    if not route.startswith("admin/") and route not in NOT_WALKED
]
IDS = [route for route, _, _ in ROUTES]

# The record a pk names, by the last path word before it (the same for EAST and WEST).
PK_OWNERS = {
    "lots": "stock_lot",
    "usage": "ship_usage",
    "usages": "ship_usage",
    "adjustments": "spare_adjustment",
    "transfers": "spare_transfer",
    "po": "po",
    "purchase-orders": "po",
    "receipts": "receipt",
    "invoices": "invoice",
    "vendor-invoices": "invoice",
    "orders": "order",
    "shipments": "shipment",
    "returns": "customer_return",
    "production": "mo",
    "production-orders": "mo",
    "job-costs": "job_cost",
    "runs": "run",
    "cogs-runs": "run",
    "imports": "import_batch",
    "journal-exports": "journal_export",
}
# Routes whose record is not the owner word's usual one
ROUTE_OWNERS = {
    "imports/<int:pk>/reverse/": "committed_batch",
    "imports/<int:pk>/errors/": "failed_batch",
    "api/v1/imports/<int:pk>/reverse/": "committed_batch",
}
GLOBAL_CODES = {"line-item-codes": "WIDGET", "vendors": "ACME", "customers": "CUST"}
# Lists that answer only with a filter (400 without it)
QUERIES = {
    "api:inventory-transactions": "?lic=WIDGET",
    "api:inventory-transactions-csv": "?lic=WIDGET",
    "movements:inventory_transactions_csv": "?lic=WIDGET",
}
COGS_PAGES = re.compile(r"^(cogs:|api:cogs-run)")


class Unfilled(Exception):
    pass


def _owner(route: str) -> str:
    head = re.split(r"<|\(\?P", route)[0]
    words = [w for w in re.split(r"[/^$\\.]", head) if w]
    return words[-1] if words else ""


def fill(route: str, pattern: URLPattern, side: Side | None, user) -> dict:
    """The route's keyword arguments for ``side`` (None: a route without office records)."""
    names = list(pattern.pattern.regex.groupindex)
    kwargs = {}
    for name in names:
        if name == "pk":
            attr = ROUTE_OWNERS.get(route) or PK_OWNERS.get(_owner(route))
            if attr is None or side is None:
                raise Unfilled(route)
            kwargs[name] = getattr(side, attr).pk
        elif name == "format":
            kwargs[name] = "json"
        elif name == "code":
            owner = _owner(route)
            if owner == "offices" and side is not None:
                kwargs[name] = side.office.code
            elif owner in GLOBAL_CODES or route.startswith("master/"):
                kwargs[name] = GLOBAL_CODES.get(owner, "ACME")
            else:
                raise Unfilled(route)
        elif name == "kind":
            kwargs[name] = "vendors" if route.startswith("master/") else "opening_stock"
        elif name == "fmt":
            kwargs[name] = "csv"
        elif name == "content_type_id":
            kwargs[name] = ContentType.objects.get(app_label="inventory_lots", model="lot").pk
        elif name == "object_id":
            if side is None:
                raise Unfilled(route)
            kwargs[name] = side.stock_lot.pk
        elif name == "username":
            kwargs[name] = user.username
        else:
            raise Unfilled(f"{route}: {name}")
    return kwargs


def sided(route: str, pattern: URLPattern) -> bool:
    names = set(pattern.pattern.regex.groupindex)
    return "pk" in names or "object_id" in names or ("code" in names and _owner(route) == "offices")


def urls_for(route, name, pattern, walk, user):
    """[(side name, url)]: WEST's and EAST's record for a route naming one, else the one URL."""
    out = []
    for label, side in (("west", walk.west), ("east", walk.east)) if sided(route, pattern) else (("", None),):
        kwargs = fill(route, pattern, side, user)
        if name:
            url = reverse(name, kwargs=kwargs)
        else:
            url = "/" + route.format(**kwargs)
        out.append((label, url + QUERIES.get(name, "")))
    return out


# --- users and data --------------------------------------------------------------------------------


def _user(username, *, all_offices, offices=None, see_costs):
    """A user holding every permission (as the Administrator role does) except "all offices" and
    "see costs", which are given as asked: the walk then meets no role refusal, only the scope."""
    group, _ = Group.objects.get_or_create(name="Scope walk")
    group.permissions.set(Permission.objects.exclude(codename__in=["all_offices", "see_costs"]))
    user = UserFactory(username=username, all_offices=all_offices, offices=offices or {}, see_costs=see_costs)
    user.groups.add(group)
    return user


@pytest.fixture(scope="module")
def walk(django_db_setup, django_db_blocker):
    """Built once for the module, in a transaction rolled back at its end (each test runs in a
    savepoint inside it)."""
    from core import roles

    with django_db_blocker.unblock(), transaction.atomic():
        roles.ensure_role_groups()
        walk = build_walk()
        east, west = walk.east.office, walk.west.office
        walk.east_only = _user("east-only", all_offices=False, offices={east: True}, see_costs=True)
        walk.east_west_view = _user(
            "east-west-view", all_offices=False, offices={east: True, west: False}, see_costs=True
        )
        walk.no_costs = _user("no-costs", all_offices=True, see_costs=False)
        # one client per user for the module: logged in here, outside the tests' savepoints
        for user in (walk.east_only, walk.east_west_view, walk.no_costs, walk.admin):
            page, api = Client(), APIClient()
            page.force_login(user)
            api.force_authenticate(user)
            CLIENTS[user.pk] = {"page": page, "api": api}
        yield walk
        CLIENTS.clear()
        transaction.set_rollback(True)


CLIENTS: dict[int, dict] = {}


def get(user, url: str):
    return CLIENTS[user.pk]["api" if url.startswith("/api/") else "page"].get(url)


def text_of(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:2] == b"PK":  # an xlsx workbook: its cells
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(
            ",".join("" if v is None else str(v) for v in row)
            for sheet in book
            for row in sheet.iter_rows(values_only=True)
        )
    return content.decode("utf-8", errors="replace")


def offices_named(body: str, content_type: str) -> set[str]:
    """The office codes a JSON body or a CSV names in an office column."""
    found: set[str] = set()
    if "json" in content_type:
        try:
            data = json.loads(body)
        except ValueError:
            return found
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                for key, value in item.items():
                    if "office" in key and isinstance(value, str):
                        found.add(value)
                    stack.append(value)
            elif isinstance(item, list):
                stack.extend(item)
    elif "csv" in content_type:
        rows = list(csv.reader(io.StringIO(body)))
        if rows:
            columns = [i for i, h in enumerate(rows[0]) if "office" in h.lower()]
            found |= {row[i] for row in rows[1:] for i in columns if i < len(row)}
    return found


def leaks(body: str, secrets) -> list[str]:
    return [s for s in secrets if s in body]


# --- the walk: a user limited to EAST --------------------------------------------------------------

# Pages that a user limited to some offices may not open at all (403 leaks nothing): the ones
# about the whole ledger at once.
# The close page (and its API twin, the close's job states): the lock date is one for the whole
# ledger and its checklist counts every office.
CLOSED_TO_SOME_OFFICES: set[str] = {"reports/close/", "reports/close/check/", "api/v1/close/"}


@pytest.mark.parametrize("route,name,pattern", ROUTES, ids=IDS)
def test_a_user_limited_to_east_sees_nothing_of_west(route, name, pattern, walk):
    user = walk.east_only
    try:
        targets = urls_for(route, name, pattern, walk, user)
    except Unfilled as exc:
        pytest.fail(f"the walk cannot fill {exc}: teach fill() this route")
    hidden_offices = {walk.west.office.code, walk.west.partner.code}
    for side, url in targets:
        response = get(user, url)
        if side == "west":  # (405: a POST-only route answers GET before looking anything up)
            assert response.status_code in (404, 405), (url, response.status_code)
        else:
            assert response.status_code in (200, 302, 405) or (
                response.status_code == 403 and route in CLOSED_TO_SOME_OFFICES
            ), (url, response.status_code, text_of(response)[:300])
        body = text_of(response)
        assert not leaks(body, walk.secrets["west"]), (url, leaks(body, walk.secrets["west"]))
        named = offices_named(body, response.get("Content-Type", ""))
        assert not named & hidden_offices, (url, named)


# --- the walk without "see costs" -----------------------------------------------------------------


@pytest.mark.parametrize("route,name,pattern", ROUTES, ids=IDS)
def test_without_see_costs_no_money_appears(route, name, pattern, walk):
    user = walk.no_costs
    try:
        targets = urls_for(route, name, pattern, walk, user)
    except Unfilled as exc:
        pytest.fail(f"the walk cannot fill {exc}: teach fill() this route")
    for _, url in targets:
        response = get(user, url)
        if name and COGS_PAGES.match(name):
            assert response.status_code == 403, (url, response.status_code)
            continue
        assert response.status_code in (200, 302, 403, 405), (url, response.status_code, text_of(response)[:300])
        body = text_of(response)
        assert not leaks(body, walk.secrets["money"]), (url, leaks(body, walk.secrets["money"]))


# --- POST doors aimed at WEST ----------------------------------------------------------------------

# POST doors that write no office's records: master data and imports of master data (global,
# administrators), the lock date and the close (one for the whole ledger), the journal export
# (a read, limited to what its requester sees: tested below).
NOT_OFFICE_DOORS = {
    "master/<slug:kind>/new/",
    "master/<slug:kind>/<str:code>/edit/",
    "offices/",
    "line-item-codes/",
    "vendors/",
    "customers/",
    "lock-date/",
    "reports/close/",
    "imports/",
    "reports/journal/export/",
    "journal-exports/",
}
ON_WEST = {"HQ": "WEST", "WH": "NORTH"}


def _retarget(value):
    """A door's body for WEST (tests/trust/test_doors.py's bodies name HQ and WH)."""
    if isinstance(value, dict):
        return {k: _retarget(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_retarget(v) for v in value]
    return ON_WEST.get(value, value) if isinstance(value, str) else value


def _door_url(door, walk) -> str:
    url = door.url(walk.west)
    if door.route.startswith("imports/<int:pk>/"):  # the trust doors name batch 1: WEST's batches here
        batch = walk.west.committed_batch if door.route.endswith("reverse/") else walk.west.import_batch
        url = re.sub(r"imports/\d+/", f"imports/{batch.pk}/", url)
    return url


def _door_body(door, walk) -> dict:
    body = _retarget(door.body(walk.west))
    if door.route in ("cogs/runs/", "cogs-runs/"):
        body["office"] = "WEST"
    if door.route == "imports/<int:pk>/commit/":  # a body the commit accepts: only the scope refuses
        body["control_total"] = str(walk.west.import_batch.total_value)
    return body


POST_DOORS = [("page", d) for d in PAGE_DOORS if d.route not in NOT_OFFICE_DOORS] + [
    ("api", d) for d in API_DOORS if d.route not in NOT_OFFICE_DOORS
]


def post(user, kind, url, body):
    if kind == "api":
        return CLIENTS[user.pk]["api"].post(url, body, format="json")
    return CLIENTS[user.pk]["page"].post(url, body)


def refused_as_form_error(kind, response) -> bool:
    """A new record in an office the form does not offer: the form comes back with an error."""
    if kind == "api":
        return response.status_code == 400
    return response.status_code == 400 or (response.status_code == 200 and b"is-invalid" in response.content)


@pytest.mark.parametrize("kind,door", POST_DOORS, ids=[f"{k}:{d.route}" for k, d in POST_DOORS])
def test_posts_aimed_at_west_are_refused_and_write_nothing(kind, door, walk):
    url, body = _door_url(door, walk), _door_body(door, walk)
    # an import batch is no office's record (a file may name several): its doors refuse like a new
    # record's (403, 404, or the file's check naming the office unknown)
    record = "<" in door.route and not door.route.startswith("imports/")
    before = row_counts()
    response = post(walk.east_only, kind, url, body)
    if record:
        assert response.status_code == 404, ("east only", url, response.status_code, response.content[:300])
    else:
        assert response.status_code in (403, 404) or refused_as_form_error(kind, response), (
            "east only",
            url,
            response.status_code,
            response.content[:300],
        )
    response = post(walk.east_west_view, kind, url, body)
    if record:
        assert response.status_code == 403, ("west view", url, response.status_code, response.content[:300])
    else:
        assert response.status_code in (403, 404) or refused_as_form_error(kind, response), (
            "west view",
            url,
            response.status_code,
            response.content[:300],
        )
    assert changed(before, row_counts()) == {}


# Doors that act on the whole ledger at once: the lock date is one for every office, so moving it
# (page, API, the close page) needs every office.
WHOLE_LEDGER_DOORS = {"lock-date/", "reports/close/"}


@pytest.mark.parametrize(
    "kind,door",
    [("page", d) for d in PAGE_DOORS if d.route in WHOLE_LEDGER_DOORS]
    + [("api", d) for d in API_DOORS if d.route in WHOLE_LEDGER_DOORS],
    ids=lambda v: v if isinstance(v, str) else v.route,
)
def test_whole_ledger_doors_refuse_a_user_limited_to_some_offices(kind, door, walk):
    before = row_counts()
    for user in (walk.east_only, walk.east_west_view):
        response = post(user, kind, door.url(walk.west), door.body(walk.west))
        assert response.status_code == 403, (user.username, door.route, response.status_code, response.content[:300])
    assert changed(before, row_counts()) == {}


def test_every_post_door_is_walked_or_named():
    walked = {d.route for _, d in POST_DOORS} | NOT_OFFICE_DOORS
    assert {d.route for d in PAGE_DOORS} | {d.route for d in API_DOORS} <= walked


# --- totals count only what is seen ----------------------------------------------------------------


def _totals(html: str) -> str:
    found = re.search(r'id="totals">(.*?)</div>', html, re.S)
    assert found, "the list has no totals block"
    return " ".join(found.group(1).split())


@pytest.mark.parametrize("path", ["/lots/", "/usage/", "/lots/?status=open"])
def test_list_totals_count_only_the_offices_seen(path, walk):
    """The restricted user's totals are exactly those of an administrator filtering on EAST."""
    restricted = _totals(text_of(get(walk.east_only, path)))
    joiner = "&" if "?" in path else "?"
    east_only = _totals(text_of(get(walk.admin, f"{path}{joiner}office=EAST")))
    everything = _totals(text_of(get(walk.admin, path)))
    assert restricted == east_only != everything


def test_a_journal_export_made_by_a_restricted_user_holds_only_their_offices(walk):
    """A background export applies its requester's scope: the journal export an EAST user asks
    for over every office is EAST's alone."""
    client = CLIENTS[walk.east_only.pk]["api"]
    response = client.post(
        "/api/v1/journal-exports/", {"date_from": "2026-03-01", "date_to": "2026-03-31"}, format="json"
    )
    assert response.status_code == 201, response.content[:300]
    export_id = response.json()["id"]
    for url in (
        f"/api/v1/reports/journal-exports/{export_id}.csv",
        f"/api/v1/reports/journal-exports/{export_id}.xlsx",
    ):
        body = text_of(client.get(url))
        assert "EAST" in body
        assert not leaks(body, walk.secrets["west"]) and "WEST" not in body, url


def test_a_trace_into_an_office_not_seen_ends_in_one_line(walk):
    """EAST's stock went to SOUTH by transfer: a user limited to EAST follows every EAST lot down
    and meets SOUTH's lot only as "1 lot in another office", without its number; an administrator
    sees the number."""
    from inventory_lots.models import Lot

    south_lot = walk.east.transfer_lot.number
    pages, admin_pages = [], []
    for lot in Lot.objects.filter(office=walk.east.office):
        for url in (f"/trace/lots/{lot.pk}/?direction=down", f"/api/v1/lots/{lot.pk}/trace/?direction=down"):
            response = get(walk.east_only, url)
            assert response.status_code == 200, url
            pages.append(text_of(response))
            admin_pages.append(text_of(get(walk.admin, url)))
    assert any(south_lot in page for page in admin_pages)
    assert not any(south_lot in page for page in pages)
    assert any("in another office" in page for page in pages)
