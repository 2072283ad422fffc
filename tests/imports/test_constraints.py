"""Every CHECK of the imports tables, read from the catalog, is broken once around Python."""

from __future__ import annotations

import pytest
from django.db.models import F

from imports import services
from imports.models import ImportBatch, ImportedLot
from tests.constraints import assert_violates, check_constraints

from .conftest import OPENING_HEADER, opening_row, sheet

pytestmark = pytest.mark.django_db


def test_every_check_constraint_fires(stock_master):
    batch, checked = services.stage_import(
        kind="opening_stock", file_name="o.csv", content=sheet(OPENING_HEADER, [opening_row()]), actor=None
    )
    services.commit_import(batch=batch, actor=None, checked=checked)
    rows = ImportBatch.objects.filter(pk=batch.pk)
    cases = {
        "imports_batch_kind_valid": lambda: rows.update(kind="stock"),
        "imports_batch_status_valid": lambda: rows.update(status="done"),
        "imports_batch_committed_has_time": lambda: rows.update(committed_at=None),
        "imports_batch_reversed_has_reason": lambda: rows.update(status="reversed"),
        "imports_importbatch_row_count_check": lambda: rows.update(row_count=-1),
        "imports_importbatch_error_count_check": lambda: rows.update(error_count=-1),
        "imports_importbatch_created_count_check": lambda: rows.update(created_count=-1),
        "imports_importedlot_row_check": lambda: ImportedLot.objects.update(row=F("row") - 10),
    }
    assert set(cases) == check_constraints("imports")
    for name, write in cases.items():
        assert_violates(name, write)
