"""FilterSets of the lot and usage lists (also used by the API: same names as API.md)."""

from __future__ import annotations

import re

import django_filters
from django import forms
from django.db.models import Q

from core.errors import ValidationFailed
from core.forms import CodeChoiceField  # the one code lookup of every door (core.codes.by_code)

from .models import InventoryUsage, LineItemCode, Lot, LotStatus, LotType, Office, UsageKind

_LOT_NUMBER = re.compile(r"^(PL|PR)-?(\d+)$", re.IGNORECASE)


class CodeChoiceFilter(django_filters.ModelChoiceFilter):
    """Master data by its code, typed (a select of 5,000 LICs is no use); an unknown code is a
    form error, never a silently empty list."""

    field_class = CodeChoiceField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("to_field_name", "code")
        kwargs.setdefault("widget", forms.TextInput(attrs={"placeholder": "code"}))
        super().__init__(*args, **kwargs)


def invalid_filter(errors: dict) -> ValidationFailed:
    """A FilterSet's errors as the API answers a bad list filter: 400 ``invalid``, ``{field}:
    {message}``, every message by field (for the exports, which filter without DRF's backend)."""
    flat = {field: [str(m) for m in messages] for field, messages in errors.items()}
    field, messages = next(iter(flat.items()))
    return ValidationFailed("invalid", f"{field}: {messages[0]}", field=field, errors=flat)


class StrictNullBooleanSelect(forms.NullBooleanSelect):
    """The Yes/No/Unknown select of a boolean filter, passing the submitted text on as it came so the
    field can refuse what it does not understand (Django's select reads "maybe" as Unknown). The
    empty choice reads "Any" (no filter), not Django's "Unknown"."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("", "Any"), ("true", "Yes"), ("false", "No")]

    def format_value(self, value):
        shown = super().format_value(value)
        return "" if shown == "unknown" else shown

    def value_from_datadict(self, data, files, name):
        return data.get(name)


class StrictNullBooleanField(forms.NullBooleanField):
    """true/false (and the select's own values); empty or "unknown" means no filter; anything
    else is a field error (an API 400, a form error on the page), never a silently ignored filter."""

    widget = StrictNullBooleanSelect
    TRUE = {"true", "1", "2"}  # "2"/"3": the values older NullBooleanSelect forms sent
    FALSE = {"false", "0", "3"}
    default_error_messages = {"invalid": "Enter true or false."}

    def to_python(self, value):
        if value is None or isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("", "unknown"):
            return None
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictNullBooleanField


def date_range_filters(field_name: str = "date") -> tuple[django_filters.DateFilter, django_filters.DateFilter]:
    """The From/To pair every list filters its documents' dates with (bookmarkable GET params)."""
    widget = {"widget": forms.DateInput(attrs={"type": "date"})}
    return (
        django_filters.DateFilter(field_name=field_name, lookup_expr="gte", label="From", **widget),
        django_filters.DateFilter(field_name=field_name, lookup_expr="lte", label="To", **widget),
    )


LOT_SEARCHES: list = []  # functions (text) -> Q | None, registered by the apps that own documents


def register_lot_search(search) -> None:
    """An app that owns document numbers (purchasing: PO and receipt; orders: customer order;
    production: production order) adds a search that turns a number into a lot condition. The
    number is matched upper-cased on its unique index: numbers are stored upper case, so
    ``po-000001`` finds PO-000001 without a scan. inventory_lots imports no app above it."""
    if search not in LOT_SEARCHES:
        LOT_SEARCHES.append(search)


def search_lots(queryset, name, value):
    """Free text, case-insensitive: a lot number (``PL-000123``, ``pl123``, ``123``), a LIC
    code/description, or the number of the PO, receipt, customer order or production order a lot
    came from (LOT_SEARCHES)."""
    text = (value or "").strip()
    if not text:
        return queryset
    documents = [q for q in (search(text.replace(" ", "").upper()) for search in LOT_SEARCHES) if q is not None]
    # LICs are few: resolve them first so the lot query is a plain indexed IN / equality
    lic_ids = list(
        LineItemCode.objects.filter(Q(code__icontains=text) | Q(description__icontains=text)).values_list(
            "pk", flat=True
        )[:1000]
    )
    numbers = []
    match = _LOT_NUMBER.match(text.replace(" ", ""))
    if match:
        numbers = [f"{match.group(1).upper()}-{int(match.group(2)):06d}"]
    elif text.isascii() and text.isdigit():  # "²".isdigit() is true and int("²") fails
        numbers = [f"PL-{int(text):06d}", f"PR-{int(text):06d}"]
    if not lic_ids and not numbers and not documents:
        return queryset.none()
    condition = Q(pk__in=[])
    for document in documents:
        condition |= document
    if lic_ids:
        condition |= Q(lic_id__in=lic_ids)
    if numbers:
        condition |= Q(number__in=numbers)
    return queryset.filter(condition)


class ScopedFilterSet(django_filters.FilterSet):
    """A list's filters whose ``office`` filter knows only the offices the user sees (an office
    they do not see is an unknown code). The scope comes from ``scope=`` or the request."""

    def __init__(self, *args, scope=None, **kwargs):
        super().__init__(*args, **kwargs)
        from .scope import EVERYTHING, scope_of

        if scope is None:
            scope = scope_of(self.request) if self.request is not None else EVERYTHING
        if "office" in self.filters:
            self.filters["office"].queryset = Office.objects.visible_to(scope)


class LotFilter(ScopedFilterSet):
    q = django_filters.CharFilter(method=search_lots, label="Search")
    lic = CodeChoiceFilter(queryset=LineItemCode.objects.filter(inventoried=True), label="LIC")
    office = CodeChoiceFilter(queryset=Office.objects.all())
    status = django_filters.ChoiceFilter(choices=LotStatus.choices)
    type = django_filters.ChoiceFilter(choices=LotType.choices)
    parent_order = django_filters.CharFilter(
        field_name="parent_order_label", lookup_expr="iexact", label="Parent order"
    )
    date_from, date_to = date_range_filters()

    class Meta:
        model = Lot
        fields = ["q", "lic", "office", "status", "type", "parent_order", "date_from", "date_to"]


class UsageFilter(ScopedFilterSet):
    lic = CodeChoiceFilter(queryset=LineItemCode.objects.filter(inventoried=True), label="LIC")
    office = CodeChoiceFilter(queryset=Office.objects.all())
    kind = django_filters.ChoiceFilter(choices=UsageKind.choices)
    unallocated = StrictBooleanFilter(method="filter_unallocated", label="Unallocated only")
    date_from, date_to = date_range_filters()

    class Meta:
        model = InventoryUsage
        fields = ["lic", "office", "kind", "unallocated", "date_from", "date_to"]

    def filter_unallocated(self, queryset, name, value):
        if value is True:
            return queryset.unallocated()
        if value is False:
            return queryset.fully_allocated()
        return queryset
