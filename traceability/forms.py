from __future__ import annotations

from django import forms

from core.forms import date_field, unit_cost_field


class UnitCostCorrectionForm(forms.Form):
    """An accountant's manual correction of a lot's unit cost."""

    unit_cost = unit_cost_field(label="New unit cost")
    date = date_field()
    # not required here: the service refuses an empty reason with the same words at every door
    reason = forms.CharField(max_length=200, required=False)


class TraceForm(forms.Form):
    direction = forms.ChoiceField(
        choices=[("down", "Down (where it went)"), ("up", "Up (where it came from)")], required=False
    )
    depth = forms.IntegerField(min_value=1, max_value=20, required=False)


class SerialSearchForm(forms.Form):
    """Where is serial number X: the serial number, and optionally the LIC (serials are unique
    per LIC, so one number may be found under several)."""

    serial_number = forms.CharField(max_length=80, required=False)
    lic = forms.CharField(max_length=40, required=False, label="LIC")
