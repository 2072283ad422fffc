"""Answers that used to be free-form in the schema (trace nodes, lot sections, run progress, a
usage's source, recall rows, a unit cost change) are typed, and real answers match their schema
key for key (strict: an undocumented key fails too)."""

from __future__ import annotations

import pytest

from tests.conftest import adjust_in
from tests.traceability.conftest import chain  # noqa: F401 - the fixture: purchase -> production -> shipments

from .openapi_check import api_schema, problems


@pytest.fixture(scope="module")
def schema():
    return api_schema()


def _component(schema: dict, name: str) -> dict:
    return schema["components"]["schemas"][name]


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def test_trace_nodes_are_a_typed_recursive_schema(schema):
    response = schema["paths"]["/api/v1/lots/{id}/trace/"]["get"]["responses"]["200"]
    assert response["content"]["application/json"]["schema"] == _ref("TraceOut")
    assert _component(schema, "TraceOut")["properties"]["nodes"] == {"type": "array", "items": _ref("TraceNode")}
    node = _component(schema, "TraceNode")
    assert node["properties"]["children"]["items"] == _ref("TraceNode")
    assert node["properties"]["via"]["allOf"] == [_ref("GenericRef")]
    assert {"lot", "lic", "quantity", "via", "children"} <= set(node["required"])
    assert node["properties"]["lot"]["nullable"] is True  # a shipment is a leaf with lot null
    assert sorted(_component(schema, "GenericRef")["required"]) == ["id", "label", "type"]


def test_other_former_free_form_answers_are_named_components(schema):
    props = {name: _component(schema, name)["properties"] for name in ("LotDetail", "CogsRun", "Usage", "UnitCostOut")}
    assert props["LotDetail"]["sections"]["allOf"] == [_ref("LotSections")]
    assert props["CogsRun"]["progress"]["allOf"] == [_ref("CogsRunProgress")]
    assert props["Usage"]["source"]["allOf"] == [_ref("GenericRef")]
    assert props["UnitCostOut"]["change"]["allOf"] == [_ref("CostChangeOut")]
    assert _component(schema, "RecallOut")["properties"]["results"]["items"] == _ref("RecallRow")


def test_trace_and_recall_answers_match_the_schema(chain, api, viewer, schema):  # noqa: F811
    client = api(viewer)
    down = client.get(f"/api/v1/lots/{chain.component.pk}/trace/?direction=down&depth=5").json()
    assert [n["via"]["type"] for n in down["nodes"]] == ["productionorder", "shipment"]
    assert down["nodes"][0]["children"][0]["lot"] is None  # the stool shipment, two levels down
    up = client.get(f"/api/v1/lots/{chain.product.pk}/trace/?direction=up").json()
    assert up["nodes"][0]["purchase_order"]["number"] == chain.po.number
    for answer in (down, up):
        assert problems(schema, "TraceOut", answer) == []
    recall = client.get(f"/api/v1/lots/{chain.component.pk}/recall/").json()
    assert [row["depth"] for row in recall["results"]] == [1, 2]
    assert problems(schema, "RecallOut", recall) == []


def test_lot_sections_match_the_schema_for_every_lot_type(chain, api, viewer, schema, office, lic):  # noqa: F811
    no_po = adjust_in(office=office, lic=lic, quantity="2", unit_cost="1.50")
    client = api(viewer)
    bodies = {lot: client.get(f"/api/v1/lots/{lot.pk}/").json() for lot in (chain.component, chain.product, no_po)}
    assert set(bodies[chain.component]["sections"]) == {
        "ordered_purchased",
        "ordered_received",
        "accrued",
        "current",
        "cogs",
        "cost_history",
    }
    assert set(bodies[chain.product]["sections"]) == {
        "estimated_produced",
        "current",
        "costs_inventoried",
        "costs_capitalized",
        "cogs",
        "cost_history",
    }
    assert bodies[no_po]["sections"]["ordered_purchased"] is None
    for lot, body in bodies.items():
        assert problems(schema, "LotDetail", body) == [], lot.number


def test_usages_runs_receipts_and_unit_cost_changes_match_the_schema(
    chain,  # noqa: F811
    api,
    viewer,
    accountant,
    schema,
):
    client = api(viewer)
    usages = client.get("/api/v1/usages/").json()
    assert {u["source"]["type"] for u in usages["results"]} == {"shipment", "productionorder"}
    assert problems(schema, "PaginatedUsageList", usages) == []
    run = client.get("/api/v1/cogs-runs/").json()["results"][0]
    assert run["progress"]["percent"] == 100
    assert problems(schema, "CogsRun", run) == []
    receipt_id = chain.po.receipts.get().pk
    assert problems(schema, "ReceiptOut", client.get(f"/api/v1/receipts/{receipt_id}/").json()) == []
    url = f"/api/v1/lots/{chain.component.pk}/unit-cost/"
    changed = api(accountant).post(url, {"unit_cost": "5.25", "reason": "typo", "date": "2026-04-01"})
    unchanged = api(accountant).post(url, {"unit_cost": "5.25", "reason": "again", "date": "2026-04-01"})
    assert (changed.status_code, unchanged.status_code) == (201, 200)
    assert changed.json()["change"]["cause"] == "manual" and unchanged.json()["change"] is None
    for answer in (changed.json(), unchanged.json()):
        assert problems(schema, "UnitCostOut", answer) == []
