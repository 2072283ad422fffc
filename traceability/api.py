"""Trace API (routed under /api/v1/ by lotledger/urls.py): ``GET /lots/{id}/trace/``,
``GET /lots/{id}/recall/`` (and its CSV, ``/lots/{id}/recall.csv``), ``POST /lots/{id}/unit-cost/``
(accountants) and ``GET /serials/?serial_number=`` (where is a serial number)."""

from __future__ import annotations

from django.http import Http404
from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core import roles
from core.drf.exports import CSV, ExportView, file_schema
from core.drf.fields import CodeRelatedField, GenericRefSerializer, QuantityField, UnitCostField
from inventory_lots import selectors as lot_selectors
from inventory_lots.models import CostChangeCause, LineItemCode, Lot, LotSerial, LotType
from inventory_lots.scope import require_costs, require_post, scope_of
from inventory_lots.services import correct_lot_unit_cost

from . import exports, selectors, serials


def _lot(pk: int, request) -> Lot:
    """The lot, or 404 when it does not exist or lies in an office the user does not see."""
    try:
        lot = lot_selectors.lot_detail(pk)
    except Lot.DoesNotExist as exc:
        raise Http404("No such lot.") from exc
    if not scope_of(request).sees(lot.office_id):
        raise Http404("No such lot.")
    return lot


class TraceQuerySerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=selectors.DIRECTIONS, default="down")
    depth = serializers.IntegerField(min_value=1, max_value=selectors.MAX_DEPTH, default=selectors.DEFAULT_DEPTH)


class UnitCostInSerializer(serializers.Serializer):
    unit_cost = UnitCostField()
    reason = serializers.CharField(allow_blank=True, max_length=200)
    date = serializers.DateField()


# --- the schema of the answers (built by selectors.trace_api / RecallRow.api, not by these) ---------


class TraceVendorSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class TracePurchaseOrderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    url = serializers.CharField(help_text="The PO's page.")
    vendor = TraceVendorSerializer()


class TraceShipmentSerializer(serializers.Serializer):
    order = serializers.CharField(help_text="The customer order's number.")
    order_id = serializers.IntegerField()
    customer = serializers.CharField()
    customer_name = serializers.CharField()
    date = serializers.DateField()


class TraceNodeSerializer(serializers.Serializer):
    """One step of the trace; ``children`` are the next steps (the same shape, recursively)."""

    lot = serializers.IntegerField(allow_null=True, help_text="The lot reached; null for a leaf (a shipment, ...).")
    lot_number = serializers.CharField(allow_null=True)
    lot_url = serializers.CharField(allow_null=True)
    lic = serializers.CharField(allow_null=True)
    quantity = QuantityField(allow_null=True, help_text="Null on a hidden step only.")
    depth = serializers.IntegerField(help_text="1 for the root's own edges.")
    via = GenericRefSerializer(
        allow_null=True, help_text="The document that links the lot to this step (null on a hidden step)."
    )
    via_url = serializers.CharField(allow_null=True)
    hidden = serializers.BooleanField(
        required=False,
        help_text="Present (true) for the lots of offices the user does not see, reached at this step: one "
        'step without details (``label``: e.g. "2 lots in another office").',
    )
    label = serializers.CharField(required=False, help_text="A hidden step's text.")
    children = serializers.SerializerMethodField()
    shipment = TraceShipmentSerializer(required=False, allow_null=True, help_text="Only when via is a shipment.")
    lot_type = serializers.ChoiceField(choices=LotType.choices, required=False, help_text="Only when lot is set.")
    purchase_order = TracePurchaseOrderSerializer(required=False, allow_null=True, help_text="Only when lot is set.")
    vendor = TraceVendorSerializer(required=False, allow_null=True, help_text="Only when lot is set.")
    cycle = serializers.BooleanField(required=False, help_text="Present (true) when the lot is already on the path.")

    @extend_schema_field({"type": "array", "items": {"$ref": "#/components/schemas/TraceNode"}})
    def get_children(self, node) -> list:
        return node["children"]


