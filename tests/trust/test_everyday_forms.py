"""Everyday use of the forms (issue 21, "Forms"), through the pages: posting dates pre-filled in
ISO, code pickers, empty line templates for "Add line", formset errors in sentences, the
confirmation step of irreversible actions, master-data pages and printable documents.
(The browser side, clicking "Add line" and confirming, is tests/e2e/test_everyday_forms.py.)"""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client

from core import roles
from core.forms import MSG_AT_LEAST_ONE_LINE, MSG_FORM_INCOMPLETE
from inventory_lots.models import LineItemCode
from orders.models import Customer
from production.models import JobCostEntry
from purchasing.models import PurchaseOrder, Receipt, Vendor
from tests.factories import LicFactory, user_with_role
from tests.trust.conftest import management

ACC, STOCK, PROD = roles.ACCOUNTANT, roles.CLERK, roles.PRODUCTION


def client_for(role: str) -> Client:
    client = Client()
    client.force_login(user_with_role(role, username=f"everyday-{role.lower().replace(' ', '-')}"))
    return client


# every page with a posting date: (role, url)
POSTING_FORMS = [
    (STOCK, lambda w: "/purchasing/po/new/"),
    (STOCK, lambda w: f"/purchasing/po/{w.po.pk}/receive/"),
    (ACC, lambda w: f"/purchasing/po/{w.po.pk}/invoice/"),
    (ACC, lambda w: f"/purchasing/po/{w.po.pk}/close/"),
    (ACC, lambda w: f"/purchasing/receipts/{w.receipt.pk}/reverse/"),
    (STOCK, lambda w: "/orders/new/"),
    (STOCK, lambda w: f"/orders/{w.order.pk}/ship/"),
    (STOCK, lambda w: f"/orders/{w.order.pk}/return/"),
    (STOCK, lambda w: "/adjustments/new/"),
    (PROD, lambda w: "/production/new/"),
    (PROD, lambda w: f"/production/{w.mo_open.pk}/issue/"),
    (PROD, lambda w: f"/production/{w.mo.pk}/job-costs/new/"),
    (PROD, lambda w: f"/production/{w.mo.pk}/produce/"),
    (PROD, lambda w: f"/production/job-costs/{w.job_cost.pk}/"),
    (ACC, lambda w: f"/trace/lots/{w.stock_lot.pk}/unit-cost/"),
]


def date_input(html: str) -> str:
    match = re.search(r'<input type="date" name="date"[^>]*>', html)
    assert match, "no date input"
    return match.group(0)


@pytest.mark.parametrize("role,url", POSTING_FORMS, ids=[str(i) for i in range(len(POSTING_FORMS))])
def test_every_posting_form_prefills_today_in_iso(world, role, url):
    """Before: the PO form sent value="Dec. 1, 2026" (dropped by the browser) and most forms none."""
    html = client_for(role).get(url(world)).content.decode()
    assert f'value="{datetime.date.today().isoformat()}"' in date_input(html), date_input(html)


def test_code_pickers_list_codes_with_their_description(world):
    html = client_for(STOCK).get("/purchasing/po/new/").content.decode()
    assert re.search(r'<input[^>]*name="vendor"[^>]*list="picker-vendor"', html)
    assert '<datalist id="picker-vendor"><option value="ACME">Acme Supply</option></datalist>' in html
    assert '<option value="WIDGET">Widget</option>' in html and 'list="picker-lineitemcode"' in html
    html = client_for(STOCK).get("/orders/new/").content.decode()
    assert '<datalist id="picker-customer"><option value="CUST">A Customer</option></datalist>' in html
    offices = '<option value="HQ">Headquarters</option><option value="WH">Warehouse</option>'
    assert f'<datalist id="picker-office">{offices}</datalist>' in html
    html = client_for(PROD).get("/production/new/").content.decode()
    assert f'<option value="{world.order.number}">CUST — A Customer</option>' in html
    assert 'list="picker-order"' in html


