"""Production services: the chair example (DOMAIN.md 5) with exact Decimals, component returns,
job cost reversals, produce/release/close rules, and bad input that writes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.errors import StateConflict, ValidationFailed
from inventory_lots.models import InventoryUsage, LotCostChange, LotType
from production import selectors, services
from production.models import JobCostEntry, ProductionOrder, ProductionReport, ProductionStatus
from tests.conftest import adjust_in
from tests.factories import LicFactory

from .conftest import DAY, cost_components_test_only, run_chair_example

D = Decimal
pytestmark = pytest.mark.django_db


def test_chair_example_unit_cost_is_25(chair_mo, chair_lics, production_user):
    lot = run_chair_example(chair_mo, chair_lics, production_user)
    # before COGS values the components, the formula has only the capitalized $80.00: 80 / 10
    assert lot.unit_cost == D("8.000000")
    assert lot.type == LotType.PRODUCTION and lot.released is False
    assert lot.transaction_id == chair_mo.pk and lot.transaction_label == chair_mo.number
    assert lot.parent_order_id == chair_mo.order_id
    cost_components_test_only(chair_mo)
    lot.refresh_from_db()
    inputs = selectors.cost_inputs(chair_mo, lot)
    assert inputs.components_value == D("170.00")  # 40 x $2.50 + 10 x $7.00
    assert inputs.capitalized_value == D("80.00")
    assert inputs.total == D("250.00")
    assert lot.qty_in == D("10")
    assert lot.unit_cost == D("25.000000")
    assert lot.value_in == D("250.00")
    assert inputs.provisional is False
    change = LotCostChange.objects.filter(lot=lot).latest("id")
    assert (change.old_unit_cost, change.new_unit_cost, change.cause) == (D("8"), D("25"), "production_recompute")


def test_component_usage_records(chair_mo, chair_lics, production_user):
    run_chair_example(chair_mo, chair_lics, production_user)
    usages = list(selectors.component_usages(chair_mo))
    assert [(u.lic.code, u.quantity, u.kind, u.source_id, u.source_label) for u in usages] == [
        ("LEG", D("40"), "production", chair_mo.pk, chair_mo.number),
        ("SEAT", D("10"), "production", chair_mo.pk, chair_mo.number),
    ]
    assert usages[0].source_type.model_class() is ProductionOrder


def test_capitalized_job_costs_selector(chair_mo, chair_lics, production_user, office):
    other = services.create_production_order(
        office=office,
        date=DAY,
        lic=chair_lics["CHAIR"],
        estimated_quantity=D("1"),
        estimated_unit_cost=D("0"),
        actor=production_user,
    )
    run_chair_example(chair_mo, chair_lics, production_user)
    services.post_job_cost(
        production_order=chair_mo,
        date=DAY,
        lic=chair_lics["LABOR"],
        description="overhead",
        amount=D("12.34"),
        capitalized=False,
        actor=production_user,
    )
    labour = JobCostEntry.objects.get(description="Assembly labour")
    services.reverse_job_cost(entry=labour, date=DAY, actor=production_user)
    assert selectors.capitalized_job_costs([chair_mo.pk, other.pk]) == {chair_mo.pk: D("30.00"), other.pk: D("0.00")}
    assert selectors.capitalized_job_costs([]) == {}


def test_component_return_changes_cost_inputs(chair_mo, chair_lics, production_user):
    lot = run_chair_example(chair_mo, chair_lics, production_user)
    leg_issue = selectors.component_usages(chair_mo).get(lic=chair_lics["LEG"])
    (ret,) = services.issue_components(
        production_order=chair_mo,
        date=DAY,
        actor=production_user,
        lines=[services.ComponentLine(lic=chair_lics["LEG"], quantity=D("-4"), returns_usage=leg_issue)],
    )
    assert (ret.quantity, ret.kind, ret.returns_usage_id) == (D("-4"), "production", leg_issue.pk)
    cost_components_test_only(chair_mo)  # the return carries -4 x $2.50 = -$10.00
    lot.refresh_from_db()
    inputs = selectors.cost_inputs(chair_mo, lot)
    assert inputs.components_value == D("160.00")
    assert lot.unit_cost == D("24.000000")  # (160 + 80) / 10


def test_return_more_than_issued_is_refused(chair_mo, chair_lics, production_user):
    run_chair_example(chair_mo, chair_lics, production_user)
    leg_issue = selectors.component_usages(chair_mo).get(lic=chair_lics["LEG"])
    before = InventoryUsage.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        services.issue_components(
            production_order=chair_mo,
            date=DAY,
            actor=production_user,
            lines=[services.ComponentLine(lic=chair_lics["LEG"], quantity=D("-41"), returns_usage=leg_issue)],
        )
    assert exc.value.code == "return_exceeds_usage"
    assert InventoryUsage.objects.count() == before


def test_a_return_naming_no_issue_is_limited_to_what_the_order_issued_net(chair_mo, chair_lics, production_user):
    """Components come back only as far as the order took them: net of earlier returns, summed over
    the document's lines, and never of a LIC the order did not issue."""
    run_chair_example(chair_mo, chair_lics, production_user)
    legs = chair_lics["LEG"]
    before = InventoryUsage.objects.count()

    def give_back(*quantities, lic=legs):
        lines = [services.ComponentLine(lic=lic, quantity=D(q)) for q in quantities]
        return services.issue_components(production_order=chair_mo, date=DAY, actor=production_user, lines=lines)

    for attempt in (("-41",), ("-30", "-11")):
        with pytest.raises(ValidationFailed) as exc:
            give_back(*attempt)
        assert exc.value.code == "return_exceeds_issued"
        assert exc.value.message.endswith(f"{chair_mo.number} was issued 40 of LEG net of returns (asked 41).")
    assert InventoryUsage.objects.count() == before
    give_back("-25")
    with pytest.raises(ValidationFailed) as exc:
        give_back("-16")
    assert "issued 15 of LEG" in exc.value.message
    give_back("-15")
    other = LicFactory(code="BOLT")
    adjust_in(office=chair_mo.office, lic=other, quantity="5", unit_cost="1")
    with pytest.raises(ValidationFailed) as exc:
        give_back("-1", lic=other)
    assert exc.value.code == "return_exceeds_issued" and "issued 0 of BOLT" in exc.value.message


