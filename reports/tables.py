"""Tables of the report pages. Rows are the selectors' dataclasses; nothing is sortable (a report
has its order: office, LIC, lot date). The valuation's rows are read a page at a time
(``ValuationData``: one query per page, LazyPaginator never counts)."""

from __future__ import annotations

from collections.abc import Callable

import django_tables2 as tables
from django.http import QueryDict
from django.urls import reverse
from django.utils.formats import localize
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django_tables2.utils import signature

from core.templatetags.money import money, qty
from inventory_lots.tables import MoneyColumn, QtyColumn, UnitCostColumn

from . import selectors


class ValuationData(tables.data.TableData):
    """The valuation's rows for django-tables2, read by slice: ``fetch(offset, limit)`` runs one
    query (LIMIT/OFFSET in report order) per page."""

    def __init__(self, fetch: Callable[[int, int | None], list]):
        super().__init__([])
        self.fetch = fetch

    def __getitem__(self, key):
        if isinstance(key, slice):
            start = key.start or 0
            return self.fetch(start, None if key.stop is None else max(key.stop - start, 0))
        return self.fetch(key, 1)[0]

    def __iter__(self):
        return iter(self.fetch(0, None))

    def __len__(self):  # only an unpaginated table asks; the report pages paginate lazily
        return len(self.fetch(0, None))

    def order_by(self, aliases):
        return None


def drill_url(params: QueryDict, **changes) -> str:
    """The valuation page with ``params`` changed: drill-down links keep the date and the type."""
    query = params.copy()
    for name in ("page", "per_page"):
        query.pop(name, None)
    for name, value in changes.items():
        query[name] = value
    return f"{reverse('reports:valuation')}?{query.urlencode()}"


LOT_PLACEHOLDER = 987654321987  # stands for the lot id in the lot page's URL, reversed once


class ReportMeta:
    orderable = False  # a report has its order
    attrs = {"class": "table table-sm table-hover align-middle"}


class ReportTable(tables.Table):
    """``params``: the page's GET parameters (drill-down links keep them)."""

    def __init__(self, *args, params: QueryDict | None = None, **kwargs):
        self.params = params if params is not None else QueryDict()
        super().__init__(*args, **kwargs)

    Meta = ReportMeta


class PythonRowsTable(ReportTable):
    """Renders its body rows in Python (``rows_html``, reports/templates/reports/_python_rows_table.html),
    to the markup django-tables2's template writes: a page is 50 rows x up to 9 cells, and the
    per-cell path (a signature() of the render method, the column's attrs, template lookups for
    each cell) was most of the valuation page's time (docs/performance.md). Each column's renderer
    and td attributes are resolved once per table; cells follow django-tables2's rules: an empty
    value (``empty_values``) shows the column's default, a render method gets the arguments it names,
    ``{{ cell }}`` localizes and escapes."""

    class Meta(ReportMeta):
        template_name = "reports/_python_rows_table.html"

    def _cell_renderers(self) -> list:
        out = []
        for bound in self.columns:
            render = bound.render
            names, catch_all = signature(render)
            out.append((bound.attrs["td"].as_html(), bound.accessor, bound.column, bound, render, names, catch_all))
        return out

    def rows_html(self) -> SafeString:
        columns = self._cell_renderers()
        parts = []
        for counter, row in enumerate(self.paginated_rows):
            record = row.record
            cells = []
            for td, accessor, column, bound, render, names, catch_all in columns:
                value = accessor.resolve(record, quiet=True)
                if value in column.empty_values:
                    content = bound.default
                else:
                    kwargs = {"value": value, "record": record, "column": column, "bound_column": bound}
                    kwargs.update(bound_row=row, table=self)
                    content = render(**(kwargs if catch_all else {k: kwargs[k] for k in names}))
                cells.append(f"<td {td}>{conditional_escape(localize(content))}</td>")
            parts.append(f'<tr class="{"odd" if counter % 2 else "even"}">{"".join(cells)}</tr>')
        return mark_safe("".join(parts))  # noqa: S308 - every cell went through conditional_escape


class ValuationLotTable(PythonRowsTable):
    Meta = PythonRowsTable.Meta

    office = tables.Column()
    lic = tables.Column(verbose_name="LIC")
    description = tables.Column()
    lot_number = tables.Column(verbose_name="Lot")
    type = tables.Column()
    date = tables.Column()
    unit_cost = UnitCostColumn(verbose_name="Unit cost")
    quantity = QtyColumn(verbose_name="On hand")
    value = MoneyColumn(verbose_name="Value")

    def render_lot_number(self, record):
        if not hasattr(self, "_lot_url"):  # one reverse() per table, not per row
            self._lot_url = reverse("inventory_lots:lot_detail", args=[LOT_PLACEHOLDER])
        url = self._lot_url.replace(str(LOT_PLACEHOLDER), str(record.lot_id))
        return format_html('<a href="{}" data-lot="{}">{}</a>', url, record.lot_id, record.lot_number)

    def render_type(self, value):
        return value.capitalize()