class TraceOutSerializer(serializers.Serializer):
    lot = serializers.IntegerField()
    lot_number = serializers.CharField()
    direction = serializers.ChoiceField(choices=selectors.DIRECTIONS)
    depth = serializers.IntegerField()
    truncated = serializers.BooleanField()
    purchase_order = TracePurchaseOrderSerializer(allow_null=True)
    vendor = TraceVendorSerializer(allow_null=True)
    nodes = TraceNodeSerializer(many=True)


class RecallRowSerializer(serializers.Serializer):
    shipment = serializers.IntegerField()
    shipment_number = serializers.CharField()
    order = serializers.IntegerField()
    order_number = serializers.CharField()
    customer = serializers.CharField()
    customer_name = serializers.CharField()
    date = serializers.DateField()
    lic = serializers.CharField()
    lot = serializers.IntegerField()
    lot_number = serializers.CharField()
    quantity = QuantityField()
    depth = serializers.IntegerField(help_text="1 = shipped straight from the lot, 2 = from a lot made from it, ...")


class RecallOutSerializer(serializers.Serializer):
    lot = serializers.IntegerField()
    results = RecallRowSerializer(many=True)
    hidden = serializers.CharField(
        required=False,
        help_text='The shipments of offices the user does not see, e.g. "3 shipments in another office".',
    )


class CostChangeOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    date = serializers.DateField()
    old_unit_cost = UnitCostField()
    new_unit_cost = UnitCostField()
    cause = serializers.ChoiceField(choices=CostChangeCause.choices)
    reason = serializers.CharField(allow_blank=True)


class UnitCostOutSerializer(serializers.Serializer):
    lot = serializers.IntegerField()
    unit_cost = UnitCostField()
    change = CostChangeOutSerializer(allow_null=True, help_text="null when the lot already had that unit cost.")


class LotTraceView(APIView):
    """``{lot, direction, nodes: [{lot, lic, quantity, via: {type, id, label}, children}]}``."""

    @extend_schema(parameters=[TraceQuerySerializer], responses={200: TraceOutSerializer})
    def get(self, request, pk: int):
        query = TraceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        lot = _lot(pk, request)
        d = query.validated_data
        result = selectors.trace(lot, direction=d["direction"], depth=d["depth"], scope=scope_of(request))
        return Response(selectors.trace_api(result))


class LotRecallView(APIView):
    """``{results: [{shipment, order, customer, date, lic, quantity, depth}]}`` (every customer
    shipment holding any of the lot, at any depth)."""

    @extend_schema(responses={200: RecallOutSerializer})
    def get(self, request, pk: int):
        lot = _lot(pk, request)
        rows, hidden = selectors.visible_recall(lot, scope_of(request))
        body: dict = {"lot": lot.pk, "results": [row.api() for row in rows]}
        if hidden:
            body["hidden"] = hidden
        return Response(body)


class LotRecallCsvView(ExportView):
    """The recall report as CSV: the same file as the page's ``/trace/lots/{id}/recall.csv``.
    Accountants (the export permission)."""

    @file_schema(CSV, "Every customer shipment holding any of the lot, UTF-8 CSV with a header row.")
    def get(self, request, pk: int):
        return exports.recall_csv_response(_lot(pk, request), scope_of(request))


