"""API of transfers between offices (API.md "Corrections, transfers, counts, stock"): POST
``/transfers/`` (clerks), GET the list (newest first) and one transfer; routed under /api/v1/ by
lotledger/urls.py."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from core import roles
from core.drf.fields import CodeRelatedField, QuantityField
from inventory_lots.models import LineItemCode, Lot, Office

from . import selectors, services


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
    serial_numbers = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    mfr_lot_number = serializers.CharField(required=False, allow_blank=True, default="")


class TransferInSerializer(serializers.Serializer):
    from_office = CodeRelatedField(queryset=Office.objects.all())
    to_office = CodeRelatedField(queryset=Office.objects.all())
    date = serializers.DateField()
    lines = TransferLineInSerializer(many=True, allow_empty=False)


class TransferLineOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    lic = serializers.CharField(source="lic.code")
    quantity = QuantityField()
    usage = serializers.IntegerField(source="usage_id", help_text="The transfer usage in the source office.")
    lot = serializers.IntegerField(source="lot_id", help_text="The transfer lot made in the destination office.")


class TransferOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    from_office = serializers.CharField(source="from_office.code")
    to_office = serializers.CharField(source="to_office.code")
    date = serializers.DateField()
    lines = TransferLineOutSerializer(many=True)


class TransferListCreateView(generics.ListAPIView):
    """GET the transfers (newest first, cursor-paginated); POST one (clerks): 201 with its lines' usage
    (source office) and lot (destination office); 400 for a transfer to the same office, a non-inventoried
    LIC, more than the source office has on hand, a date on or before the lock date."""

    write_permission = roles.POST_STOCK

    def get_queryset(self):
        return selectors.transfer_list()

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
        return selectors.transfer_list()


urlpatterns = [
    path("transfers/", TransferListCreateView.as_view(), name="transfer-list"),
    path("transfers/<int:pk>/", TransferDetailView.as_view(), name="transfer-detail"),
]
