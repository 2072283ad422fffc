"""`manage.py check_ledger`: silent success on tied books, exit 1 and the violation on broken ones."""

import pytest
from django.core.management import call_command

from inventory_lots.models import Lot
from tests.conftest import adjust_in


def test_check_ledger_passes_on_tied_books(office, lic, capsys):
    adjust_in(office=office, lic=lic, quantity="5", unit_cost="2.00")
    call_command("check_ledger")
    assert "Ledger OK" in capsys.readouterr().out


def test_check_ledger_reports_a_broken_balance_and_exits_1(office, lic, capsys):
    lot = adjust_in(office=office, lic=lic, quantity="5", unit_cost="2.00")
    Lot.objects.filter(pk=lot.pk).update(qty_used=2)  # written around the services: no COGS entry behind it
    with pytest.raises(SystemExit) as exit_info:
        call_command("check_ledger")
    assert exit_info.value.code == 1
    out = capsys.readouterr()
    assert f"lot_balance: #{lot.pk}" in out.out
    assert "1 violation(s)" in out.err
