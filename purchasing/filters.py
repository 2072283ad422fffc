"""FilterSet of the PO list (page and API)."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from inventory_lots.filters import CodeChoiceFilter, ScopedFilterSet, date_range_filters
from inventory_lots.models import Office

from .models import POStatus, PurchaseOrder, Vendor


def search_pos(queryset, name, value):
    """A PO number (``PO-000012``, ``12``) or a vendor code/name."""
    text = (value or "").strip()
    if not text:
        return queryset
    condition = Q(number__iexact=text) | Q(vendor__code__iexact=text) | Q(vendor__name__icontains=text)
    digits = text.upper().removeprefix("PO").lstrip("-")
    if digits.isascii() and digits.isdigit():
        condition |= Q(number=f"PO-{int(digits):06d}")
    return queryset.filter(condition)


class PurchaseOrderFilter(ScopedFilterSet):
    q = django_filters.CharFilter(method=search_pos, label="Search")
    vendor = CodeChoiceFilter(queryset=Vendor.objects.all())
    office = CodeChoiceFilter(queryset=Office.objects.all())
    status = django_filters.ChoiceFilter(choices=POStatus.choices)
    date_from, date_to = date_range_filters()

    class Meta:
        model = PurchaseOrder
        fields = ["q", "vendor", "office", "status", "date_from", "date_to"]
