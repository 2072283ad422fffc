"""FilterSet of the production order list."""

from __future__ import annotations

import django_filters
from django import forms

from inventory_lots.filters import CodeChoiceFilter
from inventory_lots.models import LineItemCode, Office

from .models import ProductionOrder, ProductionStatus


class ProductionOrderFilter(django_filters.FilterSet):
    number = django_filters.CharFilter(field_name="number", lookup_expr="iexact", label="Number")
    office = CodeChoiceFilter(queryset=Office.objects.all())
    lic = CodeChoiceFilter(queryset=LineItemCode.objects.filter(inventoried=True), label="LIC")
    status = django_filters.ChoiceFilter(choices=ProductionStatus.choices)
    date_from = django_filters.DateFilter(
        field_name="date", lookup_expr="gte", label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        field_name="date", lookup_expr="lte", label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = ProductionOrder
        fields = ["number", "office", "lic", "status", "date_from", "date_to"]
