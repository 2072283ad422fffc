"""FilterSet of the production order list."""

from __future__ import annotations

import django_filters

from inventory_lots.filters import CodeChoiceFilter, ScopedFilterSet, date_range_filters
from inventory_lots.models import LineItemCode, Office

from .models import ProductionOrder, ProductionStatus


class ProductionOrderFilter(ScopedFilterSet):
    number = django_filters.CharFilter(field_name="number", lookup_expr="iexact", label="Number")
    office = CodeChoiceFilter(queryset=Office.objects.all())
    lic = CodeChoiceFilter(queryset=LineItemCode.objects.filter(inventoried=True), label="LIC")
    status = django_filters.ChoiceFilter(choices=ProductionStatus.choices)
    date_from, date_to = date_range_filters()

    class Meta:
        model = ProductionOrder
        fields = ["number", "office", "lic", "status", "date_from", "date_to"]
