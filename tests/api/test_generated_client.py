"""A Python client generated from the live schema with openapi-python-client (a pinned dev
dependency; offline: it reads the schema file, and any network use would hit a dead proxy)
imports module by module and drives a whole flow against a live server: master data, a PO,
its receipt, a customer order, a shipment, a COGS run with ``wait``, the run read back with its
exact figures; error answers come back as the typed ``Error`` model."""

from __future__ import annotations

import datetime
import importlib
import json
import os
import pkgutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token

PACKAGE = "lotledger_client"
GENERATOR = Path(sys.executable).with_name("openapi-python-client")
DEAD_PROXY = "http://127.0.0.1:9"  # generation must not need the network
# no ruff run over the generated code; workbooks are bytes (the generator knows octet-stream, not xlsx)
CONFIG = """post_hooks: []
content_type_overrides:
  application/vnd.openxmlformats-officedocument.spreadsheetml.sheet: application/octet-stream
"""


@pytest.fixture(scope="module")
def generated(django_db_setup, django_db_blocker, live_server, tmp_path_factory):
    """(the imported package, the number of its modules), generated once for this module from the
    schema the live server serves."""
    with django_db_blocker.unblock():
        user = User.objects.create_user("schema-reader", password="pw-Secret-123")  # noqa: S106
        token = Token.objects.create(user=user)
        try:
            request = urllib.request.Request(  # noqa: S310
                f"{live_server.url}/api/schema/?format=json",
                headers={"Authorization": f"Token {token.key}"},
            )
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
                schema = json.load(answer)
        finally:
            user.delete()
    root = tmp_path_factory.mktemp("generated")
    (root / "schema.json").write_text(json.dumps(schema))
    (root / "config.yaml").write_text(CONFIG)
    env = {**os.environ, "HTTP_PROXY": DEAD_PROXY, "HTTPS_PROXY": DEAD_PROXY, "ALL_PROXY": DEAD_PROXY}
    done = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(root / "schema.json"),
            "--meta",
            "none",
            "--config",
            str(root / "config.yaml"),
            "--output-path",
            str(root / PACKAGE),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Warning" not in done.stdout + done.stderr, done.stdout + done.stderr
    sys.path.insert(0, str(root))
    try:
        package = importlib.import_module(PACKAGE)
        failures, count = [], 0
        for module in pkgutil.walk_packages(package.__path__, prefix=f"{PACKAGE}."):
            count += 1
            try:
                importlib.import_module(module.name)
            except Exception as exc:  # noqa: BLE001 - every failure is reported below
                failures.append(f"{module.name}: {exc!r}")
        yield package, count, failures
    finally:
        sys.path.remove(str(root))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def test_every_generated_module_imports(generated):
    _, count, failures = generated
    assert failures == []
    assert count > 100  # models and one module per operation