def test_reversed_job_cost_changes_cost_inputs(chair_mo, chair_lics, production_user, accountant):
    lot = run_chair_example(chair_mo, chair_lics, production_user)
    cost_components_test_only(chair_mo)
    finishing = JobCostEntry.objects.get(description="Finishing")
    reversal = services.reverse_job_cost(entry=finishing, date=DAY, actor=accountant)
    assert (reversal.amount, reversal.reverses_id, reversal.capitalized) == (D("-30.00"), finishing.pk, True)
    lot.refresh_from_db()
    assert selectors.cost_inputs(chair_mo, lot).capitalized_value == D("50.00")
    assert lot.unit_cost == D("22.000000")  # (170 + 50) / 10, recomputed at once
    with pytest.raises(StateConflict) as exc:
        services.reverse_job_cost(entry=finishing, date=DAY, actor=accountant)
    assert exc.value.message == services.MSG_ALREADY_REVERSED.format(entry=finishing)
    with pytest.raises(StateConflict) as exc:
        services.reverse_job_cost(entry=reversal, date=DAY, actor=accountant)
    assert exc.value.code == "reverse_a_reversal"
    assert JobCostEntry.objects.filter(production_order=chair_mo).count() == 3


def test_expensed_job_cost_is_not_in_lot(chair_mo, chair_lics, production_user):
    lot = run_chair_example(chair_mo, chair_lics, production_user)
    cost_components_test_only(chair_mo)
    services.post_job_cost(
        production_order=chair_mo,
        date=DAY,
        lic=chair_lics["LABOR"],
        description="Cleanup",
        amount=D("99.00"),
        capitalized=False,
        actor=production_user,
    )
    lot.refresh_from_db()
    assert lot.unit_cost == D("25.000000")


def test_provisional_cost_is_estimate_without_inputs(chair_mo, chair_lics, production_user):
    lot = services.produce(production_order=chair_mo, date=DAY, quantity=D("4"), actor=production_user)
    assert lot.unit_cost == D("24.000000")  # nothing costed: the estimated unit cost
    assert selectors.cost_inputs(chair_mo, lot).uses_estimate
    lot2 = services.produce(production_order=chair_mo, date=DAY, quantity=D("6"), actor=production_user)
    assert lot2.pk == lot.pk and lot2.qty_in == D("10")
    assert ProductionReport.objects.filter(production_order=chair_mo).count() == 2


def test_recompute_contract_for_cogs(chair_mo, chair_lics, production_user):
    lot = run_chair_example(chair_mo, chair_lics, production_user)
    cost_components_test_only(chair_mo)
    from django.db import transaction

    with transaction.atomic():
        assert services.recompute_production_lot_cost_locked(lot=lot, date=DAY, actor=None) is None  # no change
    purchase_lot = selectors.component_usages(chair_mo).first().lic.lots.first()
    with transaction.atomic():
        assert services.recompute_production_lot_cost_locked(lot=purchase_lot, date=DAY, actor=None) is None


