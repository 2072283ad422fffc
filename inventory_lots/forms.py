from __future__ import annotations

from django import forms

from core.forms import (
    CodeChoiceField,
    CodeField,
    ISODateField,
    date_field,
    line_formset_factory,
    quantity_field,
    unit_cost_field,
)

from .models import AdjustmentKind, LineItemCode, Office
from .scope import EVERYTHING, Scope
from .serial_moves import split_serials
from .services import AdjustmentLineInput


def limit_offices(field, scope: Scope) -> None:
    """An office field offers only the offices ``scope`` may post in, and accepts every office it
    sees: posting in a view-only office is then refused by the service (403, saying why), an
    office it does not see is an unknown code (DOMAIN.md section 11)."""
    seen = Office.objects.visible_to(scope)
    offered = Office.objects.postable_by(scope).order_by("code")
    if isinstance(field, forms.ModelChoiceField):  # core.forms.CodeChoiceField: a select
        field.queryset = offered
        field.lookup_queryset = seen
    else:  # a code typed with a picker (core.forms.CodeField)
        field.queryset = seen
        field.picker_queryset = lambda: offered


class OfficeScopedForm(forms.Form):
    """A form whose ``office`` field is limited by the user's scope (``scope=`` keyword)."""

    def __init__(self, *args, scope: Scope = EVERYTHING, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope
        limit_offices(self.fields["office"], scope)


class AdjustmentForm(OfficeScopedForm):
    office = CodeChoiceField(queryset=Office.objects.all())
    date = date_field()
    kind = forms.ChoiceField(
        choices=AdjustmentKind.choices,
        initial=AdjustmentKind.OTHER,
        required=False,
        help_text="Beginning balance: opening stock, positive lines with a unit cost (Opening balance equity).",
    )
    reason = forms.CharField(max_length=200)

    def clean_kind(self) -> str:
        return self.cleaned_data["kind"] or AdjustmentKind.OTHER  # not sent: the default, as in the API


class AdjustmentLineForm(forms.Form):
    lic = CodeField(queryset=LineItemCode.objects.all(), label_name="LIC", label="LIC")
    quantity = quantity_field(help_text="Positive adds stock (a new lot); negative writes usage.")
    unit_cost = unit_cost_field(required=False, help_text="Blank: the LIC's average open-lot cost here.")
    mfr_lot_number = forms.CharField(max_length=60, required=False, label="Mfr lot")
    serial_numbers = forms.CharField(required=False, label="Serials", help_text="Comma or newline separated.")

    def to_input(self) -> AdjustmentLineInput:
        data = self.cleaned_data
        return AdjustmentLineInput(
            lic=data["lic"],
            quantity=data["quantity"],
            unit_cost=data["unit_cost"],
            mfr_lot_number=data["mfr_lot_number"],
            serial_numbers=split_serials(data["serial_numbers"]),
        )


AdjustmentLineFormSet = line_formset_factory(AdjustmentLineForm, extra=4)


class LockDateForm(forms.Form):
    """Set the lock date. The first submission shows what it means and asks for confirmation
    (``confirm`` empty); the confirmation posts the same fields with ``confirm=yes``."""

    date = ISODateField(label="Books closed through")
    reason = forms.CharField(
        max_length=500,
        required=False,
        label="Reason",
        help_text="Required to move the lock date back (administrators only).",
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)


class CountSheetForm(OfficeScopedForm):
    """The office and date of a count sheet (GET)."""

    office = CodeField(queryset=Office.objects.all(), label_name="office")
    date = date_field()


def count_lines_from(data, rows) -> tuple[list, dict[str, str]]:
    """The count sheet's inputs (``counted_<LIC id>``, ``serials_<id>``, ``mfr_<id>``) as count lines:
    blank counted quantities are LICs not counted. Returns the lines and the inputs' errors."""
    from decimal import Decimal, InvalidOperation

    from .counts import CountLineInput

    lines, errors = [], {}
    for row in rows:
        raw = (data.get(f"counted_{row.lic.pk}") or "").strip()
        if not raw:
            continue
        try:
            counted = Decimal(raw)
            if not counted.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            errors[f"counted_{row.lic.pk}"] = f"{row.lic.code}: enter a number."
            continue
        serials = split_serials(data.get(f"serials_{row.lic.pk}"))
        lines.append(
            CountLineInput(
                lic=row.lic,
                counted_quantity=counted,
                serial_numbers=serials,
                mfr_lot_number=(data.get(f"mfr_{row.lic.pk}") or "").strip(),
            )
        )
    return lines, errors
