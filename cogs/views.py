"""COGS pages: runs (start, list, detail with live progress, entries and CSV) and unallocated
usage with the reason per record."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect
from django.views.generic import DetailView

from core import roles
from core.errors import DomainError
from core.forms import add_domain_error
from core.mixins import ViewerRequiredMixin
from core.spreadsheet import safe_text
from inventory_lots.views import FilteredListView

from . import selectors, services, tasks
from .filters import EntryFilter, RunFilter, UnallocatedFilter
from .forms import RunForm
from .models import CogsRun
from .tables import EntryTable, RunTable, UnallocatedTable


class RunListView(FilteredListView):
    """The runs, and (accountants) the form that starts one: queued for the workers, or run in
    this request."""

    template_name = "cogs/run_list.html"
    table_class = RunTable
    filterset_class = RunFilter

    def get_permission_required(self):
        return [roles.POST_ACCOUNTING] if self.request.method == "POST" else [roles.VIEW]

    def get_queryset(self):
        return selectors.run_list()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = getattr(self, "form", None) or RunForm()
        context["can_run"] = self.request.user.has_perm(roles.POST_ACCOUNTING)
        return context

    def post(self, request, *args, **kwargs):
        form = RunForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            scope = {"office": d["office"], "lic": d["lic"], "date": d["date"], "actor": request.user}
            try:
                if d["wait"]:
                    run = services.run_cogs_now(**scope)
                else:
                    run = services.start_cogs_run(dispatch=tasks.dispatch_run, **scope)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, f"COGS run {run} {run.get_status_display().lower()}.")
                return redirect(run)
        self.form = form
        response = self.get(request, *args, **kwargs)
        response.status_code = 400
        return response


class RunDetailView(FilteredListView):
    """The run, its live progress and what it posted (filterable, CSV)."""

    template_name = "cogs/run_detail.html"
    table_class = EntryTable
    filterset_class = EntryFilter

    def dispatch(self, request, *args, **kwargs):
        try:
            self.run = selectors.run_detail(kwargs["pk"])
        except CogsRun.DoesNotExist as exc:
            raise Http404("No such COGS run.") from exc
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.entry_list().filter(run=self.run)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["run"] = self.run
        context["accruals"] = selectors.run_accruals(self.run)
        return context


class RunProgressView(ViewerRequiredMixin, DetailView):
    """The progress partial the run page polls (htmx) while the run is queued or running."""

    template_name = "cogs/_run_progress.html"
    context_object_name = "run"

    def get_object(self, queryset=None):
        try:
            return selectors.run_detail(self.kwargs["pk"])
        except CogsRun.DoesNotExist as exc:
            raise Http404("No such COGS run.") from exc


class _Echo:
    def write(self, value):
        return value


class RunEntriesCsvView(RunDetailView):
    """Every entry of the run matching the page's filters, streamed."""

    permission_required = roles.EXPORT

    def get(self, request, *args, **kwargs):
        filterset = EntryFilter(request.GET, queryset=self.get_queryset())
        rows = filterset.qs.values_list("id", "kind", "date", "lic__code", "office__code", "lot__number",
                                        "usage_id", "quantity", "value", "unit_cost") if filterset.is_valid() else []
        kinds = dict(selectors.EntryKind.choices)
        writer = csv.writer(_Echo())

        def stream():
            yield writer.writerow(["Entry", "Kind", "Date", "LIC", "Office", "Lot", "Usage", "Quantity", "Value",
                                   "Unit cost"])
            for r in rows.iterator(chunk_size=2000) if rows else []:
                yield writer.writerow([r[0], kinds[r[1]], r[2].isoformat(), safe_text(r[3]), safe_text(r[4]),
                                       safe_text(r[5]), f"U-{r[6]:06d}", r[7], r[8], r[9]])

        response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="cogs-run-{self.run.pk}.csv"'
        return response


class UnallocatedView(FilteredListView):
    template_name = "cogs/unallocated.html"
    table_class = UnallocatedTable
    filterset_class = UnallocatedFilter

    def get_queryset(self):
        return selectors.unallocated_list()