def test_produce_more_grows_lot_and_recomputes(chair_mo, chair_lics, production_user):
    run_chair_example(chair_mo, chair_lics, production_user)
    cost_components_test_only(chair_mo)
    lot = services.produce(production_order=chair_mo, date=DAY, quantity=D("2.5"), actor=production_user)
    assert lot.qty_in == D("12.5")
    assert lot.unit_cost == D("20.000000")  # 250 / 12.5


def test_release_sets_lot_released_and_twice_is_409(chair_mo, chair_lics, production_user):
    lot = run_chair_example(chair_mo, chair_lics, production_user)
    mo = services.release(production_order=chair_mo, actor=production_user)
    lot.refresh_from_db()
    assert mo.status == ProductionStatus.RELEASED and lot.released is True
    with pytest.raises(StateConflict) as exc:
        services.release(production_order=chair_mo, actor=production_user)
    assert exc.value.status == 409
    assert exc.value.message == services.MSG_ALREADY_RELEASED.format(number=chair_mo.number)


def test_release_before_produce_is_refused(chair_mo, production_user):
    with pytest.raises(StateConflict) as exc:
        services.release(production_order=chair_mo, actor=production_user)
    assert exc.value.code == "nothing_produced"
    chair_mo.refresh_from_db()
    assert chair_mo.status == ProductionStatus.OPEN


def test_close_rules(chair_mo, chair_lics, production_user):
    run_chair_example(chair_mo, chair_lics, production_user)
    with pytest.raises(StateConflict) as exc:
        services.close(production_order=chair_mo, actor=production_user)
    assert exc.value.code == "release_before_close"
    services.release(production_order=chair_mo, actor=production_user)
    mo = services.close(production_order=chair_mo, actor=production_user)
    assert mo.status == ProductionStatus.CLOSED
    with pytest.raises(StateConflict):
        services.close(production_order=chair_mo, actor=production_user)


def test_producing_on_closed_order_is_refused_and_writes_nothing(chair_mo, chair_lics, production_user):
    services.close(production_order=chair_mo, actor=production_user)
    for call in (
        lambda: services.produce(production_order=chair_mo, date=DAY, quantity=D("1"), actor=production_user),
        lambda: services.issue_components(
            production_order=chair_mo,
            date=DAY,
            actor=production_user,
            lines=[services.ComponentLine(lic=chair_lics["LEG"], quantity=D("1"))],
        ),
        lambda: services.post_job_cost(
            production_order=chair_mo,
            date=DAY,
            lic=chair_lics["LABOR"],
            description="x",
            amount=D("1"),
            capitalized=True,
            actor=production_user,
        ),
    ):
        with pytest.raises(StateConflict) as exc:
            call()
        assert exc.value.message == services.MSG_ORDER_CLOSED.format(number=chair_mo.number)
    chair_mo.refresh_from_db()
    assert chair_mo.lot_id is None
    assert not JobCostEntry.objects.exists()
    assert not selectors.component_usages(chair_mo).exists()


def test_issuing_non_inventoried_lic_is_refused(chair_mo, chair_lics, production_user):
    with pytest.raises(ValidationFailed) as exc:
        services.issue_components(
            production_order=chair_mo,
            date=DAY,
            actor=production_user,
            lines=[
                services.ComponentLine(lic=chair_lics["LEG"], quantity=D("4")),
                services.ComponentLine(lic=chair_lics["LABOR"], quantity=D("1")),
            ],
        )
    assert exc.value.code == "lic_not_inventoried"
    assert exc.value.field == "lines[1].lic"
    assert exc.value.message == "Line 2: LABOR is not an inventoried line item code: it has no lots or usage."
    assert not InventoryUsage.objects.filter(kind="production").exists()  # line 1 rolled back too


