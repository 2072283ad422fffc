"""The purchasing pages in a browser session (Django test client): forms, figures, refusals."""

import re
from decimal import Decimal

import pytest

from core import roles
from inventory_lots.models import Lot, LotCostChange
from purchasing.models import PurchaseOrder, Receipt, VendorInvoice
from tests.factories import user_with_role

from .conftest import invoice, make_po, receive


@pytest.fixture
def clerk(db):
    """These examples read the figures back as the clerk who posted them: a clerk given "see costs"
    (the role lacks it; tests/scope covers a clerk without it)."""
    return user_with_role(roles.CLERK, see_costs=True)


D = Decimal


def figures(response) -> dict[str, str]:
    html = response.content.decode()
    return dict(re.findall(r'data-figure="([\w-]+)">([^<]*)<', html))


def _mgmt(total, initial=0):
    return {
        "lines-TOTAL_FORMS": str(total),
        "lines-INITIAL_FORMS": str(initial),
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }


def test_receive_invoice_close_in_a_browser_session(client, clerk, accountant, vendor, office, lic):
    client.force_login(clerk)
    assert client.get("/purchasing/po/new/").status_code == 200
    response = client.post(
        "/purchasing/po/new/",
        {
            "vendor": "ACME",
            "office": "HQ",
            "date": "2026-03-01",
            **_mgmt(2),
            "lines-0-lic": "WIDGET",
            "lines-0-quantity": "15",
            "lines-0-unit_cost": "35.00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    po = PurchaseOrder.objects.get()
    assert response.url == f"/purchasing/po/{po.pk}/"
    line = po.lines.get()
    page = client.get(f"/purchasing/po/{po.pk}/receive/")
    assert page.status_code == 200 and b"Post receipt" in page.content
    response = client.post(
        f"/purchasing/po/{po.pk}/receive/",
        {"date": "2026-03-02", **_mgmt(1, 1), "lines-0-po_line": line.pk, "lines-0-quantity": "15"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    receipt = Receipt.objects.get()
    assert response.url == f"/purchasing/receipts/{receipt.pk}/"
    lot = receipt.lines.get().lot
    f = figures(client.get(f"/lots/{lot.pk}/"))
    assert (f["ordered_qty"], f["ordered_value"], f["received_qty"], f["received_value"]) == (
        "15",
        "525.00",
        "15",
        "525.00",
    )
    assert (f["accrued_qty"], f["accrued_value"], f["purchased_value"]) == ("15", "525.00", "0.00")

    client.force_login(accountant)
    assert client.get(f"/purchasing/po/{po.pk}/invoice/").status_code == 200
    response = client.post(
        f"/purchasing/po/{po.pk}/invoice/",
        {
            "number": "INV-1",
            "date": "2026-03-03",
            "freight": "8.85",
            **_mgmt(1, 1),
            "lines-0-po_line": line.pk,
            "lines-0-quantity": "15",
            "lines-0-amount": "525.00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    inv = VendorInvoice.objects.get()
    assert figures(client.get(response.url))["freight_share-1"] == "8.85"
    page = client.get(f"/lots/{lot.pk}/")
    f = figures(page)
    assert (f["purchased_qty"], f["purchased_value"], f["freight_allocated"]) == ("15", "525.00", "8.85")
    assert (f["accrued_qty"], f["accrued_value"]) == ("0", "0.00")
    html = page.content.decode()
    assert po.get_absolute_url() in html and receipt.get_absolute_url() in html and inv.get_absolute_url() in html
    assert (
        html.index("Ordered / Purchased")
        < html.index("Ordered / Received")
        < html.index("Accrued Inventory")
        < html.index("Current Inventory")
    )

    assert client.get(f"/purchasing/po/{po.pk}/close/").status_code == 200
    response = client.post(f"/purchasing/po/{po.pk}/close/", {"date": "2026-03-04", "confirm": "yes"})
    assert response.status_code == 302
    f = figures(client.get(f"/lots/{lot.pk}/"))
    assert (f["received_value"], f["in_value"]) == ("533.85", "533.85")
    po.refresh_from_db()
    assert po.status == "closed"
    detail = client.get(f"/purchasing/po/{po.pk}/")
    assert b'id="po-status">Closed' in detail.content and figures(detail)["freight_allocated"] == "8.85"


def test_adjustment_lot_page_omits_the_po_sections(viewer_client, make_lot, office, lic):
    """DOMAIN.md 4: an adjustment lot's page omits Ordered / Purchased, Ordered / Received and
    Accrued (the API has them as null), and says "Adjusted in", not "Received"."""
    lot = make_lot(office=office, lic=lic, quantity="5", unit_cost="10")
    page = viewer_client.get(f"/lots/{lot.pk}/")
    html = page.content.decode()
    for key in ("ordered_purchased", "ordered_received", "accrued"):
        assert f'id="section-{key}"' not in html
    assert "No purchase order (adjustment lot)." not in html and "ordered_qty" not in figures(page)
    assert "<th>Adjusted in</th>" in html and "<th>Received</th>" not in html
    assert figures(page)["in_qty"] == "5"


def test_over_receipt_in_form_shows_error_and_writes_nothing(clerk_client, vendor, office, lic):
    po = make_po(vendor=vendor, office=office, lines=[(lic, "5", "1.00")])
    response = clerk_client.post(
        f"/purchasing/po/{po.pk}/receive/",
        {"date": "2026-03-02", **_mgmt(1, 1), "lines-0-po_line": po.lines.get().pk, "lines-0-quantity": "6"},
    )
    assert response.status_code == 400
    assert "Only 5 of WIDGET is still open on PO line 1" in response.content.decode()
    assert not Receipt.objects.exists() and not Lot.objects.exists()
    response = clerk_client.post(
        f"/purchasing/po/{po.pk}/receive/",
        {"date": "2026-03-02", **_mgmt(1, 1), "lines-0-po_line": po.lines.get().pk, "lines-0-quantity": "abc"},
    )
    assert response.status_code == 400 and not Receipt.objects.exists()
    over = {
        "date": "2026-03-02",
        "allow_over_receipt": "on",
        **_mgmt(1, 1),
        "lines-0-po_line": po.lines.get().pk,
        "lines-0-quantity": "6",
    }
    response = clerk_client.post(f"/purchasing/po/{po.pk}/receive/", over)
    assert response.status_code == 400 and not Receipt.objects.exists()
    assert "Receiving more than ordered needs a reason" in response.content.decode()
    response = clerk_client.post(f"/purchasing/po/{po.pk}/receive/", {**over, "reason": "One extra, agreed"})
    assert response.status_code == 302 and po.lines.get().quantity_received == D("6")
    assert Receipt.objects.get().reason == "One extra, agreed"


def test_bad_po_form_writes_nothing(clerk_client, vendor, office):
    response = clerk_client.post(
        "/purchasing/po/new/",
        {
            "vendor": "NOPE",
            "office": "HQ",
            "date": "2026-03-01",
            **_mgmt(1),
            "lines-0-lic": "WIDGET?",
            "lines-0-quantity": "1",
            "lines-0-unit_cost": "1",
        },
    )
    assert response.status_code == 400
    assert "Unknown vendor “NOPE”." in response.content.decode()
    assert not PurchaseOrder.objects.exists()


def test_bad_invoice_form_and_refused_close(accountant_client, vendor, office, lic):
    po = make_po(vendor=vendor, office=office, lines=[(lic, "5", "1.00")])
    receive(po, "5")
    line = po.lines.get()
    response = accountant_client.post(
        f"/purchasing/po/{po.pk}/invoice/",
        {
            "number": "I-1",
            "date": "2026-03-03",
            "freight": "",
            **_mgmt(1, 1),
            "lines-0-po_line": line.pk,
            "lines-0-quantity": "5",
            "lines-0-amount": "-5.00",
        },
    )
    assert response.status_code == 400 and "Amount cannot be negative." in response.content.decode()
    response = accountant_client.post(
        f"/purchasing/po/{po.pk}/invoice/",
        {"number": "I-1", "date": "2026-03-03", **_mgmt(1, 1), "lines-0-po_line": line.pk, "lines-0-quantity": "5"},
    )
    assert response.status_code == 400 and "Enter both the quantity and the amount." in response.content.decode()
    assert not VendorInvoice.objects.exists()
    response = accountant_client.post(f"/purchasing/po/{po.pk}/close/", {"date": "2026-03-04", "confirm": "yes"})
    assert response.status_code == 400
    assert "has 5 received but only 0 invoiced" in response.content.decode()
    po.refresh_from_db()
    assert po.status == "open" and not LotCostChange.objects.exists()


def test_roles_on_pages(viewer_client, clerk, client, vendor, office, lic):
    po = make_po(vendor=vendor, office=office, lines=[(lic, "5", "1.00")])
    urls = ["/purchasing/", f"/purchasing/po/{po.pk}/", "/purchasing/accrued/", "/purchasing/?status=open&vendor=ACME"]
    for url in urls:
        assert viewer_client.get(url).status_code == 200, url
    for url in [
        "/purchasing/po/new/",
        f"/purchasing/po/{po.pk}/receive/",
        f"/purchasing/po/{po.pk}/invoice/",
        f"/purchasing/po/{po.pk}/close/",
        "/purchasing/accrued.csv",
    ]:
        assert viewer_client.get(url).status_code == 403, url
    client.force_login(clerk)
    assert client.get(f"/purchasing/po/{po.pk}/invoice/").status_code == 403
    assert client.post(f"/purchasing/po/{po.pk}/close/", {"date": "2026-03-04"}).status_code == 403


def test_reverse_receipt_page(accountant_client, vendor, office, lic):
    po = make_po(vendor=vendor, office=office, lines=[(lic, "5", "1.00")])
    receipt = receive(po, "5")
    assert b'id="reverse"' in accountant_client.get(f"/purchasing/receipts/{receipt.pk}/").content
    response = accountant_client.post(
        f"/purchasing/receipts/{receipt.pk}/reverse/", {"date": "2026-03-02", "reason": ""}
    )
    assert response.status_code == 400 and not Receipt.objects.filter(reverses=receipt).exists()
    response = accountant_client.post(
        f"/purchasing/receipts/{receipt.pk}/reverse/", {"date": "2026-03-02", "reason": "Duplicate", "confirm": "yes"}
    )
    assert response.status_code == 302
    page = accountant_client.get(f"/purchasing/receipts/{receipt.pk}/")
    assert b'id="reversed-by"' in page.content and figures(page)["quantity"] == "5"


def test_accrued_report_page_and_csv(accountant_client, vendor, office, gadget, textbook):
    po = make_po(vendor=vendor, office=office, lines=[(gadget, "100", "8.00"), (textbook, "100", "29.99")])
    receive(po, "10", "10")
    invoice(po, "A-1", ("10", "80.00"))
    f = figures(accountant_client.get("/purchasing/accrued/"))
    assert f["vendor-ACME"] == "299.90" and f["total"] == "299.90" and f["accrued_value"] == "299.90"
    response = accountant_client.get("/purchasing/accrued.csv")
    rows = b"".join(response.streaming_content).decode().splitlines()
    assert rows[0].startswith("PO,Vendor,Office,PO date,Line,LIC")
    assert rows[1].split(",")[-4:] == ["10.000000", "0.000000", "10.000000", "299.90"]
    assert len(rows) == 2
