"""API of inventory transactions (API.md "Corrections, transfers, counts, stock"): GET
/inventory-transactions/?lic=&office=&date_from=&date_to= (cursor: the `next` link)."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.response import Response

from core import roles
from core.drf.exports import CSV, ExportView, file_schema
from core.drf.fields import GenericRefSerializer, QuantityField
from inventory_lots.models import InventoryUsage
from inventory_lots.scope import scope_of

from . import exports, selectors
from .forms import TransactionsFilterForm

PAGE_SIZE = 50


class MovementSerializer(serializers.Serializer):
    date = serializers.DateField()
    kind = serializers.CharField()
    document = serializers.SerializerMethodField()
    lot = serializers.IntegerField(allow_null=True)
    usage = serializers.IntegerField(allow_null=True)
    quantity = QuantityField(help_text="Into stock positive, out of it negative.")
    balance = QuantityField(help_text="The on-hand quantity after this movement.")

    @staticmethod
    @extend_schema_field(GenericRefSerializer)
    def get_document(movement) -> dict:
        kind = ContentType.objects.get_for_id(movement.document_type).model  # cached after the first
        return {"type": kind, "id": movement.document_id, "label": movement.label}


class TransactionsSerializer(serializers.Serializer):
    on_hand = QuantityField()
    on_order = QuantityField()
    in_production = QuantityField()
    next = serializers.CharField(allow_null=True)
    results = MovementSerializer(many=True)


class InventoryTransactionsView(generics.GenericAPIView):
    """Every movement of a LIC in an office (or every office) in date order with the running on-hand
    balance; above them on hand, on order and in production (DOMAIN.md 9)."""

    serializer_class = TransactionsSerializer
    queryset = InventoryUsage.objects.none()
    pagination_class = None

    @extend_schema(
        parameters=[
            OpenApiParameter("lic", str, required=True),
            OpenApiParameter("office", str),
            OpenApiParameter("date_from", str),
            OpenApiParameter("date_to", str),
            OpenApiParameter("cursor", str),
            OpenApiParameter("page_size", int),
        ],
        responses={200: TransactionsSerializer},
    )
    def get(self, request):
        form = TransactionsFilterForm(request.query_params, scope=scope_of(request))
        if not form.is_valid():
            raise serializers.ValidationError({k: list(v) for k, v in form.errors.items()})
        data = form.cleaned_data
        try:
            size = min(max(int(request.query_params.get("page_size", PAGE_SIZE)), 1), 500)
        except ValueError as exc:
            raise serializers.ValidationError({"page_size": ["A whole number from 1."]}) from exc
        page = selectors.transactions_page(
            lic=data["lic"],
            office=data["office"],
            date_from=data["date_from"],
            date_to=data["date_to"],
            page_size=size,
            cursor=request.query_params.get("cursor"),
        )
        figures = selectors.figures(lic=data["lic"], office=data["office"])
        next_url = None
        if page.next_cursor:
            query = request.query_params.copy()
            query["cursor"] = page.next_cursor
            next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        body = {
            "on_hand": figures.on_hand,
            "on_order": figures.on_order,
            "in_production": figures.in_production,
            "next": next_url,
            "results": page.rows,
        }
        return Response(TransactionsSerializer(body).data)


class InventoryTransactionsCsvView(ExportView):
    """Every movement of the filter as CSV: the same file as the page's
    ``/movements/inventory-transactions.csv`` (the same permission: viewing the ledger)."""

    read_permission = roles.VIEW

    @file_schema(
        CSV,
        "The movements with their running balance, UTF-8 CSV with a header row.",
        [
            OpenApiParameter("lic", str, required=True),
            OpenApiParameter("office", str),
            OpenApiParameter("date_from", str),
            OpenApiParameter("date_to", str),
        ],
    )
    def get(self, request):
        try:
            return exports.transactions_csv_response(request.query_params, scope_of(request))
        except exports.BadFilter as bad:
            raise serializers.ValidationError(bad.errors) from bad


urlpatterns = [
    path("inventory-transactions/", InventoryTransactionsView.as_view(), name="inventory-transactions"),
    path("inventory-transactions.csv", InventoryTransactionsCsvView.as_view(), name="inventory-transactions-csv"),
]