def test_job_cost_bad_input(chair_mo, chair_lics, production_user):
    cases = [
        ({"lic": chair_lics["LABOR"], "amount": D("-5.00")}, "amount_not_positive", services.MSG_AMOUNT_NOT_POSITIVE),
        ({"lic": chair_lics["LABOR"], "amount": D("0")}, "amount_not_positive", services.MSG_AMOUNT_NOT_POSITIVE),
        (
            {"lic": chair_lics["LEG"], "amount": D("5.00")},
            "lic_inventoried",
            services.MSG_JOB_LIC_INVENTORIED.format(lic="LEG"),
        ),
        (
            {"lic": chair_lics["LABOR"], "amount": D("5.001")},
            "too_many_decimal_places",
            "Ensure that there are no more than 2 decimal places.",
        ),
    ]
    for kwargs, code, message in cases:
        with pytest.raises(ValidationFailed) as exc:
            services.post_job_cost(
                production_order=chair_mo, date=DAY, description="x", capitalized=True, actor=production_user, **kwargs
            )
        assert (exc.value.code, exc.value.message) == (code, message)
    assert not JobCostEntry.objects.exists()


def test_serial_count_mismatch_on_produce(office, production_user, db):
    from tests.factories import LicFactory

    bike = LicFactory(code="BIKE", serialized=True)
    mo = services.create_production_order(
        office=office,
        date=DAY,
        lic=bike,
        estimated_quantity=D("2"),
        estimated_unit_cost=D("100"),
        actor=production_user,
    )
    with pytest.raises(ValidationFailed) as exc:
        services.produce(production_order=mo, date=DAY, quantity=D("2"), serial_numbers=["B1"], actor=production_user)
    assert exc.value.code == "serial_count_mismatch"
    assert exc.value.message == "BIKE is serialized: give exactly 2 distinct serial numbers (got 1)."
    mo.refresh_from_db()
    assert mo.lot_id is None and not ProductionReport.objects.exists()
    lot = services.produce(
        production_order=mo, date=DAY, quantity=D("2"), serial_numbers=["B1", "B2"], actor=production_user
    )
    assert sorted(lot.serials.values_list("serial_number", flat=True)) == ["B1", "B2"]


def test_mfr_lot_required_on_first_produce(office, production_user, db):
    from tests.factories import LicFactory

    resin = LicFactory(code="RESIN", track_by_mfr_lot=True)
    mo = services.create_production_order(
        office=office, date=DAY, lic=resin, estimated_quantity=D("2"), estimated_unit_cost=D("1"), actor=production_user
    )
    with pytest.raises(ValidationFailed) as exc:
        services.produce(production_order=mo, date=DAY, quantity=D("2"), actor=production_user)
    assert exc.value.code == "mfr_lot_required"
    lot = services.produce(production_order=mo, date=DAY, quantity=D("2"), mfr_lot_number="M-7", actor=production_user)
    assert lot.mfr_lot_number == "M-7"


def test_create_production_order_bad_input(office, chair_lics, production_user):
    with pytest.raises(ValidationFailed) as exc:
        services.create_production_order(
            office=office,
            date=DAY,
            lic=chair_lics["LABOR"],
            estimated_quantity=D("1"),
            estimated_unit_cost=D("1"),
            actor=production_user,
        )
    assert exc.value.code == "lic_not_inventoried"
    with pytest.raises(ValidationFailed) as exc:
        services.create_production_order(
            office=office,
            date=DAY,
            lic=chair_lics["CHAIR"],
            estimated_quantity=D("0"),
            estimated_unit_cost=D("1"),
            actor=production_user,
        )
    assert exc.value.message == services.MSG_EST_QTY
    with pytest.raises(ValidationFailed) as exc:
        services.create_production_order(
            office=office,
            date=DAY,
            lic=chair_lics["CHAIR"],
            estimated_quantity=D("1"),
            estimated_unit_cost=D("-1"),
            actor=production_user,
        )
    assert exc.value.message == services.MSG_EST_COST
    assert not ProductionOrder.objects.exists()


def test_component_cannot_be_the_product(chair_mo, chair_lics, production_user):
    with pytest.raises(ValidationFailed) as exc:
        services.issue_components(
            production_order=chair_mo,
            date=DAY,
            actor=production_user,
            lines=[services.ComponentLine(lic=chair_lics["CHAIR"], quantity=D("1"))],
        )
    assert exc.value.code == "component_is_product"


def test_lock_date_refuses_production_postings(chair_mo, chair_lics, production_user, accountant):
    from inventory_lots.services import set_lock_date

    set_lock_date(date=DAY, actor=accountant)
    with pytest.raises(ValidationFailed) as exc:
        services.produce(production_order=chair_mo, date=DAY, quantity=D("1"), actor=production_user)
    assert exc.value.code == "date_locked"
    with pytest.raises(ValidationFailed):
        services.post_job_cost(
            production_order=chair_mo,
            date=DAY,
            lic=chair_lics["LABOR"],
            description="x",
            amount=D("1"),
            capitalized=True,
            actor=production_user,
        )
