"""API: GET /lots/{id}/trace/, GET /lots/{id}/recall/, POST /lots/{id}/unit-cost/."""

from __future__ import annotations

import pytest

from inventory_lots.models import Lot, LotCostChange
from inventory_lots.services import set_lock_date

from .conftest import D, day


def _shape(nodes):
    return [
        {
            "lot": n["lot"],
            "lic": n["lic"],
            "quantity": n["quantity"],
            "via": n["via"],
            "children": _shape(n["children"]),
        }
        for n in nodes
    ]


def test_trace_down(chain, api, viewer):
    body = api(viewer).get(f"/api/v1/lots/{chain.component.pk}/trace/?direction=down&depth=5").json()
    assert (body["lot"], body["direction"]) == (chain.component.pk, "down")
    assert _shape(body["nodes"]) == [
        {
            "lot": chain.product.pk,
            "lic": "LEG",
            "quantity": "4.000000",
            "via": {"type": "productionorder", "id": chain.mo.pk, "label": chain.mo.number},
            "children": [
                {
                    "lot": None,
                    "lic": "STOOL",
                    "quantity": "1.000000",
                    "via": {
                        "type": "shipment",
                        "id": chain.product_shipment.pk,
                        "label": chain.product_shipment.number,
                    },
                    "children": [],
                }
            ],
        },
        {
            "lot": None,
            "lic": "LEG",
            "quantity": "3.000000",
            "via": {"type": "shipment", "id": chain.direct_shipment.pk, "label": chain.direct_shipment.number},
            "children": [],
        },
    ]
    assert body["nodes"][1]["shipment"]["customer"] == "CUST"


def test_trace_up(chain, api, viewer):
    body = api(viewer).get(f"/api/v1/lots/{chain.product.pk}/trace/?direction=up").json()
    assert _shape(body["nodes"]) == [
        {
            "lot": chain.component.pk,
            "lic": "LEG",
            "quantity": "4.000000",
            "via": {"type": "productionorder", "id": chain.mo.pk, "label": chain.mo.number},
            "children": [],
        },
    ]
    assert body["nodes"][0]["purchase_order"]["number"] == chain.po.number
    assert body["nodes"][0]["vendor"] == {"code": "ACME", "name": "Acme Supply"}
    root = api(viewer).get(f"/api/v1/lots/{chain.component.pk}/trace/?direction=up").json()
    assert root["nodes"] == [] and root["vendor"] == {"code": "ACME", "name": "Acme Supply"}


def test_trace_bad_query(chain, api, viewer):
    client = api(viewer)
    response = client.get(f"/api/v1/lots/{chain.component.pk}/trace/?direction=sideways")
    assert response.status_code == 400 and response.json()["field"] == "direction"
    assert client.get(f"/api/v1/lots/{chain.component.pk}/trace/?depth=0").status_code == 400
    assert client.get("/api/v1/lots/999999/trace/").status_code == 404


def test_recall(chain, api, viewer):
    body = api(viewer).get(f"/api/v1/lots/{chain.component.pk}/recall/").json()
    keys = ("shipment", "order", "customer", "date", "lic", "quantity", "depth")
    assert [{k: r[k] for k in keys} for r in body["results"]] == [
        {
            "shipment": chain.direct_shipment.pk,
            "order": chain.mo.order_id,
            "customer": "CUST",
            "date": "2026-03-04",
            "lic": "LEG",
            "quantity": "3.000000",
            "depth": 1,
        },
        {
            "shipment": chain.product_shipment.pk,
            "order": chain.mo.order_id,
            "customer": "CUST",
            "date": "2026-03-05",
            "lic": "STOOL",
            "quantity": "1.000000",
            "depth": 2,
        },
    ]
    product = api(viewer).get(f"/api/v1/lots/{chain.product.pk}/recall/").json()["results"]
    assert [(r["shipment"], r["quantity"], r["depth"]) for r in product] == [(chain.product_shipment.pk, "1.000000", 1)]


# --- manual unit cost correction ------------------------------------------------------------


def _url(lot):
    return f"/api/v1/lots/{lot.pk}/unit-cost/"


def test_accountant_corrects_unit_cost(chain, api, accountant):
    body = {"unit_cost": "5.25", "reason": "vendor credit", "date": "2026-03-20"}
    response = api(accountant).post(_url(chain.component), body, format="json")
    assert response.status_code == 201, response.json()
    change = response.json()["change"]
    assert (change["old_unit_cost"], change["new_unit_cost"], change["cause"], change["reason"]) == (
        "5.000000",
        "5.250000",
        "manual",
        "vendor credit",
    )
    assert response.json()["unit_cost"] == "5.250000"
    again = api(accountant).post(_url(chain.component), body, format="json")
    assert again.status_code == 200 and again.json()["change"] is None
    history = api(accountant).get(f"/api/v1/lots/{chain.component.pk}/").json()["sections"]["cost_history"]
    assert [(h["cause"], h["new_unit_cost"], h["adjustments_value"]) for h in history] == [
        ("manual", "5.250000", "0.00")
    ]


@pytest.mark.parametrize(
    ("data", "code", "field"),
    [
        ({"reason": ""}, "reason_required", "reason"),
        ({"reason": "   "}, "reason_required", "reason"),
        ({"unit_cost": "-1.00"}, "negative_unit_cost", "unit_cost"),
        ({"unit_cost": "5.1234567"}, "invalid", "unit_cost"),
        ({"unit_cost": 5.25}, "invalid", "unit_cost"),
        ({"date": "2026-03-15"}, "date_locked", "date"),
        ({"date": "2026-03-01"}, "date_locked", "date"),
    ],
)
def test_refusals_write_nothing(chain, api, accountant, data, code, field):
    set_lock_date(date=day(15), actor=None)
    body = {"unit_cost": "5.25", "reason": "vendor credit", "date": "2026-03-20"} | data
    response = api(accountant).post(_url(chain.component), body, format="json")
    assert response.status_code == 400
    error = response.json()
    assert (error["code"], error["field"]) == (code, field)
    if code == "date_locked":
        assert error["message"] == "The books are closed through 2026-03-15: choose a date after it."
    if data.get("unit_cost") == "5.1234567":
        assert error["errors"]["unit_cost"] == ["Ensure that there are no more than 6 decimal places."]
    assert Lot.objects.get(pk=chain.component.pk).unit_cost == D("5.000000")
    assert not LotCostChange.objects.filter(lot=chain.component).exists()


@pytest.mark.parametrize("role", ["viewer", "clerk"])
def test_viewers_and_clerks_get_403(chain, api, request, role):
    user = request.getfixturevalue(role)
    response = api(user).post(
        _url(chain.component), {"unit_cost": "5.25", "reason": "x", "date": "2026-03-20"}, format="json"
    )
    assert response.status_code == 403
    assert not LotCostChange.objects.filter(lot=chain.component).exists()
    assert api(user).get(f"/api/v1/lots/{chain.component.pk}/recall/").status_code == 200
