"""Audit history of master data: who changed what and when, shown in the admin."""

from inventory_lots.models import LineItemCode
from orders.models import Customer
from purchasing.models import Vendor


def test_admin_edit_of_a_lic_is_recorded_with_the_user(client, admin_user, lic):
    client.force_login(admin_user)
    response = client.post(
        f"/admin/inventory_lots/lineitemcode/{lic.pk}/change/",
        {
            "code": lic.code,
            "description": "Widget, blue",
            "inventoried": "on",
            "costing_method": "lifo",
            "unit": "ea",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content[:500]
    latest = lic.history.order_by("-history_id").first()
    assert latest.history_user == admin_user
    assert latest.history_type == "~"
    assert (latest.description, latest.costing_method) == ("Widget, blue", "lifo")
    assert lic.history.count() == 2  # created, changed
    page = client.get(f"/admin/inventory_lots/lineitemcode/{lic.pk}/history/")
    assert page.status_code == 200
    assert "Widget, blue" in page.content.decode() or admin_user.username in page.content.decode()


def test_every_master_data_model_keeps_history(vendor, customer, office, lic):
    vendor.name = "Acme Supply Ltd"
    vendor.save()
    assert [h.name for h in Vendor.history.filter(id=vendor.pk).order_by("history_id")] == [
        "Acme Supply",
        "Acme Supply Ltd",
    ]
    assert Customer.history.filter(id=customer.pk).exists()
    assert office.history.exists()
    assert LineItemCode.history.filter(id=lic.pk).count() == 1
