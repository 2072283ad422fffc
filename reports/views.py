"""Report pages (bookmarkable GET forms: django-filter + django-tables2) and their CSV / xlsx
exports. Viewers read every report; the exports need the export permission, like the lot CSV."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import TemplateView, View
from django_filters.views import FilterView
from django_tables2 import RequestConfig, SingleTableMixin

from core import roles
from core.errors import ValidationFailed
from core.mixins import ViewerRequiredMixin
from core.pagination import TABLE_PAGINATION
from inventory_lots.models import Office
from inventory_lots.scope import require_costs, scope_of

from . import exports, selectors
from .filters import REPORTS, within_access
from .tables import VALUATION_TABLES, RollForwardTable, ValuationData, aging_table


class ReportsIndexView(ViewerRequiredMixin, TemplateView):
    template_name = "reports/index.html"


class ReportPage(ViewerRequiredMixin, FilterView):
    """A report's page: its FilterSet reads the GET form (always bound: no parameters means the
    defaults); a bad parameter shows its error on the form and answers 400 with no figures. The
    reports are about money: without "see costs" they answer 403; their figures cover the offices
    the user sees (DOMAIN.md 11)."""

    report: str
    strict = True

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            require_costs(request)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return Office.objects.none()  # the FilterSets filter nothing: the figures come from the selectors

    def get_filterset_kwargs(self, filterset_class):
        return {**super().get_filterset_kwargs(filterset_class), "data": self.request.GET}

    def get_filterset_class(self):
        return REPORTS[self.report][0]

    @cached_property
    def params(self):
        """The report's parameters, or None when the form has an error (then shown on the form)."""
        if not self.filterset.is_valid():
            return None
        try:
            return within_access(REPORTS[self.report][1](self.filterset.form.cleaned_data), scope_of(self.request))
        except ValidationFailed as error:
            self.filterset.form.add_error(error.field, error.errors.get(error.field, [error.message])[0])
            return None

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if self.params is None:
            response.status_code = 400
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["params"] = self.params
        context["query"] = self.request.GET.urlencode()
        return context


class ValuationView(SingleTableMixin, ReportPage):
    """Valuation at a date, by lot, LIC or office, drilling down office -> LIC -> lot -> the lot
    page; beside the totals, the usage not yet allocated and the open accrued COGS at that date."""

    report = "valuation"
    template_name = "reports/valuation.html"
    table_pagination = TABLE_PAGINATION  # capped per_page, no COUNT(*) (core/pagination.py)

    def get_table_class(self):
        return VALUATION_TABLES[self.params.group_by if self.params else "lot"]

    def get_table_data(self):
        params = self.params
        if params is None:
            return []

        def fetch(offset, limit):
            return selectors.valuation_rows(
                as_of=params.as_of, scope=params.scope, group_by=params.group_by, offset=offset, limit=limit
            )

        return ValuationData(fetch)

    def get_table_kwargs(self):
        query = self.request.GET.copy()
        if self.params is not None:  # drill-down links name the date, also when it was today by default
            query["as_of"] = self.params.as_of.isoformat()
        return {**super().get_table_kwargs(), "params": query}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.params
        if params is not None:
            context["totals"] = selectors.valuation_totals(as_of=params.as_of, scope=params.scope)
            data = self.filterset.form.cleaned_data
            context["office"], context["lic"] = data.get("office"), data.get("lic")
        return context


class RollForwardView(ReportPage):
    """Per office and LIC: opening value + lots in + cost changes - COGS - production - transfers
    out - adjustments out = closing value, to the cent."""

    report = "roll_forward"
    template_name = "reports/roll_forward.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.params
        if params is not None:
            report = selectors.roll_forward(date_from=params.date_from, date_to=params.date_to, scope=params.scope)
            table = RollForwardTable(report.rows, totals=report.totals, date_to=params.date_to, params=self.request.GET)
            RequestConfig(self.request, paginate=False).configure(table)
            context.update(report=report, table=table)
        return context


class AgingView(ReportPage):
    """Lots on hand at a date by age (date - lot date) in buckets, quantity and value, per office
    and LIC."""

    report = "aging"
    template_name = "reports/aging.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.params
        if params is not None:
            report = selectors.aging(as_of=params.as_of, scope=params.scope, bounds=params.bounds)
            table = aging_table(report, self.request.GET)
            RequestConfig(self.request, paginate=False).configure(table)
            context.update(report=report, table=table)
        return context


