from __future__ import annotations

from django import forms

from core.forms import CodeField, date_field
from inventory_lots.models import LineItemCode, Office


class RunForm(forms.Form):
    office = CodeField(
        queryset=Office.objects.all(), label_name="office", required=False, help_text="Empty: every office."
    )
    lic = CodeField(
        queryset=LineItemCode.objects.all(),
        label_name="line item code",
        required=False,
        label="LIC",
        help_text="Empty: every LIC.",
    )
    date = date_field(required=False, help_text="Business date; empty: today.")
    wait = forms.BooleanField(required=False, label="Run in this request (no worker)")
