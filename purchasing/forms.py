"""Forms of the purchasing pages: new PO, receive, vendor invoice, close, reverse a receipt."""

from __future__ import annotations

from django import forms

from core.forms import (
    CodeChoiceField,
    CodeField,
    LineFormSet,
    date_field,
    line_formset_factory,
    money_field,
    quantity_field,
    unit_cost_field,
)
from inventory_lots.forms import OfficeScopedForm
from inventory_lots.models import LineItemCode, Office
from inventory_lots.serial_moves import split_serials

from .models import PurchaseOrderLine, Vendor
from .services import InvoiceLineInput, POLineInput, ReceiptLineInput


class POForm(OfficeScopedForm):
    vendor = CodeField(queryset=Vendor.objects.all(), label_name="vendor")
    office = CodeChoiceField(queryset=Office.objects.all())
    date = date_field()


class POLineForm(forms.Form):
    lic = CodeField(queryset=LineItemCode.objects.all(), label_name="LIC", label="LIC")
    quantity = quantity_field()
    unit_cost = unit_cost_field()

    def to_input(self) -> POLineInput:
        d = self.cleaned_data
        return POLineInput(lic=d["lic"], quantity=d["quantity"], unit_cost=d["unit_cost"])


POLineFormSet = line_formset_factory(POLineForm, extra=4)


class ReceiveForm(forms.Form):
    date = date_field()
    allow_over_receipt = forms.BooleanField(required=False, label="Allow receiving more than ordered")
    reason = forms.CharField(
        required=False,
        max_length=200,
        label="Reason for receiving more",
        help_text="Required when a line receives more than ordered: what was agreed with the vendor.",
    )


class _POLineRowForm(forms.Form):
    """One row per PO line; ``po_line`` is hidden and fixed by the view."""

    po_line = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, po_lines: dict[int, PurchaseOrderLine], **kwargs):
        self.po_lines = po_lines
        super().__init__(*args, **kwargs)

    def clean_po_line(self):
        value = self.cleaned_data["po_line"]
        if value not in self.po_lines:
            raise forms.ValidationError("Not a line of this purchase order.")
        return self.po_lines[value]


class ReceiveLineForm(_POLineRowForm):
    quantity = quantity_field(required=False)
    mfr_lot_number = forms.CharField(max_length=60, required=False, label="Mfr lot")
    serial_numbers = forms.CharField(required=False, label="Serials", help_text="Comma or newline separated.")

    def clean(self):
        data = super().clean()
        if self.has_changed() and data.get("quantity") is None and "quantity" not in self.errors:
            self.add_error("quantity", "Enter the quantity received.")
        return data

    def to_input(self) -> ReceiptLineInput:
        d = self.cleaned_data
        return ReceiptLineInput(
            po_line=d["po_line"],
            quantity=d["quantity"],
            mfr_lot_number=d["mfr_lot_number"],
            serial_numbers=split_serials(d["serial_numbers"]),
        )


class InvoiceForm(forms.Form):
    number = forms.CharField(max_length=40, label="Invoice number")
    date = date_field()
    freight = money_field(required=False, min_value=0, help_text="Spread over the inventoried lines by amount.")


class InvoiceLineForm(_POLineRowForm):
    quantity = quantity_field(required=False)
    amount = money_field(required=False)

    def clean(self):
        data = super().clean()
        if self.has_changed():
            for name in ("quantity", "amount"):
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, "Enter both the quantity and the amount.")
        return data

    def to_input(self) -> InvoiceLineInput:
        d = self.cleaned_data
        return InvoiceLineInput(po_line=d["po_line"], quantity=d["quantity"], amount=d["amount"])


def line_formset(form_class, po_lines: list[PurchaseOrderLine], data=None):
    """A formset with one row per given PO line (rows left blank are ignored)."""
    formset_class = forms.formset_factory(form_class, formset=LineFormSet, extra=0)
    by_id = {line.pk: line for line in po_lines}
    return formset_class(
        data,
        prefix="lines",
        initial=[{"po_line": line.pk} for line in po_lines],
        form_kwargs={"po_lines": by_id},
    )


class CloseForm(forms.Form):
    date = date_field(label="Closing date")


class ReverseForm(forms.Form):
    date = date_field()
    reason = forms.CharField(max_length=200)
