"""Real parallel connections: the same checked batch imported twice at once is imported once; two
opening-stock imports over the same LICs in opposite order both post (the LIC locks are taken in
one global order), neither deadlocks."""

from __future__ import annotations

import pytest

from core.errors import StateConflict
from imports import services
from imports.models import ImportBatch
from inventory_lots.models import Lot
from tests.concurrency import run_concurrently

from .conftest import OPENING_HEADER, opening_row, sheet

pytestmark = pytest.mark.django_db(transaction=True)


def stage(rows):
    batch, _ = services.stage_import(
        kind="opening_stock", file_name="o.csv", content=sheet(OPENING_HEADER, rows), actor=None
    )
    return batch


def test_a_batch_committed_twice_at_once_is_imported_once(stock_master):
    batch = stage([opening_row(), opening_row(office="WEST")])
    results = run_concurrently(
        lambda: services.commit_import(batch=ImportBatch.objects.get(pk=batch.pk), actor=None),
        lambda: services.commit_import(batch=ImportBatch.objects.get(pk=batch.pk), actor=None),
    )
    assert sorted(type(r).__name__ for r in results) == ["ImportBatch", "StateConflict"]
    assert next(r for r in results if isinstance(r, StateConflict)).code == "batch_not_previewed"
    assert Lot.objects.count() == 2


def test_two_imports_over_the_same_lics_both_post(stock_master):
    one = stage([opening_row(lic="WIDGET"), opening_row(lic="RESIN", mfr_lot="M1")])
    two = stage([opening_row(lic="RESIN", mfr_lot="M2"), opening_row(lic="WIDGET")])
    results = run_concurrently(
        lambda: services.commit_import(batch=one, actor=None),
        lambda: services.commit_import(batch=two, actor=None),
    )
    assert [type(r).__name__ for r in results] == ["ImportBatch", "ImportBatch"], results
    assert Lot.objects.count() == 4
