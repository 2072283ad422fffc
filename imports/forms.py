from __future__ import annotations

from django import forms

from core.forms import money_field

from .models import ImportKind


class UploadForm(forms.Form):
    kind = forms.ChoiceField(choices=ImportKind.choices)
    file = forms.FileField(help_text="CSV (UTF-8) or xlsx, with the template's header row.")


class CommitForm(forms.Form):
    control_total = money_field(
        required=False,
        label="Control total",
        help_text="Optional: the total value (opening stock) or the number of records you expect; "
        "the import is refused if the file's differs.",
    )


class ReverseForm(forms.Form):
    reason = forms.CharField(max_length=200)