def _refused(error: ValidationFailed) -> HttpResponseBadRequest:
    if error.code == "invalid":
        message = "; ".join(f"{field}: {' '.join(errs)}" for field, errs in error.errors.items())
        return HttpResponseBadRequest(f"Invalid parameters: {message}", content_type="text/plain")
    return HttpResponseBadRequest(error.message, content_type="text/plain")


def export_view(report: str, fmt: str):
    """The page door of a report's export (session, the export permission); a bad parameter is a
    plain-text 400. The API's door (reports.api) serves the same file from the same code."""
    build = exports.csv_response if fmt == "csv" else exports.xlsx_response

    @permission_required(roles.EXPORT, raise_exception=True)
    def view(request):
        require_costs(request)
        try:
            return build(report, request.GET, scope_of(request))
        except ValidationFailed as error:
            return _refused(error)

    view.__name__ = f"{report}_{fmt}"
    return view


# --- the journal (DOMAIN.md 10) -------------------------------------------------------------------


class JournalPageView(SingleTableMixin, ReportPage):
    """The journal lines of a period (or one line per date, office and account), totals that show
    debits = credits, the files, and for accountants a button that records an export."""

    report = "journal"
    template_name = "reports/journal.html"
    table_pagination = TABLE_PAGINATION

    def get_table_class(self):
        from .tables import JournalTable

        return JournalTable

    def get_table_kwargs(self):
        return {**super().get_table_kwargs(), "summary": bool(self.params and self.params.detail == "summary")}

    def get_table_data(self):
        from . import journal

        params = self.params
        if params is None:
            return []
        period = {"date_from": params.date_from, "date_to": params.date_to, "office_ids": params.office_ids}
        if params.detail == "summary":
            return list(journal.summary_lines(**period))
        return list(journal.iter_lines(**period))

    def get_context_data(self, **kwargs):
        from . import journal
        from .models import JournalExport

        context = super().get_context_data(**kwargs)
        params = self.params
        if params is not None:
            context["totals"] = journal.journal_totals(
                date_from=params.date_from, date_to=params.date_to, office_ids=params.office_ids
            )
            exports_ = journal.visible_exports(JournalExport.objects.all(), scope_of(self.request))
            context["exports"] = list(
                exports_.filter(date_from=params.date_from, date_to=params.date_to)
                .select_related("created_by")
                .order_by("-id")[:5]
            )
        return context


class JournalExportPageView(PermissionRequiredMixin, View):
    """POST: record an export of the period's journal (the page's form), then go back to the page,
    which lists the period's exports with their files. The export permission (accountants)."""

    permission_required = roles.EXPORT
    raise_exception = True
    http_method_names = ["post"]

    def post(self, request):
        from . import journal
        from .filters import report_params

        require_costs(request)
        try:
            params = report_params("journal", request.POST, scope_of(request))
            offices = list(Office.objects.filter(pk__in=params.office_ids)) if params.office_ids is not None else []
            if params.office_ids is not None and not offices:  # only offices the user does not see
                raise ValidationFailed("invalid", "Choose an office of yours: the export would cover none.")
            batch = journal.record_journal_export(
                date_from=params.date_from,
                date_to=params.date_to,
                offices=offices,
                detail=params.detail,
                actor=request.user,
            )
        except ValidationFailed as error:
            messages.error(request, error.message)
            return redirect(f"{reverse('reports:journal')}?{request.POST.urlencode()}")
        messages.success(
            request,
            f"Journal export {batch} recorded: {batch.line_count} lines "
            f"({batch.new_line_count} new), debits {batch.debit} = credits {batch.credit}.",
        )
        query = {k: v for k, v in request.POST.items() if k in ("office", "detail")}
        query.update(date_from=params.date_from.isoformat(), date_to=params.date_to.isoformat())
        return redirect(f"{reverse('reports:journal')}?{urlencode(query)}")


def journal_export_file_view(fmt: str):
    build = exports.csv_response if fmt == "csv" else exports.xlsx_response

    @permission_required(roles.EXPORT, raise_exception=True)
    def view(request, pk: int):
        from . import journal
        from .models import JournalExport

        require_costs(request)
        batch = get_object_or_404(journal.visible_exports(JournalExport.objects.all(), scope_of(request)), pk=pk)
        return build(exports.journal_export_sheet(batch))

    view.__name__ = f"journal_export_{fmt}"
    return view
