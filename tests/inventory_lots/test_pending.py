"""The pending (office, LIC) protocol (inventory_lots.pending): marks are idempotent, a job takes
only what is marked for its office and LICs, and taking deletes the marks."""

from __future__ import annotations

import pytest
from django.db import connection

from inventory_lots import pending
from inventory_lots.models import PendingCogs
from tests.conftest import adjust_in
from tests.factories import LicFactory, OfficeFactory

pytestmark = pytest.mark.django_db


def marked() -> set[tuple[int, int]]:
    return set(PendingCogs.objects.values_list("office_id", "lic_id"))


def test_marks_are_idempotent_and_taking_deletes_only_the_jobs_pairs():
    hq, branch = OfficeFactory(), OfficeFactory()
    a, b, c = LicFactory(), LicFactory(), LicFactory()
    pending.mark_pair(a.pk, hq.pk)
    pending.mark_pair(a.pk, hq.pk)
    pending.mark_pairs(hq.pk, [b.pk, b.pk, a.pk])
    pending.mark_pair(a.pk, branch.pk)
    assert marked() == {(hq.pk, a.pk), (hq.pk, b.pk), (branch.pk, a.pk)}

    assert pending.take_pairs(hq.pk, [a.pk, c.pk]) == {a.pk}
    assert marked() == {(hq.pk, b.pk), (branch.pk, a.pk)}
    assert pending.take_pairs(hq.pk, [a.pk, c.pk]) == set()


def test_the_pairs_of_lots_and_a_runs_scope():
    hq, branch = OfficeFactory(), OfficeFactory()
    a, b = LicFactory(), LicFactory()
    lots = [
        adjust_in(office=hq, lic=a, quantity="1", unit_cost="1"),
        adjust_in(office=branch, lic=b, quantity="1", unit_cost="1"),
    ]
    PendingCogs.objects.all().delete()  # the postings marked their pairs
    pending.mark_pairs_of_lots([lot.pk for lot in lots] * 2)
    assert marked() == {(hq.pk, a.pk), (branch.pk, b.pk)}
    with connection.cursor() as cursor:
        cursor.execute(pending.PAIRS_IN_SCOPE_SQL.format(scope="office_id = %s"), [branch.pk])
        assert cursor.fetchall() == [(branch.pk, b.pk)]
