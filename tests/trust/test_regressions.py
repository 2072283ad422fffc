"""Focused regression tests for what the trust fuzzing and door checks found."""

from __future__ import annotations

import pytest
from django.test import Client

from core import roles
from purchasing.views import MSG_LINES_INCOMPLETE
from tests.factories import user_with_role
from tests.trust.conftest import changed, management, row_counts


@pytest.mark.parametrize("page,role", [("receive", roles.CLERK), ("invoice", roles.ACCOUNTANT)])
@pytest.mark.parametrize("total", ["0", "3", "1001", "abc"])
def test_po_line_forms_with_tampered_line_count_are_refused_not_500(world, page, role, total):
    """The receive and invoice pages paired the posted rows with the PO's lines strictly: a
    TOTAL_FORMS other than the PO's line count on a refused posting (here: an impossible date) was
    a 500 (ValueError from zip); now the page shows the PO's rows afresh with the reason."""
    client = Client()
    client.force_login(user_with_role(role))
    data = {
        "date": "2026-02-30",
        "number": "INV-9",
        **management("lines", 1),
        "lines-0-po_line": str(world.po_line.pk),
        "lines-0-quantity": "1",
        "lines-0-amount": "3.00",
    }
    data["lines-TOTAL_FORMS"] = total
    before = row_counts()
    response = client.post(f"/purchasing/po/{world.po.pk}/{page}/", data)
    assert response.status_code == 400
    assert MSG_LINES_INCOMPLETE in response.content.decode()
    assert f'name="lines-0-po_line" value="{world.po_line.pk}"' in response.content.decode()  # rows shown afresh
    assert changed(before, row_counts()) == {}


def test_administrator_role_creates_master_data_through_the_api(db, api):
    """DOMAIN.md 8: the Administrator may do everything. A user holding the Administrator role
    (not a Django superuser) was refused (403) on POST /offices/, /line-item-codes/, /vendors/,
    /customers/; other roles still are."""
    boss = user_with_role(roles.ADMINISTRATOR)
    response = api(boss).post("/api/v1/offices/", {"code": "BR", "name": "Branch"}, format="json")
    assert response.status_code == 201, response.content
    response = api(boss).post("/api/v1/line-item-codes/", {"code": "NEW", "description": "New"}, format="json")
    assert response.status_code == 201, response.content
    for role in (roles.VIEWER, roles.CLERK, roles.PRODUCTION, roles.ACCOUNTANT):
        response = api(user_with_role(role)).post("/api/v1/vendors/", {"code": "V9", "name": "V"}, format="json")
        assert response.status_code == 403, role