class ValuationLicTable(PythonRowsTable):
    Meta = PythonRowsTable.Meta

    office = tables.Column()
    lic = tables.Column(verbose_name="LIC")
    description = tables.Column()
    lots = tables.Column(attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}})
    quantity = QtyColumn(verbose_name="On hand")
    value = MoneyColumn(verbose_name="Value")

    def render_office(self, record):
        return format_html(
            '<a href="{}">{}</a>', drill_url(self.params, group_by="lic", office=record.office), record.office
        )

    def render_lic(self, record):
        url = drill_url(self.params, group_by="lot", office=record.office, lic=record.lic)
        return format_html('<a href="{}" data-drill="lic">{}</a>', url, record.lic)


class ValuationOfficeTable(PythonRowsTable):
    Meta = PythonRowsTable.Meta

    office = tables.Column()
    lots = tables.Column(attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}})
    quantity = QtyColumn(verbose_name="On hand")
    value = MoneyColumn(verbose_name="Value")

    def render_office(self, record):
        url = drill_url(self.params, group_by="lic", office=record.office)
        return format_html('<a href="{}" data-drill="office">{}</a>', url, record.office)


VALUATION_TABLES = {"lot": ValuationLotTable, "lic": ValuationLicTable, "office": ValuationOfficeTable}


def _total(name: str, render=money):
    """A footer showing the table's ``totals`` figure ``name``."""
    return lambda table: render(getattr(table.totals, name))


class Figure(MoneyColumn):
    attrs = {**MoneyColumn.attrs, "tf": {"class": "text-end font-monospace fw-bold"}}


class Quantity(QtyColumn):
    attrs = {**QtyColumn.attrs, "tf": {"class": "text-end font-monospace fw-bold"}}


class RollForwardTable(ReportTable):
    """Per office and LIC, the totals in the footer. The LIC links to the valuation of its lots at
    the period's end."""

    Meta = ReportMeta

    office = tables.Column(footer="Total")
    lic = tables.Column(verbose_name="LIC")
    description = tables.Column()
    opening_value = Figure(verbose_name="Opening", footer=_total("opening_value"))
    lots_in = Figure(verbose_name="Lots in", footer=_total("lots_in"))
    cost_changes = Figure(verbose_name="Cost changes", footer=_total("cost_changes"))
    cogs = Figure(verbose_name="COGS", footer=_total("cogs"))
    production = Figure(verbose_name="Production", footer=_total("production"))
    transfers_out = Figure(verbose_name="Transfers out", footer=_total("transfers_out"))
    adjustments_out = Figure(verbose_name="Adjustments out", footer=_total("adjustments_out"))
    closing_value = Figure(verbose_name="Closing", footer=_total("closing_value"))

    def __init__(self, *args, totals: selectors.RollForwardRow, date_to, **kwargs):
        self.totals, self.date_to = totals, date_to
        super().__init__(*args, **kwargs)

    def render_lic(self, record):
        url = drill_url(
            QueryDict(), as_of=self.date_to.isoformat(), office=record.office, lic=record.lic, group_by="lot"
        )
        return format_html('<a href="{}" data-drill="lic">{}</a>', url, record.lic)


def aging_table(report: selectors.Aging, params: QueryDict) -> ReportTable:
    """A quantity and a value column per bucket, then the row's totals; the report's totals in the
    footer."""
    rows = [
        {
            "office": r.office,
            "lic": r.lic,
            "description": r.description,
            **{f"q{i}": q for i, q in enumerate([*r.quantities, r.quantity])},
            **{f"v{i}": v for i, v in enumerate([*r.values, r.value])},
        }
        for r in report.rows
    ]
    totals = report.totals
    columns = []
    for i, (label, quantity, value) in enumerate(
        zip([*report.labels, "total"], [*totals.quantities, totals.quantity], [*totals.values, totals.value])
    ):
        columns.append((f"q{i}", Quantity(verbose_name=f"Qty {label}", footer=qty(quantity))))
        columns.append((f"v{i}", Figure(verbose_name=f"Value {label}", footer=money(value))))
    return AgingTable(rows, params=params, extra_columns=columns)


class AgingTable(ReportTable):
    Meta = ReportMeta

    office = tables.Column(footer="Total")
    lic = tables.Column(verbose_name="LIC")
    description = tables.Column()


class JournalTable(tables.Table):
    """The journal's lines (or summary lines): debit and credit, the record behind each line."""

    date = tables.DateColumn(format="Y-m-d")
    office = tables.Column()
    account = tables.Column()
    account_name = tables.Column(verbose_name="Account name", empty_values=())
    debit = MoneyColumn()
    credit = MoneyColumn()
    lic = tables.Column(verbose_name="LIC", default="")
    source_label = tables.Column(verbose_name="Source", default="")
    memo = tables.Column(default="")

    class Meta(ReportMeta):
        pass

    def __init__(self, *args, summary: bool = False, **kwargs):
        exclude = ("lic", "source_label", "memo") if summary else ()
        super().__init__(*args, exclude=exclude, **kwargs)
