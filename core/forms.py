"""Form helpers shared by every app: master data typed by code (with a code picker), decimals
with exact places, posting dates (today, ISO), line formsets with plain-language errors, the
confirmation step of irreversible actions, and mapping a DomainError onto a form."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import PermissionDenied

from core.codes import by_code
from core.errors import DomainError, OfficeNotPermitted
from core.money import MAX_DIGITS, MONEY_PLACES, QTY_PLACES, UNIT_COST_PLACES
from core.text import clean_text

# A picker (an HTML <datalist>) offers at most this many codes; beyond it the clerk types the code.
PICKER_LIMIT = 500


class PickerMixin:
    """A text field with a code picker: the page renders ``<datalist id="picker-<name>">`` (the
    ``code_pickers`` tag) with each code and its description, and the input names it in ``list``."""

    picker_name = ""
    picker_label_fields = ("description", "name")

    def picker_queryset(self):
        return self.queryset.order_by("code")

    def picker_options(self) -> list[tuple[str, str]]:
        """(code, description) pairs, active records only where the model says."""
        qs = self.picker_queryset()
        names = {f.name for f in qs.model._meta.get_fields()}
        value = "code" if "code" in names else "number"
        label = next((f for f in self.picker_label_fields if f in names), value)
        if "active" in names:
            qs = qs.filter(active=True)
        return [(v, lab or "") for v, lab in qs.values_list(value, label)[:PICKER_LIMIT]]

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if self.picker_name:
            attrs["list"] = f"picker-{self.picker_name}"
            attrs["autocomplete"] = "off"
        return attrs


class CodeField(PickerMixin, forms.CharField):
    """A master-data record typed by its code (matched ignoring case: core.codes.by_code); unknown
    codes are a clear field error. The page offers a picker of the codes (``picker`` names it;
    default: the model's name)."""

    def __init__(self, *, queryset, label_name: str, picker: str | None = None, **kwargs):
        self.queryset = queryset
        self.label_name = label_name
        self.picker_name = picker or queryset.model._meta.model_name
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
    # where a typed code is looked up when it differs from the choices offered (None: the choices)
    lookup_queryset = None

    def __init__(self, queryset, **kwargs):
        kwargs.setdefault("to_field_name", "code")
        super().__init__(queryset, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        value = str(value).strip()
        obj = by_code(self.queryset if self.lookup_queryset is None else self.lookup_queryset, value)
        if obj is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            )
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


class ISODateField(forms.DateField):
    """A date in ``<input type=date>``: its value is always ISO (YYYY-MM-DD), the only format the
    browser accepts. Templates print ``field.value``; a date object there was localized
    ("Dec. 1, 2026"), which the browser dropped, so the field looked empty and the post failed."""

    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    def prepare_value(self, value):
        if isinstance(value, datetime.datetime):
            value = value.date()
        if isinstance(value, datetime.date):
            return value.isoformat()
        return value


def date_field(**kwargs) -> forms.DateField:
    """A posting date: pre-filled with today unless ``initial`` says otherwise (``initial=None``:
    empty)."""
    kwargs.setdefault("initial", datetime.date.today)
    return ISODateField(**kwargs)


MSG_AT_LEAST_ONE_LINE = "Enter at least one line."
MSG_AT_MOST_LINES = "Enter at most %(num)d lines."
MSG_FORM_INCOMPLETE = "The form was incomplete: reload the page and try again."


class LineFormSet(forms.BaseFormSet):
    """The lines of a document, with errors in sentences instead of Django's formset jargon."""

    default_error_messages = {
        "missing_management_form": MSG_FORM_INCOMPLETE,
        "too_many_forms": MSG_AT_MOST_LINES,
        "too_few_forms": MSG_AT_LEAST_ONE_LINE,
    }

    def full_clean(self):
        super().full_clean()
        if self.is_bound and not self.management_form.is_valid():
            # Django's min-lines check replaces the management error; a tampered form says only this
            self._non_form_errors = self.error_class(
                [MSG_FORM_INCOMPLETE], error_class="nonform", renderer=self.renderer
            )


def line_formset_factory(form, *, extra: int = 3, min_num: int = 1, **kwargs):
    """A formset of document lines: ``extra`` empty lines shown, more added on the page ("Add
    line", static/js/forms.js clones ``formset.empty_form``), at least ``min_num`` filled in."""
    return forms.formset_factory(
        form, formset=LineFormSet, extra=extra, min_num=min_num, validate_min=min_num > 0, **kwargs
    )


CONFIRM_VALUE = "yes"


def confirmed(request) -> bool:
    """Irreversible actions post twice: the first submit shows what becomes impossible afterwards
    (includes/confirm.html), the second carries ``confirm=yes`` (like the lock date)."""
    return request.POST.get("confirm") == CONFIRM_VALUE


def add_domain_error(form: forms.Form, error: DomainError, formset=None) -> None:
    """Show a service's refusal on the form: on its field when the form has it, on the line's
    form for ``lines[i].field`` keys, else as a non-field error. Posting in an office the user may
    not post in is no form error but a refusal: 403, like every other door."""
    if isinstance(error, OfficeNotPermitted):
        raise PermissionDenied(error.message) from error
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