@pytest.mark.django_db(transaction=True)  # the live server's thread sees only committed rows
def test_generated_client_drives_a_whole_flow(generated, live_server):
    from lotledger_client import AuthenticatedClient
    from lotledger_client.api.v1 import (
        v1_cogs_runs_create,
        v1_cogs_runs_retrieve,
        v1_customers_create,
        v1_line_item_codes_create,
        v1_lots_retrieve,
        v1_lots_trace_retrieve,
        v1_offices_create,
        v1_orders_create,
        v1_purchase_orders_close_create,
        v1_purchase_orders_create,
        v1_purchase_orders_receipts_create,
        v1_shipments_create,
        v1_vendors_create,
    )
    from lotledger_client.models import (
        CloseInRequest,
        CogsRun,
        CogsRunInRequest,
        CustomerRequest,
        Error,
        LineItemCodeRequest,
        OfficeRequest,
        OpenClosedStatusEnum,
        OrderRequest,
        POInRequest,
        POLineInRequest,
        POOut,
        ReceiptInRequest,
        ReceiptLineInRequest,
        RunStatusEnum,
        ShipmentInRequest,
        ShipmentLineInRequest,
        VendorRequest,
    )

    admin = User.objects.create_superuser("root", "root@example.com", "pw-Secret-123")
    token = Token.objects.create(user=admin)
    day = datetime.date(2026, 3, 1)
    with AuthenticatedClient(
        base_url=live_server.url, token=token.key, prefix="Token", raise_on_unexpected_status=True
    ) as api:
        v1_offices_create.sync(client=api, body=OfficeRequest(code="HQ", name="Headquarters"))
        v1_line_item_codes_create.sync(
            client=api, body=LineItemCodeRequest(code="WIDGET", description="Widget", inventoried=True)
        )
        v1_vendors_create.sync(client=api, body=VendorRequest(code="ACME", name="Acme Supply"))
        v1_customers_create.sync(client=api, body=CustomerRequest(code="CUST", name="A Customer"))

        po = v1_purchase_orders_create.sync(
            client=api,
            body=POInRequest(
                vendor="ACME",
                office="HQ",
                date=day,
                lines=[POLineInRequest(lic="WIDGET", quantity="10", unit_cost="2.50")],
            ),
        )
        assert isinstance(po, POOut) and po.status == OpenClosedStatusEnum.OPEN
        assert (po.lines[0].quantity, po.lines[0].unit_cost) == ("10.000000", "2.500000")
        receipt = v1_purchase_orders_receipts_create.sync(
            id=po.id,
            client=api,
            body=ReceiptInRequest(date=day, lines=[ReceiptLineInRequest(po_line=po.lines[0].id, quantity="10")]),
        )
        lot_id = receipt.lines[0].lot
        order = v1_orders_create.sync(client=api, body=OrderRequest(customer="CUST", office="HQ", date=day))
        shipment = v1_shipments_create.sync(
            client=api,
            body=ShipmentInRequest(
                order=order.id,
                date=datetime.date(2026, 3, 2),
                lines=[ShipmentLineInRequest(lic="WIDGET", quantity="4")],
            ),
        )
        assert shipment.lines[0].quantity == "4.000000"

        started = v1_cogs_runs_create.sync_detailed(
            client=api, body=CogsRunInRequest(date=datetime.date(2026, 3, 31), wait=True)
        )
        assert started.status_code == 201 and isinstance(started.parsed, CogsRun)
        run = v1_cogs_runs_retrieve.sync(id=started.parsed.id, client=api)
        assert run.status == RunStatusEnum.DONE and run.progress.percent == 100
        assert (run.allocated_quantity, run.unallocated_quantity, run.given_back_quantity) == (
            "4.000000",
            "0.000000",
            "0.000000",
        )
        assert (run.value_posted, run.accrued_value_posted, run.entries_posted) == ("10.00", "0.00", 1)

        lot = v1_lots_retrieve.sync(id=lot_id, client=api)
        current = lot.sections.current
        assert (current.used_qty, current.used_value, current.available_qty, current.available_value) == (
            "4.000000",
            "10.00",
            "6.000000",
            "15.00",
        )
        assert [(row.quantity, row.value) for row in lot.sections.cogs] == [("4.000000", "10.00")]
        trace = v1_lots_trace_retrieve.sync(id=lot_id, client=api)
        leaf = trace.nodes[0]
        assert (leaf.lot, leaf.via.type_, leaf.via.id, leaf.quantity, leaf.children) == (
            None,
            "shipment",
            shipment.id,
            "4.000000",
            [],
        )

        # error answers: the typed Error body, for 400, 404 and 409
        refused = v1_purchase_orders_create.sync(
            client=api, body=POInRequest(vendor="ACME", office="HQ", date=day, lines=[])
        )
        assert isinstance(refused, Error) and (refused.code, refused.field) == ("invalid", "lines")
        assert refused.errors["lines"] == ["This list may not be empty."]
        missing = v1_lots_retrieve.sync(id=999_999, client=api)
        assert isinstance(missing, Error) and missing.code == "not_found"
        conflict = v1_purchase_orders_close_create.sync_detailed(id=po.id, client=api, body=CloseInRequest())
        assert conflict.status_code == 409 and conflict.parsed.code == "po_not_fully_invoiced"
