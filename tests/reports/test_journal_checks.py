"""The journal's three check_ledger checks (reports.journal.journal_violations) seen to fire, each by
corrupting what it reads with SQL written around Python, named by record and printed by
``manage.py check_ledger`` (exit 1); and the doors that keep the account configuration from
breaking them: the Inventory and Accrued COGS accounts are control accounts no other role may use
(API, admin), and an unknown account role is refused, nothing written.

The books: 3 @ $10.00 adjusted in on 1 March, 5 shipped on 2 March, one run: 3 allocated ($30.00),
2 unallocated and accrued at $10.00 ($20.00); a production order with a capitalized job cost of
$7.00 on 3 March, nothing produced yet (Work in process $7.00); an export of March recorded."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from production import services as production
from reports import journal
from reports.models import JournalExport, OfficeAccounts
from tests.cogs.conftest import ship
from tests.conftest import adjust_in
from tests.factories import LicFactory, ServiceLicFactory

from .conftest import D, day, run, totals

pytestmark = pytest.mark.django_db
API = "/api/v1/"


@pytest.fixture
def books(office, lic, order, accountant):
    adjust_in(office=office, lic=lic, quantity="3", unit_cost="10.00", date=day(1))
    ship(lic=lic, office=office, quantity="5", source=order, date=day(2))
    run(day(2))
    mo = production.create_production_order(
        office=office,
        date=day(3),
        order=order,
        lic=LicFactory(code="CHAIR"),
        estimated_quantity=D(1),
        estimated_unit_cost=D("9.00"),
        actor=None,
    )
    production.post_job_cost(
        production_order=mo,
        date=day(3),
        lic=ServiceLicFactory(code="LABOR"),
        description="assembly",
        amount=D("7.00"),
        capitalized=True,
        actor=None,
    )
    assert totals(day(31)) == (D(0), D("0.00"), D(2), D("20.00"))
    export = journal.record_journal_export(
        date_from=day(1), date_to=day(31), offices=[], detail="lines", actor=accountant
    )
    # 1 Mar Inventory / Adjustments 30.00; 2 Mar COGS / Inventory 30.00, COGS / Accrued COGS 20.00;
    # 3 Mar Work in process / Capitalized job cost clearing 7.00
    assert (export.line_count, export.debit, export.credit) == (8, D("87.00"), D("87.00"))
    assert journal.journal_violations() == []
    return {"export": export}


def sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def check_ledger_prints(capsys, *expected: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        call_command("check_ledger")
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    for text in expected:
        assert text in out, out


def test_journal_balanced_names_a_recorded_export_that_does_not_balance(books, capsys):
    export = books["export"]
    sql("UPDATE reports_journalexport SET credit = credit - 0.01 WHERE id = %s", [export.pk])
    assert journal.journal_violations() == [
        {
            "check": "journal_balanced",
            "id": export.pk,
            "detail": "export of 2026-03-01..2026-03-31: debits 87.00 <> credits 86.99",
        }
    ]
    check_ledger_prints(capsys, f"journal_balanced: #{export.pk}: export of 2026-03-01..2026-03-31")


def test_journal_accrued_cogs_fires_when_another_role_posts_to_the_accrued_account(books, office, capsys):
    """COGS mapped (with SQL, around the admin's refusal) onto 2150: the account now holds the $30.00
    of COGS debited, and the accrual's two lines cancel on it: -30.00, not the $20.00 accrued."""
    sql("INSERT INTO reports_officeaccounts (office_id, cogs) VALUES (%s, '2150')", [office.pk])
    assert journal.journal_violations() == [
        {
            "check": "journal_accrued_cogs",
            "id": "HQ",
            "detail": "2026-03-31: Accrued COGS balance -30.00 <> open accruals 20.00",
        }
    ]
    check_ledger_prints(capsys, "journal_accrued_cogs: #HQ: 2026-03-31: Accrued COGS balance -30.00")


def test_journal_accrued_cogs_fires_when_the_accrued_account_is_another_roles(books, office):
    """Accrued COGS mapped onto the COGS account 5000: its balance is credits 20.00 - debits 50.00."""
    sql("INSERT INTO reports_officeaccounts (office_id, accrued_cogs) VALUES (%s, '5000')", [office.pk])
    assert [(v["check"], v["id"], v["detail"]) for v in journal.journal_violations()] == [
        ("journal_accrued_cogs", "HQ", "2026-03-31: Accrued COGS balance -30.00 <> open accruals 20.00")
    ]


def test_journal_inventory_valuation_fires_when_work_in_process_posts_to_inventory(books, office):
    """Work in process mapped onto 1300: the $7.00 capitalized job cost sits in Inventory, which no
    lot holds."""
    sql("INSERT INTO reports_officeaccounts (office_id, work_in_process) VALUES (%s, '1300')", [office.pk])
    assert [(v["check"], v["id"], v["detail"]) for v in journal.journal_violations()] == [
        ("journal_inventory_valuation", "HQ", "2026-03-31: Inventory balance 7.00 <> valuation 0.00")
    ]


@pytest.mark.parametrize(
    ("changes", "field", "number", "label"),
    [
        ({"cogs": "2150"}, "cogs", "2150", "Accrued COGS"),
        ({"work_in_process": "1300"}, "work_in_process", "1300", "Inventory"),
        ({"inventory": "5100"}, "adjustments", "5100", "Inventory"),
        ({"accrued_cogs": "2100"}, "received_not_invoiced", "2100", "Accrued COGS"),
    ],
)
def test_a_control_account_shared_with_another_role_is_refused(books, api, admin_user, changes, field, number, label):
    response = api(admin_user).put(f"{API}accounts/", {"office": "HQ", **changes}, format="json")
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "invalid" and data["field"] == field
    assert data["message"].startswith(f"{number} is this office's {label} account, which the journal ties to")
    assert not OfficeAccounts.objects.exists()  # nothing written
    assert journal.journal_violations() == []


def test_an_unknown_account_role_is_refused(books, api, admin_user):
    response = api(admin_user).put(f"{API}accounts/", {"office": "HQ", "cogs": "5001", "sales": "4000"}, format="json")
    assert response.status_code == 400
    data = response.json()
    assert (data["code"], data["field"]) == ("invalid", "sales") and "Unknown account role" in data["message"]
    assert not OfficeAccounts.objects.exists()


def test_the_admin_refuses_a_shared_control_account(books, admin_user, client, office):
    client.force_login(admin_user)
    form = {
        "office": office.pk,
        **{role: default for role, (default, _) in journal.ACCOUNT_ROLES.items()},
        "cogs": "1300",
    }
    response = client.post("/admin/reports/officeaccounts/add/", form)
    assert response.status_code == 200  # the form again, with the error
    assert "1300 is this office&#x27;s Inventory account" in response.content.decode()
    assert not OfficeAccounts.objects.exists()
    form["cogs"] = "5001"
    assert client.post("/admin/reports/officeaccounts/add/", form).status_code == 302
    assert OfficeAccounts.objects.get().cogs == "5001"
    assert journal.journal_violations() == [] and JournalExport.objects.count() == 1
