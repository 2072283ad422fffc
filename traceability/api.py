"""Trace API (routed under /api/v1/ by api/urls.py): ``GET /lots/{id}/trace/``,
``GET /lots/{id}/recall/`` and ``POST /lots/{id}/unit-cost/`` (accountants)."""

from __future__ import annotations

from django.http import Http404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import UnitCostField
from core import roles
from inventory_lots import selectors as lot_selectors
from inventory_lots.models import Lot
from inventory_lots.services import correct_lot_unit_cost

from . import selectors


def _lot(pk: int) -> Lot:
    try:
        return lot_selectors.lot_detail(pk)
    except Lot.DoesNotExist as exc:
        raise Http404("No such lot.") from exc


class TraceQuerySerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=selectors.DIRECTIONS, default="down")
    depth = serializers.IntegerField(min_value=1, max_value=selectors.MAX_DEPTH, default=selectors.DEFAULT_DEPTH)


class UnitCostInSerializer(serializers.Serializer):
    unit_cost = UnitCostField()
    reason = serializers.CharField(allow_blank=True, max_length=200)
    date = serializers.DateField()


class TraceOutSerializer(serializers.Serializer):  # the schema of the answer (built by selectors.trace_api)
    lot = serializers.IntegerField()
    lot_number = serializers.CharField()
    direction = serializers.ChoiceField(choices=selectors.DIRECTIONS)
    depth = serializers.IntegerField()
    truncated = serializers.BooleanField()
    purchase_order = serializers.JSONField(allow_null=True)
    vendor = serializers.JSONField(allow_null=True)
    nodes = serializers.JSONField(help_text="[{lot, lot_number, lic, quantity, depth, via: {type, id, label}, "
                                            "children: [...]}]")


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
    quantity = serializers.CharField()
    depth = serializers.IntegerField()


class RecallOutSerializer(serializers.Serializer):
    lot = serializers.IntegerField()
    results = RecallRowSerializer(many=True)


class UnitCostOutSerializer(serializers.Serializer):
    lot = serializers.IntegerField()
    unit_cost = serializers.CharField()
    change = serializers.JSONField(allow_null=True)


class LotTraceView(APIView):
    """``{lot, direction, nodes: [{lot, lic, quantity, via: {type, id, label}, children}]}``."""

    @extend_schema(parameters=[TraceQuerySerializer], responses={200: TraceOutSerializer})
    def get(self, request, pk: int):
        query = TraceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        lot = _lot(pk)
        result = selectors.trace(lot, direction=query.validated_data["direction"],
                                 depth=query.validated_data["depth"])
        return Response(selectors.trace_api(result))


class LotRecallView(APIView):
    """``{results: [{shipment, order, customer, date, lic, quantity, depth}]}`` (every customer
    shipment holding any of the lot, at any depth)."""

    @extend_schema(responses={200: RecallOutSerializer})
    def get(self, request, pk: int):
        lot = _lot(pk)
        return Response({"lot": lot.pk, "results": [row.api() for row in selectors.recall(lot)]})


class LotUnitCostView(APIView):
    """An accountant's manual unit cost correction: ``{unit_cost, reason, date}`` → 201 with the
    recorded change (200 with ``change: null`` when the cost is already that)."""

    write_permission = roles.POST_ACCOUNTING

    @extend_schema(request=UnitCostInSerializer, responses={201: UnitCostOutSerializer, 200: UnitCostOutSerializer})
    def post(self, request, pk: int):
        data = UnitCostInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        lot = _lot(pk)
        change = correct_lot_unit_cost(lot=lot, new_unit_cost=d["unit_cost"], reason=d["reason"], date=d["date"],
                                       actor=request.user)
        body = {"lot": lot.pk, "unit_cost": str(lot.unit_cost), "change": None}
        if change is None:
            return Response(body, status=status.HTTP_200_OK)
        body["change"] = {
            "id": change.pk, "date": change.date.isoformat(), "old_unit_cost": str(change.old_unit_cost),
            "new_unit_cost": str(change.new_unit_cost), "cause": change.cause, "reason": change.reason,
        }
        return Response(body, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("lots/<int:pk>/trace/", LotTraceView.as_view(), name="lot-trace"),
    path("lots/<int:pk>/recall/", LotRecallView.as_view(), name="lot-recall"),
    path("lots/<int:pk>/unit-cost/", LotUnitCostView.as_view(), name="lot-unit-cost"),
]
