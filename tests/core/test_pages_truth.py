"""Issue 21, "Pages that tell the truth", through the client: one date format, headers that say
whose code it is, "Any" in boolean filters, a pager that says where it is with a capped per_page,
search by document numbers in any case, totals that never add different units, menus and actions a
role can use, and the styled error pages (403 on a GET, CSRF failure, 405, the API docs' 401)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from core import roles
from core.pagination import MAX_PER_PAGE
from inventory_lots.models import LineItemCode
from tests.conftest import adjust_in
from tests.factories import LicFactory, user_with_role
from tests.purchasing.conftest import make_po, receive

pytestmark = pytest.mark.django_db
D = Decimal


def logged_in(role: str | None, username: str | None = None) -> Client:
    client = Client()
    if role is None:
        from tests.factories import UserFactory

        client.force_login(UserFactory(username=username or "nobody"))
    else:
        client.force_login(user_with_role(role, username))
    return client


def lot_numbers(response) -> list[str]:
    return re.findall(r'href="/lots/\d+/">((?:PL|PR)-\d+)<', response.content.decode())


def test_dates_are_iso_on_lists_and_pages(office, lic, order):
    adjust_in(office=office, lic=lic, quantity="2", unit_cost="1.00")
    client = logged_in(roles.VIEWER)
    for url in ("/usage/", "/orders/", reverse("cogs:run_list")):
        html = client.get(url).content.decode()
        assert "March 1, 2026" not in html and "Mar. 1, 2026" not in html, url
    assert "2026-03-01" in client.get("/orders/").content.decode()


def test_column_headers_say_whose_code(office, vendor, lic, order):
    make_po(vendor=vendor, office=office, lines=[(lic, "1", "1.00")])
    client = logged_in(roles.VIEWER)
    pos = client.get("/purchasing/").content.decode()
    assert re.search(r"<th[^>]*>\s*Vendor\s*</th>", pos) and re.search(r"<th[^>]*>\s*Office\s*</th>", pos)
    assert not re.search(r"<th[^>]*>\s*Code\s*</th>", pos)
    orders = client.get("/orders/").content.decode()
    assert re.search(r"<th[^>]*>\s*Customer\s*</th>", orders) and not re.search(r"<th[^>]*>\s*Code\s*</th>", orders)


def test_filter_defaults_read_any(office):
    html = logged_in(roles.VIEWER).get("/usage/").content.decode()
    select = re.search(r'<select name="unallocated".*?</select>', html, re.S).group(0)
    assert '<option value="" selected>Any</option>' in select and "Unknown" not in select
    kinds = re.search(r'<select name="kind".*?</select>', html, re.S).group(0)
    assert ">Any</option>" in kinds and "---------" not in kinds


def test_pager_says_the_page_and_caps_per_page(office, lic):
    for _ in range(3):
        adjust_in(office=office, lic=lic, quantity="1", unit_cost="1.00")
    client = logged_in(roles.VIEWER)
    first = client.get("/lots/?per_page=2").content.decode()
    assert "Page 1 ·" in first and "last page" not in first and "next" in first
    last = client.get("/lots/?per_page=2&page=2").content.decode()
    assert "Page 2 of 2 (last page)" in last and "first" in last
    huge = client.get("/lots/?per_page=1000000")
    assert huge.context["table"].paginator.per_page == MAX_PER_PAGE


def test_lot_search_finds_po_receipt_and_order_numbers_in_any_case(office, vendor, lic, order):
    other = adjust_in(office=office, lic=LicFactory(code="OTHER", description="Other"), quantity="1", unit_cost="1")
    po = make_po(vendor=vendor, office=office, lines=[(lic, "5", "2.00")])
    receipt = receive(po, "5")
    lot = receipt.lines.get().lot
    client = logged_in(roles.VIEWER)
    for text in (po.number, po.number.lower(), receipt.number.lower(), f" {receipt.number} "):
        assert lot_numbers(client.get("/lots/", {"q": text})) == [lot.number], text
    assert lot_numbers(client.get("/lots/", {"q": "widget"})) == [lot.number]  # LIC, any case
    assert lot_numbers(client.get("/lots/", {"q": po.number.lower(), "parent_order": ""})) == [lot.number]
    assert lot_numbers(client.get("/lots/", {"parent_order": po.number.lower()})) == [lot.number]
    assert other.number not in lot_numbers(client.get("/lots/", {"q": order.number.lower()}))


def test_lot_list_totals_never_add_units(office, lic):
    scanner = LineItemCode.objects.create(code="KG-STUFF", description="Flour", inventoried=True, unit="kg")
    adjust_in(office=office, lic=lic, quantity="5", unit_cost="2.00")
    adjust_in(office=office, lic=scanner, quantity="3", unit_cost="1.00")
    client = logged_in(roles.VIEWER)
    mixed = client.get("/lots/")
    assert mixed.context["totals"]["mixed_units"] and mixed.context["totals"]["qty_available"] is None
    html = mixed.content.decode()
    assert "(mixed units)" in html and 'id="total-value">13.00<' in html
    one = client.get("/lots/", {"lic": "KG-STUFF"}).content.decode()
    assert 'id="total-qty">3 kg<' in one and "mixed units" not in one


def test_usage_list_and_po_lines_show_money_totals(office, vendor, lic, order):
    from tests.cogs.conftest import run, ship

    adjust_in(office=office, lic=lic, quantity="10", unit_cost="2.50")
    ship(lic=lic, office=office, quantity="3", source=order)
    ship(lic=lic, office=office, quantity="1", source=order)
    run()
    client = logged_in(roles.VIEWER)
    usage = client.get("/usage/")
    assert usage.context["totals"] == {"records": 2, "cogs_value": D("10.00"), "accrued_value": D("0.00")}
    assert 'id="total-cogs">10.00<' in usage.content.decode()
    po = make_po(vendor=vendor, office=office, lines=[(lic, "3", "1.50"), (lic, "2", "1,000.00".replace(",", ""))])
    html = client.get(po.get_absolute_url()).content.decode()
    assert 'data-figure="total_ordered_value">2,004.50<' in html


def test_a_user_with_no_role_sees_no_menu_and_a_viewer_no_export(office, lic):
    nobody = logged_in(None).get("/").content.decode()
    assert 'href="/lots/"' not in nobody and 'id="no-role"' in nobody
    viewer = logged_in(roles.VIEWER)
    assert 'href="/lots/"' in viewer.get("/").content.decode()
    assert 'id="export-csv"' not in viewer.get("/lots/").content.decode()


def test_a_403_on_a_get_does_not_say_nothing_was_saved(office):
    viewer = logged_in(roles.VIEWER)
    get = viewer.get("/lots/export.csv")
    assert get.status_code == 403 and "Nothing was saved" not in get.content.decode()
    assert "Your role does not allow this." in get.content.decode()
    post = viewer.post(reverse("cogs:run_list"), {"wait": "on"})
    assert post.status_code == 403 and "Nothing was saved." in post.content.decode()


def test_styled_csrf_failure_405_and_api_docs_401(office):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user_with_role(roles.ACCOUNTANT))
    refused = client.post(reverse("cogs:run_list"), {"wait": "on"})
    html = refused.content.decode()
    assert refused.status_code == 403 and "The form could not be sent" in html and "Nothing was saved." in html
    assert "bootstrap" in html and "CSRF verification failed" not in html
    not_allowed = logged_in(roles.VIEWER, "v2").post("/lots/")
    assert not_allowed.status_code == 405 and "Not possible here" in not_allowed.content.decode()
    assert "GET" in not_allowed["Allow"] and "Content-Security-Policy" in not_allowed
    docs = Client().get("/api/docs/")
    assert docs.status_code == 401 and 'href="/login/?next=/api/docs/"' in docs.content.decode()
    assert Client().get("/api/schema/").status_code == 401  # the schema still answers the API's JSON error
