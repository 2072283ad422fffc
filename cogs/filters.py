"""FilterSets of the COGS pages."""

from __future__ import annotations

import django_filters

from inventory_lots.filters import CodeChoiceFilter, StrictBooleanFilter
from inventory_lots.models import InventoryUsage, LineItemCode, Office

from .models import CogsEntry, CogsRun, EntryKind, RunStatus


class RunFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RunStatus.choices)
    office = CodeChoiceFilter(queryset=Office.objects.all())
    lic = CodeChoiceFilter(queryset=LineItemCode.objects.filter(inventoried=True), label="LIC")

    class Meta:
        model = CogsRun
        fields = ["status", "office", "lic"]


class EntryFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=EntryKind.choices)
    lic = CodeChoiceFilter(queryset=LineItemCode.objects.filter(inventoried=True), label="LIC")
    office = CodeChoiceFilter(queryset=Office.objects.all())
    lot = django_filters.NumberFilter(field_name="lot_id", label="Lot id")
    usage = django_filters.NumberFilter(field_name="usage_id", label="Usage id")

    class Meta:
        model = CogsEntry
        fields = ["kind", "lic", "office", "lot", "usage"]


class UnallocatedFilter(django_filters.FilterSet):
    lic = CodeChoiceFilter(queryset=LineItemCode.objects.filter(inventoried=True), label="LIC")
    office = CodeChoiceFilter(queryset=Office.objects.all())
    returns = StrictBooleanFilter(method="filter_returns", label="Returns only")

    class Meta:
        model = InventoryUsage
        fields = ["lic", "office", "returns"]

    def filter_returns(self, queryset, name, value):
        if value is True:
            return queryset.filter(quantity__lt=0)
        if value is False:
            return queryset.filter(quantity__gt=0)
        return queryset
