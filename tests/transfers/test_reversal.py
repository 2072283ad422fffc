"""Reversal of a transfer between offices (DOMAIN.md 9), worked by hand: transfer 5 of a $10.00 lot, reverse
it, run COGS: the source lot is back to its full value, the transfer lot at 0.00; valuation, roll-forward,
journal and the stored snapshots agree before and after, and check_ledger passes. Then every refusal, and
the doors (API, page with its confirmation, admin action)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from cogs.selectors import ledger_violations
from core.errors import StateConflict, ValidationFailed
from inventory_lots.models import InventoryUsage, Lot
from inventory_lots.services import set_lock_date
from reports import snapshots
from reports.selectors import Scope, lots_at, lots_at_by_events, valuation_totals
from tests.cogs.conftest import fresh, ship
from tests.conftest import adjust_in
from tests.factories import OfficeFactory
from tests.reports.conftest import D, day, figures, rolled, run
from tests.reports.test_journal import ADJ, INV, assert_balanced, balance, lines, pair
from transfers.models import Transfer, TransferLine
from transfers.reversals import reverse_transfer
from transfers.services import TransferLineInput, post_transfer

pytestmark = pytest.mark.django_db
TRANSIT = "1360"


@pytest.fixture
def branch(db):
    return OfficeFactory(code="BR", name="Branch")


def transfer(source, destination, lic, quantity, date, **extra) -> Transfer:
    return post_transfer(
        from_office=source,
        to_office=destination,
        date=date,
        lines=[TransferLineInput(lic=lic, quantity=D(quantity), **extra)],
        actor=None,
    )


def lot_figures(lot, as_of):
    """(qty_in, value_in, on hand quantity, on hand value) of the lot at ``as_of``, read both ways."""
    fast, slow = lots_at(as_of=as_of)[lot.pk], lots_at_by_events(as_of=as_of)[lot.pk]
    assert (fast.qty_in, fast.value_in, fast.qty_used, fast.value_used) == (
        slow.qty_in,
        slow.value_in,
        slow.qty_used,
        slow.value_used,
    )
    return fast.qty_in, fast.value_in, fast.qty_in - fast.qty_used, fast.value_in - fast.value_used


def test_worked_example_transfer_5_of_a_10_dollar_lot_and_reverse_it(office, branch, lic):
    source = adjust_in(office=office, lic=lic, quantity="10", unit_cost="10.00", date=day(1))
    original = transfer(office, branch, lic, "5", day(2))
    line = original.lines.get()
    run(day(3))
    # before the reversal: HQ 5 @ 10.00 left, BR 5 @ 10.00, the usage's COGS 50.00 in transit
    assert fresh(line.usage).cogs_value == D("50.00")
    assert lot_figures(source, day(3)) == (D("10"), D("100.00"), D("5"), D("50.00"))
    assert lot_figures(line.lot, day(3)) == (D("5"), D("50.00"), D("5"), D("50.00"))

    reversal = reverse_transfer(transfer=original, date=day(4), reason="Sent to the wrong branch", actor=None)
    back = reversal.lines.get()
    assert (reversal.number.startswith("TR-"), reversal.reverses, fresh(original).reversed_by) == (
        True,
        original,
        reversal,
    )
    assert (reversal.from_office, reversal.to_office, reversal.reason) == (office, branch, "Sent to the wrong branch")
    assert (back.quantity, back.lot, back.reverses_line, back.usage.returns_usage) == (D("-5"), None, line, line.usage)
    assert (back.usage.kind, back.usage.office, back.usage.quantity, back.usage.date) == (
        "transfer",
        office,
        D("-5"),
        day(4),
    )
    assert (fresh(line.lot).qty_in, fresh(line.lot).status) == (D("0"), "closed")
    run(day(6))
    # COGS gives back exactly what the transfer usage took: the source lot is whole again
    assert fresh(back.usage).cogs_value == D("-50.00")
    assert (fresh(source).qty_used, fresh(source).value_used) == (D("0"), D("0.00"))
    assert lot_figures(source, day(6)) == (D("10"), D("100.00"), D("10"), D("100.00"))
    assert lot_figures(line.lot, day(6)) == (D("0"), D("0.00"), D("0"), D("0.00"))
    # ... and at a date before the reversal the reports still show the transfer
    assert lot_figures(source, day(3)) == (D("10"), D("100.00"), D("5"), D("50.00"))
    assert lot_figures(line.lot, day(3)) == (D("5"), D("50.00"), D("5"), D("50.00"))

    # valuation (quantity, value, unallocated, accrued) per office, before and after the reversal
    def totals(as_of, office_id):
        t = valuation_totals(as_of=as_of, scope=Scope(office_id=office_id))
        return t.quantity, t.value, t.unallocated_quantity, t.accrued_value

    assert totals(day(3), office.pk) == (D("5"), D("50.00"), D("0"), D("0.00"))
    assert totals(day(3), branch.pk) == (D("5"), D("50.00"), D("0"), D("0.00"))
    assert totals(day(4), office.pk) == (D("10"), D("100.00"), D("0"), D("0.00"))
    assert totals(day(4), branch.pk) == (D("0"), D("0.00"), D("0"), D("0.00"))

    # roll-forward: the transfer's lot in and transfer out, then the reversal's the other way round
    assert rolled(day(1), day(3)) == figures(lots_in="150.00", transfers_out="50.00", closing_value="100.00")
    assert rolled(day(4), day(31)) == figures(
        opening_value="100.00", lots_in="-50.00", transfers_out="-50.00", closing_value="100.00"
    )
    assert rolled(day(1), day(31), office_id=office.pk) == figures(lots_in="100.00", closing_value="100.00")
    assert rolled(day(1), day(31), office_id=branch.pk) == figures()

    # journal: the reversing lines of the transfer's lines, in transit back to zero
    assert lines() == [
        *pair(day(1), INV, ADJ, "100.00", "lot"),
        *pair(day(2), INV, TRANSIT, "50.00", "lot"),  # the transfer lot in BR
        *pair(day(2), TRANSIT, INV, "50.00", "cogs_entry"),  # the transfer usage in HQ
        *pair(day(4), TRANSIT, INV, "50.00", "lot"),  # the transfer lot back to 0 in BR
        *pair(day(4), INV, TRANSIT, "50.00", "cogs_entry"),  # the give-back in HQ
    ]
    assert_balanced()
    assert balance(TRANSIT, day(3)) == D("0.00") == balance(TRANSIT, day(31))
    assert balance(INV, day(31), office_ids=[office.pk]) == D("100.00")
    assert balance(INV, day(31), office_ids=[branch.pk]) == D("0.00")

    # the stored snapshots agree with the scan; check_ledger passes
    set_lock_date(date=day(31), actor=None)
    assert snapshots.snapshot_violations() == []
    assert totals(day(31), office.pk) == (D("10"), D("100.00"), D("0"), D("0.00"))
    assert totals(day(3), branch.pk) == (D("5"), D("50.00"), D("0"), D("0.00"))
    assert ledger_violations() == []
    call_command("check_ledger")


def test_reversed_before_cogs_runs_nets_to_zero_too(office, branch, lic):
    source = adjust_in(office=office, lic=lic, quantity="4", unit_cost="2.50", date=day(1))
    original = transfer(office, branch, lic, "4", day(2))
    reverse_transfer(transfer=original, date=day(2), reason="x", actor=None)
    run(day(5))
    line = original.lines.get()
    assert (fresh(line.usage).cogs_value, fresh(line.reversed_by.usage).cogs_value) == (D("10.00"), D("-10.00"))
    assert lot_figures(source, day(5)) == (D("4"), D("10.00"), D("4"), D("10.00"))
    assert lot_figures(line.lot, day(5)) == (D("0"), D("0.00"), D("0"), D("0.00"))
    assert_balanced()
    assert balance(TRANSIT, day(31)) == D("0.00")
    call_command("check_ledger")


def test_check_ledger_names_a_transfer_lot_grown_behind_its_back(office, branch, lic):
    from cogs.management.commands.check_ledger import document_violations

    adjust_in(office=office, lic=lic, quantity="4", unit_cost="2.50", date=day(1))
    original = transfer(office, branch, lic, "4", day(2))
    reverse_transfer(transfer=original, date=day(3), reason="x", actor=None)
    lot = original.lines.get().lot
    assert document_violations() == []
    with connection.cursor() as cursor:
        cursor.execute("UPDATE inventory_lots_lot SET qty_in = 1 WHERE id = %s", [lot.pk])
    assert [(v["check"], v["id"]) for v in document_violations()] == [("transfer_lot_qty_in", lot.pk)]


def counts():
    return Transfer.objects.count(), TransferLine.objects.count(), InventoryUsage.objects.count()


def refused(kind, code, **kwargs):
    before = counts()
    with pytest.raises(kind) as exc:
        reverse_transfer(actor=None, **kwargs)
    assert exc.value.code == code
    assert counts() == before
    return exc.value


def test_refusals_write_nothing(office, branch, lic, order):
    adjust_in(office=office, lic=lic, quantity="10", unit_cost="10.00", date=day(1))
    original = transfer(office, branch, lic, "5", day(2))
    refused(ValidationFailed, "reason_required", transfer=original, date=day(3), reason="  ")
    refused(ValidationFailed, "reason_too_long", transfer=original, date=day(3), reason="x" * 201)
    refused(ValidationFailed, "date_before_reversed", transfer=original, date=day(1), reason="x")
    # a transfer lot named by a usage in the destination (not allocated yet): named
    used = transfer(office, branch, lic, "2", day(2))
    lot = used.lines.get().lot
    ship(lic=lic, office=branch, quantity="1", source=order, date=day(3), lot=lot)
    error = refused(StateConflict, "lot_used", transfer=used, date=day(3), reason="x")
    assert error.message.startswith(f"Lot {lot.number} of transfer {used.number} has been used")
    assert error.status == 409
    reversal = reverse_transfer(transfer=original, date=day(3), reason="x", actor=None)
    error = refused(StateConflict, "already_reversed", transfer=fresh(original), date=day(3), reason="x")
    assert error.message == f"Transfer {original.number} has already been reversed by {reversal.number}."
    error = refused(StateConflict, "reverse_a_reversal", transfer=reversal, date=day(3), reason="x")
    assert error.message == (
        f"Transfer {reversal.number} is itself a reversal (of {original.number}) and cannot be reversed."
    )
    # a transfer in closed books
    later = transfer(office, branch, lic, "2", day(4))
    set_lock_date(date=day(4), actor=None)
    refused(StateConflict, "transfer_locked", transfer=later, date=day(5), reason="x")
    refused(ValidationFailed, "date_locked", transfer=later, date=day(4), reason="x")


def test_allocated_use_of_the_transfer_lot_is_refused(office, branch, lic, order):
    adjust_in(office=office, lic=lic, quantity="10", unit_cost="10.00", date=day(1))
    original = transfer(office, branch, lic, "5", day(2))
    ship(lic=lic, office=branch, quantity="2", source=order, date=day(3))
    run(day(4))
    assert fresh(original.lines.get().lot).qty_used == D("2")
    refused(StateConflict, "lot_used", transfer=original, date=day(5), reason="x")


# --- the doors -------------------------------------------------------------------------------------------


def test_api_reverse(api, accountant, clerk, office, branch, lic):
    adjust_in(office=office, lic=lic, quantity="10", unit_cost="10.00", date=day(1))
    original = transfer(office, branch, lic, "5", day(2))
    url = f"/api/v1/transfers/{original.pk}/reverse/"
    assert api(clerk).post(url, {"reason": "x", "date": "2026-03-04"}, format="json").status_code == 403
    assert api(accountant).post(url, {"reason": ""}, format="json").status_code == 400
    answer = api(accountant).post(url, {"reason": "wrong branch", "date": "2026-03-04"}, format="json")
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    line = original.lines.get()
    assert body["reverses"] == original.pk and body["reason"] == "wrong branch" and body["date"] == "2026-03-04"
    assert body["from_office"] == "HQ" and body["to_office"] == "BR"
    assert body["lines"] == [
        {
            "id": line.reversed_by.pk,
            "lic": lic.code,
            "quantity": "-5.000000",
            "serial_numbers": [],
            "usage": line.reversed_by.usage_id,
            "lot": None,
            "reverses_line": line.pk,
        }
    ]
    again = api(accountant).post(url, {"reason": "x", "date": "2026-03-04"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_reversed"
    detail = api(accountant).get(f"/api/v1/transfers/{original.pk}/").json()
    assert detail["reverses"] is None and detail["lines"][0]["lot"] == line.lot_id


def test_page_reverses_with_a_confirmation(client, accountant, clerk, viewer, office, branch, lic):
    adjust_in(office=office, lic=lic, quantity="10", unit_cost="10.00", date=day(1))
    original = transfer(office, branch, lic, "5", day(2))
    client.force_login(viewer)
    page = client.get(original.get_absolute_url())
    assert page.status_code == 200 and b'id="reverse"' not in page.content
    assert client.get(f"/transfers/{original.pk}/reverse/").status_code == 403
    client.force_login(accountant)
    page = client.get(original.get_absolute_url())
    assert b'id="reverse"' in page.content
    url = f"/transfers/{original.pk}/reverse/"
    first = client.post(url, {"date": "2026-03-04", "reason": "wrong branch"})
    assert first.status_code == 200 and b"cannot be undone" in first.content
    assert not Transfer.objects.filter(reverses=original).exists()
    done = client.post(url, {"date": "2026-03-04", "reason": "wrong branch", "confirm": "yes"}, follow=True)
    reversal = Transfer.objects.get(reverses=original)
    assert done.redirect_chain[-1][0] == reversal.get_absolute_url()
    assert b'id="reverses"' in done.content and original.number.encode() in done.content
    page = client.get(original.get_absolute_url())
    assert f'Reversed by <a href="{reversal.get_absolute_url()}">{reversal.number}</a>'.encode() in page.content
    refused_page = client.post(url, {"date": "2026-03-04", "reason": "again", "confirm": "yes"})
    assert refused_page.status_code == 409
    # the transfer lot (now 0) and the reversal's usage have their pages, which Go-To back
    line = original.lines.get()
    assert client.get(line.lot.get_absolute_url()).status_code == 200
    usage_page = client.get(line.reversed_by.usage.get_absolute_url())
    assert usage_page.status_code == 200 and reversal.number.encode() in usage_page.content


def test_admin_action_reverses(client, admin_user, office, branch, lic):
    adjust_in(office=office, lic=lic, quantity="10", unit_cost="10.00", date=day(1))
    original = transfer(office, branch, lic, "5", day(2))
    client.force_login(admin_user)
    client.post(
        "/admin/transfers/transfer/",
        {"action": "reverse_selected", "_selected_action": [original.pk]},
        follow=True,
    )
    reversal = Transfer.objects.get(reverses=original)
    assert reversal.reason == "Reversed in the admin"
    assert fresh(original.lines.get().lot).qty_in == D("0")
    assert Lot.objects.filter(type="transfer").count() == 1


def test_inventory_transactions_show_the_reversal(api, viewer, office, branch, lic):
    adjust_in(office=office, lic=lic, quantity="10", unit_cost="10.00", date=day(1))
    original = transfer(office, branch, lic, "5", day(2))
    reversal = reverse_transfer(transfer=original, date=day(4), reason="x", actor=None)

    def rows(office_code, **extra):
        data = api(viewer).get("/api/v1/inventory-transactions/", {"lic": "WIDGET", "office": office_code, **extra})
        body = data.json()
        found = [(r["date"], r["kind"], D(r["quantity"]), D(r["balance"])) for r in body["results"]]
        return found, D(body["on_hand"])

    assert rows("BR") == (
        [("2026-03-02", "transfer_in", D("5"), D("5")), ("2026-03-04", "transfer reversal", D("-5"), D("0"))],
        D("0"),
    )
    assert rows("HQ") == (
        [
            ("2026-03-01", "adjustment", D("10"), D("10")),
            ("2026-03-02", "transfer_out", D("-5"), D("5")),
            ("2026-03-04", "transfer reversal", D("5"), D("10")),  # the reversal's usage comes back
        ],
        D("10"),
    )
    # from a date on: the balance before it comes from the one aggregate
    assert rows("BR", date_from="2026-03-03")[0] == [("2026-03-04", "transfer reversal", D("-5"), D("0"))]
    page = api(viewer).get("/api/v1/inventory-transactions/", {"lic": "WIDGET", "office": "BR"}).json()
    assert page["results"][1]["document"]["label"] == reversal.number
