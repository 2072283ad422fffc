from __future__ import annotations

from django import forms

from core.forms import CodeField
from inventory_lots.models import LineItemCode, Office
from inventory_lots.scope import EVERYTHING, Scope


class TransactionsFilterForm(forms.Form):
    """Which movements: a LIC (required), an office (empty: every office), a date range."""

    lic = CodeField(queryset=LineItemCode.objects.filter(inventoried=True), label_name="LIC", label="LIC")
    office = CodeField(queryset=Office.objects.all(), label_name="office", required=False)
    date_from = forms.DateField(required=False, label="From")
    date_to = forms.DateField(required=False, label="To")

    def __init__(self, *args, scope: Scope = EVERYTHING, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope
        self.fields["office"].queryset = Office.objects.visible_to(scope)

    def clean_office(self):
        """Only the offices the user sees (DOMAIN.md section 11). "Every office" is every office: a
        user who sees some offices only chooses one of them (the one, when they see one)."""
        office = self.cleaned_data.get("office")
        if office is not None or self.scope.all_offices:
            return office
        seen = list(Office.objects.visible_to(self.scope).order_by("code")[:2])
        if len(seen) == 1:
            return seen[0]
        raise forms.ValidationError("Choose one of your offices.", code="office_required")
