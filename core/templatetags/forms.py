"""Form pieces shared by the pages: code pickers (<datalist>) for the forms' code fields.

``{% load forms %}{% code_pickers form formset %}`` renders one ``<datalist id="picker-<name>">``
per picker the given forms (and a formset's empty line) use, each once."""

from __future__ import annotations

from django import forms, template
from django.utils.html import format_html, format_html_join

from core.forms import PickerMixin

register = template.Library()


def _forms(objects):
    for obj in objects:
        if isinstance(obj, forms.BaseFormSet):
            yield obj.empty_form
        elif isinstance(obj, forms.BaseForm):
            yield obj


@register.simple_tag
def code_pickers(*objects) -> str:
    seen: dict[str, PickerMixin] = {}
    for form in _forms(objects):
        for field in form.fields.values():
            if isinstance(field, PickerMixin) and field.picker_name and field.picker_name not in seen:
                seen[field.picker_name] = field
    parts = []
    for name, field in seen.items():
        options = format_html_join("", '<option value="{}">{}</option>', field.picker_options())
        parts.append(format_html('<datalist id="picker-{}">{}</datalist>', name, options))
    return format_html_join("", "{}", ((p,) for p in parts))
