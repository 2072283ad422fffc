"""API of transfers between offices (API.md "Corrections, transfers, counts, stock"): POST
``/transfers/`` (clerks), GET the list (newest first) and one transfer, POST ``/transfers/{id}/reverse/``
(accountants); routed under /api/v1/ by lotledger/urls.py."""

from __future__ import annotations

import datetime

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from core import roles
from core.drf.fields import CodeRelatedField, QuantityField
from inventory_lots.models import LineItemCode, Lot, Office
from inventory_lots.scope import get_visible, scope_of

from . import reversals, selectors, services
from .models import Transfer


class TransferLineInSerializer(serializers.Serializer):
    lic = CodeRelatedField(queryset=LineItemCode.objects.all())
    quantity = QuantityField()
    lot = serializers.PrimaryKeyRelatedField(
        queryset=Lot.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Specific unit costing: the lot (id) taken from in the source office.",
    )
    serial_numbers = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        default=list,
        help_text="Serialized LICs: the serials leaving the source office (as many as the quantity).",
    )
    mfr_lot_number = serializers.CharField(required=False, allow_blank=True, default="")


class TransferInSerializer(serializers.Serializer):
    from_office = CodeRelatedField(queryset=Office.objects.all())
    to_office = CodeRelatedField(queryset=Office.objects.all())
    date = serializers.DateField()
    lines = TransferLineInSerializer(many=True, allow_empty=False)


class TransferLineOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    lic = serializers.CharField(source="lic.code")
    quantity = QuantityField(help_text="Negative on a reversal's line.")
    serial_numbers = serializers.ListField(child=serializers.CharField())
    usage = serializers.IntegerField(
        source="usage_id", help_text="The transfer usage in the source office (a reversal's: negative, giving it back)."
    )
    lot = serializers.IntegerField(
        source="lot_id",
        allow_null=True,
        help_text="The transfer lot made in the destination office (null on a reversal).",
    )
    reverses_line = serializers.IntegerField(source="reverses_line_id", allow_null=True)


class TransferOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    from_office = serializers.CharField(source="from_office.code")
    to_office = serializers.CharField(source="to_office.code")
    date = serializers.DateField()
    reason = serializers.CharField()
    reverses = serializers.IntegerField(source="reverses_id", allow_null=True, help_text="The transfer it reverses.")
    lines = TransferLineOutSerializer(many=True)


class TransferListCreateView(generics.ListAPIView):
    """GET the transfers (newest first, cursor-paginated); POST one (clerks): 201 with its lines' usage
    (source office) and lot (destination office); 400 for a transfer to the same office, a non-inventoried
    LIC, more than the source office has on hand, a date on or before the lock date."""

    write_permission = roles.POST_STOCK

    def get_queryset(self):
        return selectors.transfer_list(scope_of(self.request))

    def get_serializer_class(self):
        return TransferInSerializer if self.request.method == "POST" else TransferOutSerializer

    @extend_schema(request=TransferInSerializer, responses={201: TransferOutSerializer})
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        transfer = services.post_transfer(
            from_office=data["from_office"],
            to_office=data["to_office"],
            date=data["date"],
            actor=request.user,
            lines=[services.TransferLineInput(**line) for line in data["lines"]],
        )
        transfer = selectors.transfer_list().get(pk=transfer.pk)
        return Response(TransferOutSerializer(transfer).data, status=status.HTTP_201_CREATED)


class TransferDetailView(generics.RetrieveAPIView):
    serializer_class = TransferOutSerializer

    def get_queryset(self):
        return selectors.transfer_list(scope_of(self.request))


urlpatterns = [
    path("transfers/", TransferListCreateView.as_view(), name="transfer-list"),
    path("transfers/<int:pk>/", TransferDetailView.as_view(), name="transfer-detail"),
]


class TransferReverseInSerializer(serializers.Serializer):
    date = serializers.DateField(required=False, help_text="The reversal's date; default today (the open period).")
    reason = serializers.CharField(max_length=200)


class TransferReverseView(generics.GenericAPIView):
    """Reverse a transfer (accountants): 201 with the reversing transfer (same offices; `reverses`: the
    transfer it reverses; per line -quantity and the negative usage giving the transfer usage back, the
    transfer lot brought to 0); 409 when already reversed, itself a reversal, a transfer lot used (named),
    or dated in closed books."""

    write_permission = roles.POST_ACCOUNTING
    serializer_class = TransferReverseInSerializer
    queryset = Transfer.objects.all()

    @extend_schema(request=TransferReverseInSerializer, responses={201: TransferOutSerializer})
    def post(self, request, pk: int):
        transfer = get_visible(Transfer.objects.select_related("from_office", "to_office"), scope_of(request), pk=pk)
        serializer = TransferReverseInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        reversal = reversals.reverse_transfer(
            transfer=transfer,
            date=data.get("date") or datetime.date.today(),
            reason=data["reason"],
            actor=request.user,
        )
        reversal = selectors.transfer_list().get(pk=reversal.pk)
        return Response(TransferOutSerializer(reversal).data, status=status.HTTP_201_CREATED)


urlpatterns += [path("transfers/<int:pk>/reverse/", TransferReverseView.as_view(), name="transfer-reverse")]
