import pytest
from inventory_lots.models import AdjustmentLine
from cogs.selectors import ledger_violations
from inventory_lots.reversals import reverse_adjustment
from tests.conftest import adjust_in
from .conftest import D, day, fresh, give_back, run, ship

pytestmark = pytest.mark.django_db

def test_services(office, lic, order):
    usages = []
    for n in range(1, 6):
        usages.append(ship(lic=lic, office=office, quantity="1", source=order, date=day(n)))
        run()
    ret = give_back(lic=lic, office=office, quantity="5", source=order, date=day(6))
    run()
    lot = adjust_in(office=office, lic=lic, quantity="1", unit_cost="0.001", date=day(7))
    run()
    lot = fresh(lot)
    print("after run", lot.qty_in, lot.qty_used, lot.value_in, lot.value_used, ledger_violations())
    reverse_adjustment(adjustment=AdjustmentLine.objects.get(lot=lot).adjustment, date=day(8), reason="x", actor=None)
    run()
    lot = fresh(lot)
    print("after rev", lot.qty_in, lot.qty_used, lot.value_in, lot.value_used, lot.status, ledger_violations())
    assert 0
