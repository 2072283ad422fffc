"""Form helpers shared by every app: master data typed by code, decimals with exact places,
and mapping a DomainError onto a form."""

from __future__ import annotations

from django import forms

from core.codes import by_code
from core.errors import DomainError
from core.money import MAX_DIGITS, MONEY_PLACES, QTY_PLACES, UNIT_COST_PLACES
from core.text import clean_text


class CodeField(forms.CharField):
    """A master-data record typed by its code (matched ignoring case: core.codes.by_code); unknown
    codes are a clear field error."""

    def __init__(self, *, queryset, label_name: str, **kwargs):
        self.queryset = queryset
        self.label_name = label_name
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)

    def clean(self, value):
        code = super().clean(value)
        if not code:
            return None
        obj = by_code(self.queryset, code)
        if obj is None:
            raise forms.ValidationError(f"Unknown {self.label_name} “{code}”.", code="unknown_code")
        return obj


class CodeChoiceField(forms.ModelChoiceField):
    """A master-data record chosen by its code (a select, or typed in a list filter), matched
    ignoring case like every other door (core.codes.by_code); unknown codes are a clear field error."""

    default_error_messages = {"invalid_choice": "Unknown code “%(value)s”."}

    def __init__(self, queryset, **kwargs):
        kwargs.setdefault("to_field_name", "code")
        super().__init__(queryset, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        value = str(value).strip()
        obj = by_code(self.queryset, value)
        if obj is None:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                        params={"value": value})
        return obj


class TextField(forms.CharField):
    """Free text (a name, description, reason): stored without Unicode bidirectional controls
    (core.text.clean_text), like the API and the services store it."""

    def to_python(self, value):
        value = super().to_python(value)
        return clean_text(value) if value not in self.empty_values else value


def quantity_field(**kwargs) -> forms.DecimalField:
    return forms.DecimalField(max_digits=MAX_DIGITS, decimal_places=QTY_PLACES, **kwargs)


def unit_cost_field(**kwargs) -> forms.DecimalField:
    kwargs.setdefault("min_value", 0)
    return forms.DecimalField(max_digits=MAX_DIGITS, decimal_places=UNIT_COST_PLACES, **kwargs)


def money_field(**kwargs) -> forms.DecimalField:
    return forms.DecimalField(max_digits=MAX_DIGITS, decimal_places=MONEY_PLACES, **kwargs)


def date_field(**kwargs) -> forms.DateField:
    return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **kwargs)


def add_domain_error(form: forms.Form, error: DomainError, formset=None) -> None:
    """Show a service's refusal on the form: on its field when the form has it, on the line's
    form for ``lines[i].field`` keys, else as a non-field error."""
    field = error.field or ""
    if field.startswith("lines[") and formset is not None:
        index = int(field[6 : field.index("]")])
        line_field = field[field.index("].") + 2 :]
        forms_ = [f for f in formset.forms if f.has_changed()]
        if index < len(forms_):
            target = forms_[index]
            target.add_error(line_field if line_field in target.fields else None, error.message)
            return
    form.add_error(field if field in form.fields else None, error.message)
