"""Every CHECK constraint of the COGS tables (entries, runs, run jobs), proven by writing around
Python and expecting PostgreSQL's IntegrityError naming it. The constraints are read from the
catalog: a constraint that no case here violates fails the last test."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cogs.models import CogsEntry, CogsRun, CogsRunJob, EntryKind
from tests.conftest import adjust_in
from tests.constraints import assert_violates, check_constraints, drop_within_savepoint

from .conftest import day, run, ship

D = Decimal


@pytest.fixture
def ledger(db, office, lic, order):
    """One allocation entry (4 @ $2.00) of one finished run, made through the services."""
    adjust_in(office=office, lic=lic, quantity="10", unit_cost="2.00", date=day(1))
    usage = ship(lic=lic, office=office, quantity="4", source=order, date=day(2))
    cogs_run = run()
    entry = CogsEntry.objects.get(usage=usage)
    assert (entry.kind, entry.quantity, entry.lot_id is not None) == (EntryKind.ALLOCATION, D("4"), True)
    assert CogsRunJob.objects.filter(run=cogs_run).exists()
    return {"run": cogs_run, "entry": entry}


def entry(ctx):
    return CogsEntry.objects.filter(pk=ctx["entry"].pk)


def the_run(ctx):
    return CogsRun.objects.filter(pk=ctx["run"].pk)


def new_entry(ctx, **fields):
    e = ctx["entry"]
    values = {
        "run_id": e.run_id,
        "kind": e.kind,
        "lic_id": e.lic_id,
        "office_id": e.office_id,
        "lot_id": e.lot_id,
        "usage_id": e.usage_id,
        "date": e.date,
        "quantity": e.quantity,
        "value": e.value,
        "unit_cost": e.unit_cost,
    }
    return CogsEntry.objects.create(**{**values, **fields})


def jobs_total_negative(ctx):
    # jobs_total < 0 always breaks jobs_done >= 0 or jobs_done <= jobs_total too, whose names sort first
    drop_within_savepoint("cogs_cogsrun", "cogs_cogsrun_jobs_done_within_total")
    the_run(ctx).update(jobs_total=-1, jobs_done=0)


CASES = [
    # entries
    ("cogs_cogsentry_kind_check", "negative kind", lambda c: entry(c).update(kind=-1)),
    ("cogs_cogsentry_kind_valid", "kind outside the known values", lambda c: entry(c).update(kind=7)),
    ("cogs_cogsentry_kind_valid", "new entry of an unknown kind", lambda c: new_entry(c, kind=99)),
    ("cogs_cogsentry_lot_side", "allocation without a lot", lambda c: entry(c).update(lot=None)),
    ("cogs_cogsentry_lot_side", "accrual with a lot", lambda c: entry(c).update(kind=EntryKind.ACCRUAL)),
    (
        "cogs_cogsentry_lot_side",
        "accrual reversal with a lot",
        lambda c: new_entry(c, kind=EntryKind.ACCRUAL_REVERSAL, quantity=D("-4"), value=D("-8.00")),
    ),
    (
        "cogs_cogsentry_lot_side",
        "give-back without a lot",
        lambda c: new_entry(c, kind=EntryKind.GIVE_BACK_LIFO, lot_id=None, quantity=D("-1")),
    ),
    (
        "cogs_cogsentry_revaluation_quantity_zero",
        "revaluation with a quantity",
        lambda c: entry(c).update(kind=EntryKind.REVALUATION),
    ),
    ("cogs_cogsentry_allocation_positive", "allocation of zero", lambda c: entry(c).update(quantity=D("0"))),
    ("cogs_cogsentry_allocation_positive", "negative allocation", lambda c: new_entry(c, quantity=D("-1"))),
    ("cogs_cogsentry_give_back_negative", "positive give-back", lambda c: entry(c).update(kind=EntryKind.GIVE_BACK)),
    (
        "cogs_cogsentry_give_back_negative",
        "LIFO give-back of zero",
        lambda c: new_entry(c, kind=EntryKind.GIVE_BACK_LIFO, quantity=D("0"), value=D("0.00")),
    ),
    # runs
    ("cogs_cogsrun_status_valid", "unknown status", lambda c: the_run(c).update(status="paused")),
    (
        "cogs_cogsrun_status_valid",
        "new run with an unknown status",
        lambda c: CogsRun.objects.create(date=day(31), status=""),
    ),
    (
        "cogs_cogsrun_jobs_done_within_total",
        "more jobs done than planned",
        lambda c: the_run(c).update(jobs_total=1, jobs_done=2),
    ),
    ("cogs_cogsrun_jobs_done_check", "negative jobs done", lambda c: the_run(c).update(jobs_done=-1)),
    ("cogs_cogsrun_jobs_total_check", "negative jobs total", jobs_total_negative),
    ("cogs_cogsrun_pairs_done_check", "negative pairs done", lambda c: the_run(c).update(pairs_done=-1)),
    ("cogs_cogsrun_pairs_total_check", "negative pairs total", lambda c: the_run(c).update(pairs_total=-1)),
    ("cogs_cogsrun_round_check", "negative round", lambda c: the_run(c).update(round=-1)),
    (
        "cogs_cogsrun_exceptions_count_check",
        "negative exceptions count",
        lambda c: the_run(c).update(exceptions_count=-1),
    ),
    # run jobs
    (
        "cogs_cogsrunjob_round_check",
        "job of a negative round",
        lambda c: CogsRunJob.objects.filter(run=c["run"]).update(round=-1),
    ),
    (
        "cogs_cogsrunjob_pairs_check",
        "job of a negative pair count",
        lambda c: CogsRunJob.objects.filter(run=c["run"]).update(pairs=-1),
    ),
]


@pytest.mark.parametrize(
    ("constraint", "write"),
    [(name, write) for name, _, write in CASES],
    ids=[f"{name}-{what}" for name, what, _ in CASES],
)
def test_postgresql_refuses_the_write(ledger, constraint, write):
    before = list(CogsEntry.objects.values_list("id", "kind", "quantity", "lot_id"))
    assert_violates(constraint, lambda: write(ledger))
    assert list(CogsEntry.objects.values_list("id", "kind", "quantity", "lot_id")) == before
    assert CogsRun.objects.get(pk=ledger["run"].pk).status == "done"


def test_the_shadowed_constraint_is_back_after_its_case(ledger):
    assert_violates("cogs_cogsrun_jobs_total_check", lambda: jobs_total_negative(ledger))
    assert_violates("cogs_cogsrun_jobs_done_within_total", lambda: the_run(ledger).update(jobs_total=-1, jobs_done=0))


def test_every_check_constraint_of_the_cogs_tables_is_violated_by_a_case(db):
    in_database = check_constraints("cogs")
    covered = {name for name, _, _ in CASES}
    assert {"cogs_cogsentry_kind_valid", "cogs_cogsentry_lot_side", "cogs_cogsrun_status_valid"} <= in_database
    assert in_database - covered == set(), "a CHECK constraint no test violates"
    assert covered - in_database == set(), "a case names a constraint the database no longer has"
