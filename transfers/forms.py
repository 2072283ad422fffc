from __future__ import annotations

from django import forms

from core.forms import CodeChoiceField, CodeField, date_field, line_formset_factory, quantity_field
from inventory_lots.forms import limit_offices
from inventory_lots.models import LineItemCode, Lot, Office
from inventory_lots.scope import EVERYTHING, Scope
from inventory_lots.serial_moves import split_serials

from .services import TransferLineInput


class TransferForm(forms.Form):
    """From an office the user may post in (offered), to any office they see."""

    from_office = CodeChoiceField(queryset=Office.objects.all(), label="From office")
    to_office = CodeChoiceField(queryset=Office.objects.all(), label="To office")
    date = date_field()

    def __init__(self, *args, scope: Scope = EVERYTHING, **kwargs):
        super().__init__(*args, **kwargs)
        limit_offices(self.fields["from_office"], scope)
        self.fields["to_office"].queryset = Office.objects.visible_to(scope)


class TransferLineForm(forms.Form):
    lic = CodeField(queryset=LineItemCode.objects.all(), label_name="LIC", label="LIC")
    quantity = quantity_field(help_text="What leaves the source office and arrives in the destination.")
    lot = forms.CharField(
        max_length=20, required=False, label="Lot", help_text="Specific unit costing: the lot number."
    )
    serial_numbers = forms.CharField(required=False, label="Serials", help_text="Comma or newline separated.")
    mfr_lot_number = forms.CharField(max_length=60, required=False, label="Mfr lot")

    def clean_lot(self) -> Lot | None:
        number = (self.cleaned_data.get("lot") or "").strip()
        if not number:
            return None
        lot = Lot.objects.filter(number__iexact=number).first()
        if lot is None:
            raise forms.ValidationError(f"No lot numbered {number}.")
        return lot

    def to_input(self) -> TransferLineInput:
        data = self.cleaned_data
        return TransferLineInput(
            lic=data["lic"],
            quantity=data["quantity"],
            lot=data["lot"],
            serial_numbers=split_serials(data["serial_numbers"]),
            mfr_lot_number=data["mfr_lot_number"],
        )


TransferLineFormSet = line_formset_factory(TransferLineForm, extra=4)
