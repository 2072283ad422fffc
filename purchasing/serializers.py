"""API shapes of purchasing (API.md "Purchasing"): names exact, decimals as strings."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from core.drf.fields import CodeRelatedField, MoneyField, QuantityField, TextField, UnitCostField
from core.drf.master_data import MasterDataSerializer
from inventory_lots.models import LineItemCode, Office
from inventory_lots.serializers import VisibleRelatedField

from .models import (
    PO_LINE_COLUMNS,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
    Vendor,
    VendorInvoice,
    VendorInvoiceLine,
)


class VendorSerializer(MasterDataSerializer):
    class Meta:
        model = Vendor
        fields = ["code", "name"]


class POLineInSerializer(serializers.Serializer):
    lic = CodeRelatedField(queryset=LineItemCode.objects.all())
    quantity = QuantityField()
    unit_cost = UnitCostField()


class POInSerializer(serializers.Serializer):
    vendor = CodeRelatedField(queryset=Vendor.objects.all())
    office = CodeRelatedField(queryset=Office.objects.all())
    date = serializers.DateField()
    lines = POLineInSerializer(many=True, allow_empty=False)


class POLineOutSerializer(serializers.ModelSerializer):
    lic = serializers.CharField(source="lic.code")
    quantity = QuantityField()
    unit_cost = UnitCostField()
    quantity_received = QuantityField()
    quantity_purchased = QuantityField()
    amount_invoiced = MoneyField()
    freight_allocated = MoneyField()
    accrued_quantity = QuantityField()

    class Meta:
        model = PurchaseOrderLine
        fields = ["id", *PO_LINE_COLUMNS, "accrued_quantity"]


class POOutSerializer(serializers.ModelSerializer):
    vendor = serializers.CharField(source="vendor.code")
    office = serializers.CharField(source="office.code")
    lines = POLineOutSerializer(many=True)

    class Meta:
        model = PurchaseOrder
        fields = ["id", "number", "status", "vendor", "office", "date", "closed_on", "lines"]


def _po_line_field():
    return VisibleRelatedField(queryset=PurchaseOrderLine.objects.select_related("lic"))


class ReceiptLineInSerializer(serializers.Serializer):
    po_line = _po_line_field()
    quantity = QuantityField()
    mfr_lot_number = serializers.CharField(required=False, allow_blank=True, default="", max_length=60)
    serial_numbers = serializers.ListField(child=serializers.CharField(max_length=80), required=False, default=list)


class ReceiptInSerializer(serializers.Serializer):
    date = serializers.DateField()
    allow_over_receipt = serializers.BooleanField(required=False, default=False)
    reason = TextField(required=False, allow_blank=True, default="", max_length=200)
    lines = ReceiptLineInSerializer(many=True, allow_empty=False)


class ReceiptLineOutSerializer(serializers.ModelSerializer):
    quantity = QuantityField()
    serial_numbers = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = ReceiptLine
        fields = ["id", "line_no", "po_line", "quantity", "lot", "mfr_lot_number", "serial_numbers"]


class ReceiptOutSerializer(serializers.ModelSerializer):
    lines = ReceiptLineOutSerializer(many=True)

    class Meta:
        model = Receipt
        fields = ["id", "number", "purchase_order", "date", "allow_over_receipt", "reverses", "reason", "lines"]


class ReverseInSerializer(serializers.Serializer):
    date = serializers.DateField(required=False)
    reason = serializers.CharField(max_length=200)


class CloseInSerializer(serializers.Serializer):
    date = serializers.DateField(required=False, help_text="Closing date; default today.")


class InvoiceLineInSerializer(serializers.Serializer):
    po_line = _po_line_field()
    quantity = QuantityField()
    amount = MoneyField()


class InvoiceInSerializer(serializers.Serializer):
    vendor = CodeRelatedField(queryset=Vendor.objects.all())
    purchase_order = VisibleRelatedField(queryset=PurchaseOrder.objects.select_related("vendor"))
    number = serializers.CharField(max_length=40)
    date = serializers.DateField()
    freight = MoneyField(required=False, default=Decimal("0.00"))
    lines = InvoiceLineInSerializer(many=True, allow_empty=False)


class InvoiceLineOutSerializer(serializers.ModelSerializer):
    quantity = QuantityField()
    amount = MoneyField()
    freight_share = MoneyField()

    class Meta:
        model = VendorInvoiceLine
        fields = ["id", "line_no", "po_line", "quantity", "amount", "freight_share"]


class InvoiceOutSerializer(serializers.ModelSerializer):
    vendor = serializers.CharField(source="vendor.code")
    freight = MoneyField()
    lines = InvoiceLineOutSerializer(many=True)

    class Meta:
        model = VendorInvoice
        fields = ["id", "vendor", "purchase_order", "number", "date", "freight", "lines"]


class AccruedLineSerializer(serializers.Serializer):
    purchase_order = serializers.IntegerField(source="purchase_order_id")
    po_number = serializers.CharField(source="purchase_order.number")
    vendor = serializers.CharField(source="purchase_order.vendor.code")
    office = serializers.CharField(source="purchase_order.office.code")
    po_line = serializers.IntegerField(source="id")
    line_no = serializers.IntegerField()
    lic = serializers.CharField(source="lic.code")
    unit_cost = UnitCostField()
    received_qty = QuantityField(source="quantity_received")
    purchased_qty = QuantityField(source="quantity_purchased")
    accrued_qty = QuantityField()
    accrued_value = MoneyField()
