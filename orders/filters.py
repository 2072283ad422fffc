"""FilterSet of the order list."""

from __future__ import annotations

import django_filters
from django import forms

from inventory_lots.filters import CodeChoiceFilter
from inventory_lots.models import Office

from .models import Customer, Order, OrderStatus


class OrderFilter(django_filters.FilterSet):
    number = django_filters.CharFilter(field_name="number", lookup_expr="iexact", label="Number")
    customer = CodeChoiceFilter(queryset=Customer.objects.all())
    office = CodeChoiceFilter(queryset=Office.objects.all())
    status = django_filters.ChoiceFilter(choices=OrderStatus.choices)
    date_from = django_filters.DateFilter(
        field_name="date", lookup_expr="gte", label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        field_name="date", lookup_expr="lte", label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = Order
        fields = ["number", "customer", "office", "status", "date_from", "date_to"]
