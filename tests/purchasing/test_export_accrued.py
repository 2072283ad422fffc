"""The lot CSV export's "Accrued value" column follows DOMAIN.md 4 (per lot, invoices cover the
line's lots oldest first); adjustment lots leave it empty."""

import csv
import io

from tests.conftest import adjust_in

from .conftest import invoice, make_po, receive


def export_rows(client, query=""):
    response = client.get(f"/lots/export.csv{query}")
    assert response.status_code == 200
    return {row["Lot"]: row for row in csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))}


def test_accrued_value_per_lot_in_the_export(accountant_client, vendor, office, gadget, lic):
    po = make_po(vendor=vendor, office=office, lines=[(gadget, "100", "8.00")])
    first = receive(po, "10").lines.get().lot
    second = receive(po, "5").lines.get().lot
    adjustment_lot = adjust_in(office=office, lic=lic, quantity="2", unit_cost="1.00")
    rows = export_rows(accountant_client)
    assert rows[first.number]["Accrued value"] == "80.00"
    assert rows[second.number]["Accrued value"] == "40.00"
    assert rows[adjustment_lot.number]["Accrued value"] == ""
    invoice(po, "INV-1", ("12", "96.00"))  # covers the first lot and 2 of the second
    rows = export_rows(accountant_client)
    assert rows[first.number]["Accrued value"] == "0.00"
    assert rows[second.number]["Accrued value"] == "24.00"
