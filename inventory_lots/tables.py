"""Tables of the lot and usage lists. Sortable columns are those an index serves."""

from __future__ import annotations

import django_tables2 as tables
from django.db.models import F, Func

from core.templatetags.money import money, qty, ucost

from .models import USAGE_COGS_COLUMNS, USAGE_COLUMNS, InventoryUsage, Lot


class QtyColumn(tables.Column):
    attrs = {"td": {"class": "text-end font-monospace"}, "th": {"class": "text-end"}}

    def render(self, value):
        return qty(value)


class MoneyColumn(QtyColumn):
    def render(self, value):
        return money(value)


class UnitCostColumn(QtyColumn):
    def render(self, value):
        return ucost(value)


def without_costs(request, table_class) -> dict:
    """Table kwargs leaving out the money columns (MoneyColumn, UnitCostColumn) for a user without
    "see costs" (DOMAIN.md section 11); row templates test ``can_see_costs`` the same way."""
    from .scope import scope_of

    if scope_of(request).see_costs:
        return {}
    money = tuple(
        name for name, column in table_class.base_columns.items() if isinstance(column, (MoneyColumn, UnitCostColumn))
    )
    return {"exclude": money}


def in_memory_order(fields: tuple[str, ...], descending: bool) -> list:
    """ORDER BY terms for ``fields`` that no index provides (``date + 0``, ``id + 0``: the same
    order), so PostgreSQL reads a small filtered set by the filter's own index and sorts it,
    instead of walking the ordering index until it meets a page of matches."""
    terms = []
    for name in fields:
        expression = Func(F(name), template="(%(expressions)s + 0)")
        terms.append(expression.desc() if descending else expression.asc())
    return terms


class LotTable(tables.Table):
    """``sort_window``: the view knows the filtered set is small (the totals query counted at most
    TOTALS_LIMIT lots) and that the page shows rows up to ``sort_window``. The page's lots are then
    chosen by a subquery that sorts the set's ids in memory, reading (date, id) from the filter's
    own index, and only those lots' rows are fetched: ~1.4 ms for 2,200 lots of 11 LICs, against
    ~14 ms sorting the full rows and ~40 ms walking the date index until 51 of them turn up."""

    number = tables.Column(linkify=True, verbose_name="Lot", order_by=("id",))
    type = tables.Column(orderable=False)
    status = tables.Column(orderable=False)
    office = tables.Column(accessor="office__code", verbose_name="Office", orderable=False)
    lic = tables.Column(accessor="lic__code", verbose_name="LIC", orderable=False)
    description = tables.Column(accessor="lic__description", orderable=False)
    date = tables.Column(order_by=("date", "id"))
    parent_order_label = tables.Column(verbose_name="Parent order", orderable=False)
    qty_in = QtyColumn(verbose_name="Qty in", orderable=False)
    qty_available = QtyColumn(verbose_name="Available", orderable=False)
    unit_cost = UnitCostColumn(verbose_name="Unit cost", orderable=False)
    value_available = MoneyColumn(verbose_name="Value available", orderable=False, empty_values=())

    class Meta:
        model = Lot
        fields = ()
        sequence = (
            "number",
            "type",
            "status",
            "office",
            "lic",
            "description",
            "date",
            "parent_order_label",
            "qty_in",
            "qty_available",
            "unit_cost",
            "value_available",
        )
        order_by = ("-date",)
        attrs = {"class": "table table-sm table-hover align-middle"}
        template_name = "inventory_lots/_lot_table.html"

    SORT_FIELDS = {"date": ("date", "id"), "number": ("id",)}  # each sortable column's ORDER BY fields

    def __init__(self, *args, sort_window: int | None = None, **kwargs):
        self.sort_window = sort_window
        self._unwindowed = None  # the filtered set before any windowing (ordering runs in __init__)
        self._windowed_for = None  # the ordering (OrderByTuple) the data is windowed for
        super().__init__(*args, **kwargs)

    def _order(self, queryset, is_descending):
        """The hook of every sortable column: with a window, one subquery for the whole ordering
        (all its columns, e.g. ``?sort=-number&sort=date``), built at the first hook of a pass."""
        if self.sort_window is None:
            return queryset, False  # django-tables2's own ORDER BY (index order)
        if self._windowed_for is self._order_by:
            return queryset, True  # this ordering's other columns: already in the window's ORDER BY
        # the table orders once by Meta.order_by, then again by ?sort=: window the unwindowed set
        if self._unwindowed is None:
            self._unwindowed = queryset
        fields: list[str] = []
        order = []
        for alias in self._order_by:
            descending = alias.startswith("-")
            new = [f for f in self.SORT_FIELDS[alias.lstrip("-")] if f not in fields]
            fields.extend(new)
            order.extend(in_memory_order(tuple(new), descending))
        self._windowed_for = self._order_by
        base = self._unwindowed
        page_ids = base.order_by(*order).values("pk")[: self.sort_window]
        return base.filter(pk__in=page_ids).order_by(*order), True

    def order_date(self, queryset, is_descending):
        return self._order(queryset, is_descending)

    def order_number(self, queryset, is_descending):
        return self._order(queryset, is_descending)

    def render_value_available(self, record):
        return money(record.value_in - record.value_used)


class UsageColumns(tables.Table):
    """The columns of USAGE_COLUMNS (and the usage's number, linked): the base of every usage table."""

    id = tables.Column(linkify=True, verbose_name="Usage", order_by=("id",))
    date = tables.Column(order_by=("date", "id"))
    kind = tables.Column(orderable=False)
    office = tables.Column(accessor="office__code", verbose_name="Office", orderable=False)
    lic = tables.Column(accessor="lic__code", verbose_name="LIC", orderable=False)
    source_label = tables.Column(verbose_name="Source", orderable=False)
    quantity = QtyColumn(orderable=False)


class UsageTable(UsageColumns):
    allocated_quantity = QtyColumn(verbose_name="Allocated", orderable=False)
    unallocated_quantity = QtyColumn(verbose_name="Unallocated", orderable=False)
    cogs_value = MoneyColumn(verbose_name="COGS", orderable=False)

    class Meta:
        model = InventoryUsage
        fields = ()
        sequence = ("id", *USAGE_COLUMNS, *USAGE_COGS_COLUMNS)
        order_by = ("-date",)
        attrs = {"class": "table table-sm table-hover align-middle"}
        template_name = "inventory_lots/_usage_table.html"

    def render_id(self, record):
        return str(record)
