"""FilterSet of the order list."""

from __future__ import annotations

import django_filters

from inventory_lots.filters import CodeChoiceFilter, ScopedFilterSet, date_range_filters
from inventory_lots.models import Office

from .models import Customer, Order, OrderStatus


class OrderFilter(ScopedFilterSet):
    number = django_filters.CharFilter(field_name="number", lookup_expr="iexact", label="Number")
    customer = CodeChoiceFilter(queryset=Customer.objects.all())
    office = CodeChoiceFilter(queryset=Office.objects.all())
    status = django_filters.ChoiceFilter(choices=OrderStatus.choices)
    date_from, date_to = date_range_filters()

    class Meta:
        model = Order
        fields = ["number", "customer", "office", "status", "date_from", "date_to"]
