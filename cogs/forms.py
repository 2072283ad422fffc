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

    def __init__(self, *args, scope=None, **kwargs):
        super().__init__(*args, **kwargs)
        if scope is not None and not scope.all_offices:
            # an office the user may not post in, or every office, is refused (403) by the service
            self.fields["office"].help_text = "One of your offices (a run over every office needs them all)."