LINE_FORMS = [
    (STOCK, lambda w: "/purchasing/po/new/"),
    (STOCK, lambda w: "/adjustments/new/"),
    (STOCK, lambda w: f"/orders/{w.order.pk}/ship/"),
    (STOCK, lambda w: f"/orders/{w.order.pk}/return/"),
    (PROD, lambda w: f"/production/{w.mo_open.pk}/issue/"),
]


@pytest.mark.parametrize("role,url", LINE_FORMS, ids=["po", "adjustment", "shipment", "return", "issue"])
def test_multi_line_forms_offer_an_empty_line_to_add(world, role, url):
    html = client_for(role).get(url(world)).content.decode()
    template = re.search(r"<template data-formset-empty>(.*?)</template>", html, re.S)
    assert template and 'name="lines-__prefix__-lic"' in template.group(1)
    assert 'data-formset-add id="add-line"' in html and 'id="id_lines-TOTAL_FORMS"' in html
    assert "static/js/forms.js" in html and "<script>" not in html


def test_a_purchase_order_takes_more_lines_than_shown(world):
    client = client_for(STOCK)
    data = {"vendor": "ACME", "office": "HQ", "date": "2026-11-30", **management("lines", 7)}
    for i in range(7):
        data.update({f"lines-{i}-lic": "WIDGET", f"lines-{i}-quantity": str(i + 1), f"lines-{i}-unit_cost": "1"})
    response = client.post("/purchasing/po/new/", data)
    assert response.status_code == 302
    assert PurchaseOrder.objects.order_by("-id").first().lines.count() == 7


def test_formset_errors_are_sentences(world):
    client = client_for(STOCK)
    before = PurchaseOrder.objects.count()
    base = {"vendor": "ACME", "office": "HQ", "date": "2026-11-30"}
    html = client.post("/purchasing/po/new/", {**base, **management("lines", 2)}).content.decode()
    assert MSG_AT_LEAST_ONE_LINE in html and "Please submit" not in html
    response = client.post("/purchasing/po/new/", {**base, "lines-0-lic": "WIDGET"})  # no management form
    html = response.content.decode()
    assert response.status_code == 400 and MSG_FORM_INCOMPLETE in html
    assert "ManagementForm" not in html and "Hidden field" not in html
    html = client.post(
        f"/orders/{world.order.pk}/ship/",
        {"date": "2026-11-30", "lines-TOTAL_FORMS": "abc", "lines-INITIAL_FORMS": "0"},
    ).content.decode()
    assert MSG_FORM_INCOMPLETE in html and "Hidden field" not in html
    assert PurchaseOrder.objects.count() == before


def test_irreversible_actions_ask_first_and_say_what_becomes_impossible(world):
    acc, prod = client_for(ACC), client_for(PROD)
    cases = [
        (
            acc,
            f"/purchasing/receipts/{world.receipt.pk}/reverse/",
            {"date": "2026-11-30", "reason": "dup"},
            "It cannot be undone",
            lambda: Receipt.objects.filter(reverses=world.receipt).exists(),
        ),
        (
            acc,
            f"/purchasing/po/{world.po.pk}/close/",
            {"date": "2026-11-30"},
            "cannot be reopened",
            lambda: PurchaseOrder.objects.get(pk=world.po.pk).status == "closed",
        ),
        (
            prod,
            f"/production/job-costs/{world.job_cost.pk}/reverse/",
            {"date": "2026-11-30"},
            "It cannot be undone",
            lambda: JobCostEntry.objects.filter(reverses=world.job_cost).exists(),
        ),
        (
            prod,
            f"/production/{world.mo.pk}/release/",
            {},
            "The release cannot be undone",
            lambda: world.mo.lot.__class__.objects.get(pk=world.mo.lot.pk).released,
        ),
    ]
    for client, url, data, warning, done in cases:
        response = client.post(url, data)
        html = response.content.decode()
        assert response.status_code == 200 and warning in html and 'name="confirm" value="yes"' in html, url
        assert not done(), url
        for name, value in data.items():
            assert f'name="{name}" value="{value}"' in html, (url, name)
        response = client.post(url, {**data, "confirm": "yes"})
        assert response.status_code == 302, (url, response.status_code)
        assert done(), url
    response = prod.post(f"/production/{world.mo.pk}/close/")
    assert "It cannot be reopened" in response.content.decode()
    assert prod.post(f"/production/{world.mo.pk}/close/", {"confirm": "yes"}).status_code == 302