class LotUnitCostView(APIView):
    """An accountant's manual unit cost correction: ``{unit_cost, reason, date}`` → 201 with the
    recorded change (200 with ``change: null`` when the cost is already that)."""

    write_permission = roles.POST_ACCOUNTING

    @extend_schema(request=UnitCostInSerializer, responses={201: UnitCostOutSerializer, 200: UnitCostOutSerializer})
    def post(self, request, pk: int):
        data = UnitCostInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        require_costs(request)  # a unit cost is money
        lot = _lot(pk, request)
        require_post(request, lot.office)
        change = correct_lot_unit_cost(
            lot=lot, new_unit_cost=d["unit_cost"], reason=d["reason"], date=d["date"], actor=request.user
        )
        body = {"lot": lot.pk, "unit_cost": str(lot.unit_cost), "change": None}
        if change is None:
            return Response(body, status=status.HTTP_200_OK)
        body["change"] = {
            "id": change.pk,
            "date": change.date.isoformat(),
            "old_unit_cost": str(change.old_unit_cost),
            "new_unit_cost": str(change.new_unit_cost),
            "cause": change.cause,
            "reason": change.reason,
        }
        return Response(body, status=status.HTTP_201_CREATED)


class SerialQuerySerializer(serializers.Serializer):
    serial_number = serializers.CharField(
        max_length=80,
        required=False,
        allow_blank=True,
        default="",
        help_text="Where is this serial number (exact): one row per LIC that has it.",
    )
    lic = CodeRelatedField(
        queryset=LineItemCode.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Only this LIC's serials (serials are unique per LIC).",
    )
    history = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Also the rows transfers carried each serial out of (status transferred): its path. "
        "Default: each serial once, where it is now.",
    )


class SerialStateSerializer(serializers.Serializer):  # the schema of traceability.serials.SerialState.api()
    serial_number = serializers.CharField()
    lic = serializers.CharField()
    lot = serializers.IntegerField()
    lot_number = serializers.CharField()
    office = serializers.CharField()
    status = serializers.ChoiceField(
        choices=["in_stock", "shipped", "consumed", "written_off", "used_on_job", "transferred"],
        help_text="transferred: a row a transfer carried the serial out of (history=true only).",
    )
    usage = serializers.IntegerField(allow_null=True, help_text="The usage that has it out (null: in stock).")
    document = GenericRefSerializer(allow_null=True, help_text="That usage's document (shipment, order, adjustment).")
    order = serializers.CharField(allow_null=True, help_text="Shipped: the customer order's number.")
    customer = serializers.CharField(allow_null=True, help_text="Shipped: the customer's code.")
    returned_by = GenericRefSerializer(allow_null=True, help_text="In stock: the return that brought it back.")


class SerialListView(generics.ListAPIView):
    """Where is serial number X: ``GET /serials/?serial_number=X`` → one row per LIC that has it,
    its lot and where it is now (in stock, or the usage and document that have it out): its live row, not
    the rows transfers carried it out of; ``lic`` narrows to one LIC. Without ``serial_number``: every
    serial once, newest first (cursor-paginated). ``history=true`` adds the rows transfers carried it out
    of (status ``transferred``): its path."""

    serializer_class = SerialStateSerializer

    def get_queryset(self):
        query = SerialQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        rows = LotSerial.objects.visible_to(scope_of(self.request)).select_related("lic", "lot__office")
        if number := query.validated_data["serial_number"].strip():
            rows = rows.filter(serial_number=number)
        if query.validated_data["lic"] is not None:
            rows = rows.filter(lic=query.validated_data["lic"])
        if not query.validated_data["history"]:
            rows = rows.filter(moved=False)  # the live row: where it is now (one per LIC)
        return rows

    @extend_schema(parameters=[SerialQuerySerializer])
    def get(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([state.api() for state in serials.states(page)])


urlpatterns = [
    path("serials/", SerialListView.as_view(), name="serials"),
    path("lots/<int:pk>/trace/", LotTraceView.as_view(), name="lot-trace"),
    path("lots/<int:pk>/recall/", LotRecallView.as_view(), name="lot-recall"),
    path("lots/<int:pk>/recall.csv", LotRecallCsvView.as_view(), name="lot-recall-csv"),
    path("lots/<int:pk>/unit-cost/", LotUnitCostView.as_view(), name="lot-unit-cost"),
]
