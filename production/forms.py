"""Forms of production: the order, component issues/returns, job costs, produce, reversal."""

from __future__ import annotations

from django import forms

from core.forms import (
    CodeChoiceField,
    CodeField,
    PickerMixin,
    date_field,
    line_formset_factory,
    money_field,
    quantity_field,
    unit_cost_field,
)
from inventory_lots.forms import OfficeScopedForm
from inventory_lots.models import LineItemCode, Office
from inventory_lots.scope import EVERYTHING
from inventory_lots.serial_moves import split_serials
from orders.forms import LotNumberField, UsageIdField
from orders.models import Order
from purchasing.models import Vendor

from .services import ComponentLine


class OrderNumberField(PickerMixin, forms.CharField):
    """The parent (customer) order typed by its number (SO-000012); the picker offers open orders
    with their customer."""

    picker_name = "order"
    scope = EVERYTHING  # the form's: orders of other offices are neither offered nor found

    def picker_options(self) -> list[tuple[str, str]]:
        from core.forms import PICKER_LIMIT

        orders = (
            Order.objects.visible_to(self.scope)
            .filter(status="open")
            .select_related("customer")
            .order_by("-id")[:PICKER_LIMIT]
        )
        return [(o.number, f"{o.customer.code} — {o.customer.name}") for o in orders]

    def clean(self, value):
        number = super().clean(value)
        if not number:
            return None
        order = Order.objects.visible_to(self.scope).filter(number__iexact=number.strip()).first()
        if order is None:
            raise forms.ValidationError(f"Unknown order “{number}”.", code="unknown_order")
        return order


class ProductionOrderForm(OfficeScopedForm):
    office = CodeChoiceField(queryset=Office.objects.all())
    date = date_field()
    order = OrderNumberField(required=False, max_length=20, label="Parent order", help_text="Customer order number.")
    lic = CodeField(queryset=LineItemCode.objects.all(), label_name="LIC", label="Produced LIC")
    estimated_quantity = quantity_field()
    estimated_unit_cost = unit_cost_field(min_value=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["order"].scope = self.scope


class ComponentLineForm(forms.Form):
    lic = CodeField(queryset=LineItemCode.objects.all(), label_name="LIC", label="LIC")
    quantity = quantity_field(help_text="Positive issues; negative returns unused components.")
    lot = LotNumberField(required=False, max_length=20, help_text="Specific unit costing: the lot.")
    serial_numbers = forms.CharField(required=False, label="Serials", help_text="Comma or newline separated.")
    usage = UsageIdField(required=False, label="Returns usage", help_text="For a return: the issue it gives back.")

    def to_input(self) -> ComponentLine:
        data = self.cleaned_data
        return ComponentLine(
            lic=data["lic"],
            quantity=data["quantity"],
            lot=data["lot"],
            serial_numbers=split_serials(data["serial_numbers"]),
            returns_usage=data["usage"],
        )


ComponentLineFormSet = line_formset_factory(ComponentLineForm, extra=4)


class JobCostForm(forms.Form):
    date = date_field()
    lic = CodeField(queryset=LineItemCode.objects.all(), label_name="LIC", label="LIC (non-inventoried)")
    description = forms.CharField(max_length=200)
    amount = money_field()
    capitalized = forms.BooleanField(required=False, initial=True, help_text="Include in the produced lot's cost.")
    vendor = CodeField(queryset=Vendor.objects.all(), label_name="vendor", required=False)


class ProduceForm(forms.Form):
    date = date_field()
    quantity = quantity_field()
    serial_numbers = forms.CharField(required=False, label="Serials", help_text="Comma or newline separated.")
    mfr_lot_number = forms.CharField(max_length=60, required=False, label="Mfr lot")

    def serials(self) -> tuple[str, ...]:
        return split_serials(self.cleaned_data["serial_numbers"])


class DateForm(forms.Form):
    date = date_field()