def test_master_data_pages_list_for_everyone_and_edit_for_administrators(world, admin_user):
    viewer = client_for(roles.VIEWER)
    for kind in ("offices", "lics", "vendors", "customers"):
        response = viewer.get(f"/master/{kind}/")
        assert response.status_code == 200 and 'id="create-record"' not in response.content.decode()
    assert "Acme Supply" in viewer.get("/master/vendors/").content.decode()
    assert viewer.get("/master/vendors/new/").status_code == 403
    assert viewer.get("/master/vendors/ACME/edit/").status_code == 403
    assert client_for(STOCK).post("/master/vendors/new/", {"code": "X", "name": "X"}).status_code == 403
    assert viewer.get("/master/nothing/").status_code == 404

    admin = Client()
    admin.force_login(admin_user)
    assert 'id="create-record"' in admin.get("/master/vendors/").content.decode()
    assert admin.post("/master/vendors/new/", {"code": "NEWV", "name": "New Vendor"}).status_code == 302
    assert Vendor.objects.get(code="NEWV").history.first().history_user == admin_user
    response = admin.post("/master/vendors/new/", {"code": "acme", "name": "Twin"})  # taken, ignoring case
    assert response.status_code == 400 and Vendor.objects.filter(code__iexact="acme").count() == 1
    assert admin.post("/master/customers/CUST/edit/", {"code": "CUST", "name": "Renamed"}).status_code == 302
    assert Customer.objects.get(code="CUST").name == "Renamed"
    assert admin.post("/master/offices/new/", {"code": "BR2", "name": "Branch"}).status_code == 302

    # a LIC in use keeps its code and ledger flags; the rest changes
    html = admin.get("/master/lics/WIDGET/edit/").content.decode()
    assert re.search(r'name="code"[^>]*readonly', html) and re.search(r'name="serialized"[^>]*disabled', html)
    response = admin.post(
        "/master/lics/WIDGET/edit/",
        {
            "code": "CHANGED",
            "description": "Widget, blue",
            "unit": "ea",
            "costing_method": "lifo",
            "active": "on",
            "inventoried": "on",
        },
    )
    assert response.status_code == 302
    lic = LineItemCode.objects.get(pk=world.lic.pk)
    assert (lic.code, lic.description, lic.costing_method) == ("WIDGET", "Widget, blue", "fifo")
    # one not in use changes entirely
    LicFactory(code="FRESH", description="Fresh")
    response = admin.post(
        "/master/lics/FRESH/edit/",
        {"code": "FRESH2", "description": "Fresh", "unit": "kg", "costing_method": "fifo", "active": "on"},
    )
    assert response.status_code == 302 and LineItemCode.objects.filter(code="FRESH2", unit="kg").exists()


def test_printable_po_receipt_and_packing_slip(world):
    client = client_for(roles.VIEWER)
    for url, text in [
        (f"/purchasing/po/{world.po.pk}/print/", "Acme Supply"),
        (f"/purchasing/receipts/{world.receipt.pk}/print/", world.receipt.number),
        (f"/orders/shipments/{world.shipment.pk}/print/", "A Customer"),
    ]:
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 200 and "css/print.css" in html and text in html, url
        assert "navbar" not in html and 'id="print-lines"' in html, url
    assert "/print/" in client.get(f"/purchasing/po/{world.po.pk}/").content.decode()
    assert "/print/" in client.get(f"/orders/shipments/{world.shipment.pk}/").content.decode()
