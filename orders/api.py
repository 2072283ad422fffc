"""API of orders (API.md "Stock movements"): POST /shipments/, POST /returns/ (routed under /api/v1/)."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from api.fields import CodeRelatedField, QuantityField
from core import roles
from inventory_lots.models import InventoryUsage, LineItemCode, Lot

from . import services
from .models import CustomerReturn, Order, Shipment


class ShipmentLineInSerializer(serializers.Serializer):
    lic = CodeRelatedField(queryset=LineItemCode.objects.all())
    quantity = QuantityField()
    lot = serializers.PrimaryKeyRelatedField(queryset=Lot.objects.all(), required=False, allow_null=True, default=None)
    serial_numbers = serializers.ListField(child=serializers.CharField(), required=False, default=list)


class ShipmentInSerializer(serializers.Serializer):
    order = serializers.PrimaryKeyRelatedField(queryset=Order.objects.all())
    date = serializers.DateField()
    lines = ShipmentLineInSerializer(many=True, allow_empty=False)


class ReturnLineInSerializer(serializers.Serializer):
    lic = CodeRelatedField(queryset=LineItemCode.objects.all())
    quantity = QuantityField()
    usage = serializers.PrimaryKeyRelatedField(
        queryset=InventoryUsage.objects.all(), required=False, allow_null=True, default=None
    )


class ReturnInSerializer(serializers.Serializer):
    order = serializers.PrimaryKeyRelatedField(queryset=Order.objects.all())
    date = serializers.DateField()
    lines = ReturnLineInSerializer(many=True, allow_empty=False)


class DocumentLineOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    line_no = serializers.IntegerField()
    lic = serializers.CharField(source="lic.code")
    quantity = QuantityField()
    usage = serializers.IntegerField(source="usage_id")


class ShipmentOutSerializer(serializers.ModelSerializer):
    order = serializers.IntegerField(source="order_id")
    lines = DocumentLineOutSerializer(many=True)

    class Meta:
        model = Shipment
        fields = ["id", "number", "order", "date", "lines"]


class ReturnOutSerializer(ShipmentOutSerializer):
    class Meta:
        model = CustomerReturn
        fields = ["id", "number", "order", "date", "lines"]


class ShipmentCreateView(generics.GenericAPIView):
    serializer_class = ShipmentInSerializer
    write_permission = roles.POST_STOCK
    queryset = Shipment.objects.none()

    @extend_schema(request=ShipmentInSerializer, responses={201: ShipmentOutSerializer})
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        shipment = services.post_shipment(
            order=data["order"], date=data["date"], actor=request.user,
            lines=[services.ShipmentLineInput(**line) for line in data["lines"]],
        )
        shipment = Shipment.objects.prefetch_related("lines__lic").get(pk=shipment.pk)
        return Response(ShipmentOutSerializer(shipment).data, status=status.HTTP_201_CREATED)


class ReturnCreateView(generics.GenericAPIView):
    serializer_class = ReturnInSerializer
    write_permission = roles.POST_STOCK
    queryset = CustomerReturn.objects.none()

    @extend_schema(request=ReturnInSerializer, responses={201: ReturnOutSerializer})
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        document = services.post_return(
            order=data["order"], date=data["date"], actor=request.user,
            lines=[services.ReturnLineInput(**line) for line in data["lines"]],
        )
        document = CustomerReturn.objects.prefetch_related("lines__lic").get(pk=document.pk)
        return Response(ReturnOutSerializer(document).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("shipments/", ShipmentCreateView.as_view(), name="shipment-create"),
    path("returns/", ReturnCreateView.as_view(), name="return-create"),
]
