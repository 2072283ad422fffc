"""Admin door: posted purchasing documents are read-only; actions call services and a refusal
writes nothing."""

from django.contrib.messages import get_messages

from inventory_lots.models import LotCostChange
from purchasing.models import PurchaseOrder, Receipt

from .conftest import make_po, receive


def test_posted_documents_are_read_only(client, admin_user, vendor, office, lic):
    po = make_po(vendor=vendor, office=office, lines=[(lic, "5", "1.00")])
    receipt = receive(po, "5")
    client.force_login(admin_user)
    assert client.get("/admin/purchasing/purchaseorder/?q=ACME&status__exact=open").status_code == 200
    assert client.get(f"/admin/purchasing/purchaseorder/{po.pk}/change/").status_code == 200  # view only
    response = client.post(f"/admin/purchasing/purchaseorder/{po.pk}/change/", {"status": "closed"})
    assert response.status_code == 403
    assert client.post(f"/admin/purchasing/receipt/{receipt.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/purchasing/receipt/add/").status_code == 403
    assert client.get("/admin/purchasing/vendorinvoice/add/").status_code == 403
    po.refresh_from_db()
    assert po.status == "open" and Receipt.objects.count() == 1


def test_close_action_refusal_writes_nothing(client, admin_user, vendor, office, lic):
    po = make_po(vendor=vendor, office=office, lines=[(lic, "5", "1.00")])
    receive(po, "5")  # received, not invoiced: closing is refused
    client.force_login(admin_user)
    response = client.post(
        "/admin/purchasing/purchaseorder/", {"action": "close_selected", "_selected_action": [po.pk]}, follow=True
    )
    assert response.status_code == 200
    texts = [str(m) for m in get_messages(response.wsgi_request)] or response.content.decode()
    assert (
        any("has 5 received but only 0 invoiced" in t for t in texts)
        or "has 5 received but only 0 invoiced" in response.content.decode()
    )
    po.refresh_from_db()
    assert po.status == "open" and not LotCostChange.objects.exists()


def test_reverse_action(client, admin_user, vendor, office, lic):
    po = make_po(vendor=vendor, office=office, lines=[(lic, "5", "1.00")])
    receipt = receive(po, "5")
    client.force_login(admin_user)
    response = client.post(
        "/admin/purchasing/receipt/", {"action": "reverse_selected", "_selected_action": [receipt.pk]}, follow=True
    )
    assert response.status_code == 200 and "reversed." in response.content.decode()
    assert Receipt.objects.filter(reverses=receipt).count() == 1
    PurchaseOrder.objects.get(pk=po.pk)
