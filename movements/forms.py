from __future__ import annotations

from django import forms

from core.forms import CodeField
from inventory_lots.models import LineItemCode, Office


class TransactionsFilterForm(forms.Form):
    """Which movements: a LIC (required), an office (empty: every office), a date range."""

    lic = CodeField(queryset=LineItemCode.objects.filter(inventoried=True), label_name="LIC", label="LIC")
    office = CodeField(queryset=Office.objects.all(), label_name="office", required=False)
    date_from = forms.DateField(required=False, label="From")
    date_to = forms.DateField(required=False, label="To")
