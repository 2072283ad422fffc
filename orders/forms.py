"""Forms of orders: shipments (lines: LIC, quantity, lot, serials) and customer returns."""

from __future__ import annotations

from django import forms

from core.forms import CodeField, date_field, line_formset_factory, quantity_field
from inventory_lots.forms import OfficeScopedForm
from inventory_lots.models import InventoryUsage, LineItemCode, Lot, Office
from inventory_lots.serial_moves import split_serials

from .models import Customer
from .services import ReturnLineInput, ShipmentLineInput


class LotNumberField(forms.CharField):
    """A lot typed by its number (PL-000123)."""

    def clean(self, value):
        number = super().clean(value)
        if not number:
            return None
        lot = Lot.objects.filter(number__iexact=number.strip()).first()
        if lot is None:
            raise forms.ValidationError(f"Unknown lot “{number}”.", code="unknown_lot")
        return lot


class UsageIdField(forms.IntegerField):
    """A usage record typed by its id (U-000123 or 123)."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().upper().removeprefix("U-")
        return super().to_python(value)

    def clean(self, value):
        usage_id = super().clean(value)
        if usage_id is None:
            return None
        usage = InventoryUsage.objects.filter(pk=usage_id).first()
        if usage is None:
            raise forms.ValidationError(f"Unknown usage record {usage_id}.", code="unknown_usage")
        return usage


class DocumentForm(forms.Form):
    date = date_field()


class ShipmentForm(DocumentForm):
    """A shipment beyond stock on hand is posted only once the clerk ticks this; the
    page shows it, with the warnings, after a first submit that took more than is on hand."""

    confirm_short = forms.BooleanField(required=False, label="Post it anyway: I know it is more than is on hand")


class ReturnForm(DocumentForm):
    """Accountants (only: the service refuses anyone else, 403) may post a return over what the
    order shipped, saying why; the page offers the field to them alone."""

    override_reason = forms.CharField(
        required=False,
        max_length=200,
        label="Override reason",
        help_text="Accountants: why this return may bring back more than the order shipped net of its returns.",
    )


class ShipmentLineForm(forms.Form):
    lic = CodeField(queryset=LineItemCode.objects.all(), label_name="LIC", label="LIC")
    quantity = quantity_field()
    lot = LotNumberField(required=False, max_length=20, help_text="Specific unit costing: the lot shipped from.")
    serial_numbers = forms.CharField(required=False, label="Serials", help_text="Comma or newline separated.")

    def to_input(self) -> ShipmentLineInput:
        data = self.cleaned_data
        return ShipmentLineInput(
            lic=data["lic"],
            quantity=data["quantity"],
            lot=data["lot"],
            serial_numbers=split_serials(data["serial_numbers"]),
        )


class ReturnLineForm(forms.Form):
    lic = CodeField(queryset=LineItemCode.objects.all(), label_name="LIC", label="LIC")
    quantity = quantity_field(help_text="Positive: the quantity that came back.")
    usage = UsageIdField(required=False, label="Returns usage", help_text="The shipment usage it returns (optional).")
    serial_numbers = forms.CharField(
        required=False, label="Serials", help_text="Serialized LICs: the serials that came back (comma separated)."
    )

    def to_input(self) -> ReturnLineInput:
        data = self.cleaned_data
        return ReturnLineInput(
            lic=data["lic"],
            quantity=data["quantity"],
            usage=data["usage"],
            serial_numbers=split_serials(data["serial_numbers"]),
        )


ShipmentLineFormSet = line_formset_factory(ShipmentLineForm, extra=3)
ReturnLineFormSet = line_formset_factory(ReturnLineForm, extra=3)


class OrderForm(OfficeScopedForm):
    """A new customer order (the "parent order" of shipments and production)."""

    customer = CodeField(queryset=Customer.objects.all(), label_name="customer", label="Customer")
    office = CodeField(queryset=Office.objects.all(), label_name="office", label="Office")
    date = date_field()


class OrderStatusForm(forms.Form):
    """Closing an order asks nothing: the page itself is the confirmation."""


class ReopenOrderForm(forms.Form):
    # not required here: the service says what is wrong (one message for every door)
    reason = forms.CharField(required=False, label="Reason", help_text="Kept in the order's history.")
