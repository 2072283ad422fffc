"""COGS pages: runs (start, list, detail with live progress, entries and CSV) and unallocated
usage with the reason per record."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect
from django.views.generic import DetailView, View

from core import roles
from core.errors import DomainError, NotPermitted, ValidationFailed
from core.forms import add_domain_error
from core.mixins import ViewerRequiredMixin
from inventory_lots.scope import require_costs, scope_of
from inventory_lots.views import FilteredListView

from . import exports, selectors, services, tasks
from .filters import EntryFilter, RunFilter, UnallocatedFilter
from .forms import RunForm
from .models import CogsRun
from .tables import EntryTable, RunTable, UnallocatedTable


class CostsRequiredMixin:
    """The COGS pages are about money: without "see costs" they answer 403 (DOMAIN.md 11)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            require_costs(request)
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]  # a mixin of a View


class RunListView(CostsRequiredMixin, FilteredListView):
    """The runs, and (accountants) the form that starts one: queued for the workers, or run in
    this request."""

    template_name = "cogs/run_list.html"
    table_class = RunTable
    filterset_class = RunFilter

    def get_permission_required(self):
        return [roles.POST_ACCOUNTING] if self.request.method == "POST" else [roles.VIEW]

    def get_queryset(self):
        return selectors.run_list(scope_of(self.request))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = getattr(self, "form", None) or RunForm(scope=scope_of(self.request))
        context["can_run"] = self.request.user.has_perm(roles.POST_ACCOUNTING)
        return context

    def post(self, request, *args, **kwargs):
        form = RunForm(request.POST, scope=scope_of(request))
        if form.is_valid():
            d = form.cleaned_data
            scope = {"office": d["office"], "lic": d["lic"], "date": d["date"], "actor": request.user}
            try:
                if d["wait"]:
                    run = services.run_cogs_now(**scope)
                else:
                    run = services.start_cogs_run(dispatch=tasks.dispatch_run, **scope)
            except NotPermitted as error:
                raise PermissionDenied(error.message) from error
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, f"COGS run {run} {run.get_status_display().lower()}.")
                return redirect(run)
        self.form = form
        response = self.get(request, *args, **kwargs)
        response.status_code = 400
        return response


class RunDetailView(CostsRequiredMixin, FilteredListView):
    """The run, its live progress and what it posted (filterable, CSV)."""

    template_name = "cogs/run_detail.html"
    table_class = EntryTable
    filterset_class = EntryFilter

    def dispatch(self, request, *args, **kwargs):
        try:
            self.run = selectors.run_detail(kwargs["pk"], scope_of(request))
        except CogsRun.DoesNotExist as exc:
            raise Http404("No such COGS run.") from exc
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.entry_list(scope_of(self.request)).filter(run=self.run)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["run"] = self.run
        context["accruals"] = selectors.run_accruals(self.run)
        return context


class RunProgressView(CostsRequiredMixin, ViewerRequiredMixin, DetailView):
    """The progress partial the run page polls (htmx) while the run is queued or running."""

    template_name = "cogs/_run_progress.html"
    context_object_name = "run"

    def get_object(self, queryset=None):
        try:
            return selectors.run_detail(self.kwargs["pk"], scope_of(self.request))
        except CogsRun.DoesNotExist as exc:
            raise Http404("No such COGS run.") from exc

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if not self.object.is_active:
            # the poll stops with this answer: the run page reloads its accruals and entries
            # (#run-entries listens for run-finished), so a run finished while open shows them
            response["HX-Trigger"] = "run-finished"
        return response


class RunEntriesCsvView(CostsRequiredMixin, ViewerRequiredMixin, View):
    """Every entry of the run matching the page's filters, streamed (cogs.exports; the API's
    ``/api/v1/cogs-runs/{id}/entries.csv`` serves the same file). A bad filter is a plain 400."""

    permission_required = roles.EXPORT

    def get(self, request, pk: int):
        try:
            run = selectors.run_detail(pk, scope_of(request))
        except CogsRun.DoesNotExist as exc:
            raise Http404("No such COGS run.") from exc
        try:
            return exports.entries_csv_response(run=run, params=request.GET, scope=scope_of(request))
        except ValidationFailed as error:
            return HttpResponseBadRequest(f"Invalid filter: {error.message}", content_type="text/plain")


class UnallocatedView(CostsRequiredMixin, FilteredListView):
    template_name = "cogs/unallocated.html"
    table_class = UnallocatedTable
    filterset_class = UnallocatedFilter

    def get_queryset(self):
        return selectors.unallocated_list(scope_of(self.request))

    def get_context_data(self, **kwargs):
        exceptions = selectors.open_run_exceptions(scope_of(self.request))
        return super().get_context_data(**kwargs, run_exceptions=exceptions)
