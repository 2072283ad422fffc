"""Thin views: lists (FilterView + table), detail pages fed by selectors, the adjustment form."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.generic import DetailView, TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from core import roles
from core.errors import DomainError
from core.forms import add_domain_error
from core.mixins import ViewerRequiredMixin
from core.pagination import TABLE_PAGINATION, capped_per_page
from core.reversal_pages import ReversePageView

from . import counts, dates, reversals, selectors, services
from .filters import LotFilter, UsageFilter
from .forms import AdjustmentForm, AdjustmentLineFormSet, CountSheetForm, LockDateForm, count_lines_from
from .models import InventoryAdjustment, InventoryUsage, Lot
from .scope import scope_of
from .tables import LotTable, UsageTable, without_costs


class FilteredListView(ViewerRequiredMixin, SingleTableMixin, FilterView):
    """A list of up to millions of rows: LazyPaginator (no COUNT(*)) with a capped ``per_page``
    (core/pagination.py), an invalid filter shows its form error and an empty table instead of a
    silently wrong list."""

    table_pagination = TABLE_PAGINATION
    strict = True  # django-filter: invalid filter form -> empty queryset, errors shown


class LotListView(FilteredListView):
    template_name = "inventory_lots/lot_list.html"
    table_class = LotTable
    filterset_class = LotFilter

    def get_queryset(self):
        return selectors.lot_list(scope_of(self.request))

    def get_table_kwargs(self):
        # the totals query counts the filtered set up to TOTALS_LIMIT: a set that small is sorted
        # in memory (LotTable.sort_window) instead of by walking the date index
        self.totals = None if self.filterset.errors else selectors.lot_totals(self.object_list)
        window = None
        if self.totals is not None:
            window = selectors.TOTALS_LIMIT + 1  # the whole set: right for any page, if slower
            try:  # the rows up to the requested page, read as django-tables2 reads page/per_page
                page = int(self.request.GET.get("page", 1))
                per_page = capped_per_page(self.request.GET.get("per_page", self.table_pagination["per_page"]))
            except ValueError:
                pass
            else:
                if page > 0 and per_page > 0:
                    window = min(window, page * per_page + 1)  # LazyPaginator reads one row more
        return {**super().get_table_kwargs(), "sort_window": window, **without_costs(self.request, LotTable)}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["totals"] = self.totals
        context["totals_limit"] = selectors.TOTALS_LIMIT
        return context


class LotDetailView(ViewerRequiredMixin, DetailView):
    template_name = "inventory_lots/lot_detail.html"
    context_object_name = "lot"

    def get_object(self, queryset=None):
        try:
            return selectors.lot_detail(self.kwargs["pk"], scope_of(self.request))
        except Lot.DoesNotExist as exc:
            raise Http404("No such lot.") from exc

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        scope = scope_of(self.request)
        context["sections"] = [s for s in selectors.lot_sections(self.object, scope) if s.page]
        return context


class UsageListView(FilteredListView):
    template_name = "inventory_lots/usage_list.html"
    table_class = UsageTable
    filterset_class = UsageFilter

    def get_queryset(self):
        return selectors.usage_list(scope_of(self.request))

    def get_table_kwargs(self):
        return {**super().get_table_kwargs(), **without_costs(self.request, UsageTable)}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["totals"] = None if self.filterset.errors else selectors.usage_totals(self.object_list)
        context["totals_limit"] = selectors.TOTALS_LIMIT
        return context


class UsageDetailView(ViewerRequiredMixin, DetailView):
    template_name = "inventory_lots/usage_detail.html"
    context_object_name = "usage"

    def get_object(self, queryset=None):
        try:
            return selectors.usage_detail(self.kwargs["pk"], scope_of(self.request))
        except InventoryUsage.DoesNotExist as exc:
            raise Http404("No such usage record.") from exc

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["source_url"] = selectors.go_to_url(self.object.source_type_id, self.object.source_id)
        context["usage_sections"] = selectors.usage_sections(self.object, scope_of(self.request))
        return context


class AdjustmentDetailView(ViewerRequiredMixin, DetailView):
    template_name = "inventory_lots/adjustment_detail.html"
    context_object_name = "adjustment"

    def get_queryset(self):
        return InventoryAdjustment.objects.visible_to(scope_of(self.request)).select_related("office", "created_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["lines"] = self.object.lines.select_related("lic", "lot", "usage")
        return context


class AdjustmentCreateView(ViewerRequiredMixin, TemplateView):
    """Clerks post inventory adjustments. GET ?lic=&office=&quantity= pre-fills one line (the
    Go-To from unallocated usage)."""

    permission_required = roles.POST_STOCK
    template_name = "inventory_lots/adjustment_form.html"

    def get(self, request, *args, **kwargs):
        initial_line = {k: request.GET[k] for k in ("lic", "quantity", "unit_cost") if request.GET.get(k)}
        form = AdjustmentForm(
            scope=scope_of(request),
            initial={
                "office": request.GET.get("office"),
                "kind": request.GET.get("kind", "other"),
                "reason": request.GET.get("reason", ""),
            },
        )
        formset = AdjustmentLineFormSet(initial=[initial_line] if initial_line else None, prefix="lines")
        return render(request, self.template_name, {"form": form, "formset": formset})

    def post(self, request, *args, **kwargs):
        form = AdjustmentForm(request.POST, scope=scope_of(request))
        formset = AdjustmentLineFormSet(request.POST, prefix="lines")
        if form.is_valid() and formset.is_valid():
            lines = [f.to_input() for f in formset.forms if f.has_changed() and f.cleaned_data]
            try:
                adjustment = services.post_adjustment(
                    office=form.cleaned_data["office"],
                    date=form.cleaned_data["date"],
                    kind=form.cleaned_data["kind"],
                    reason=form.cleaned_data["reason"],
                    lines=lines,
                    actor=request.user,
                )
            except DomainError as error:
                add_domain_error(form, error, formset)
            else:
                messages.success(request, f"Adjustment {adjustment.number} posted.")
                return redirect(adjustment)
        return render(request, self.template_name, {"form": form, "formset": formset}, status=400)


class LockDateView(ViewerRequiredMixin, TemplateView):
    """The lock date ("books closed through"): everyone sees it and its history, accountants move
    it forward (never past today), administrators also back, with a reason. Submitting asks for
    confirmation first, saying what becomes impossible; the confirmation posts it."""

    template_name = "inventory_lots/lock_date.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["history"] = selectors.lock_date_history()
        context["can_move_lock_date_back"] = dates.may_move_lock_date_back(self.request.user)
        context.setdefault("form", LockDateForm())
        return context

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm(roles.POST_ACCOUNTING):
            raise PermissionDenied
        if not scope_of(request).all_offices:  # refused before the confirmation, as the service would
            raise PermissionDenied(services.MSG_LOCK_DATE_ALL_OFFICES)
        form = LockDateForm(request.POST)
        if form.is_valid():
            date, reason = form.cleaned_data["date"], form.cleaned_data["reason"]
            lock = selectors.current_lock_date()
            try:
                if not form.cleaned_data["confirm"]:  # refuse now what the service would refuse, else ask
                    reason = dates.check_lock_date_change(date=date, lock=lock, actor=request.user, reason=reason)
                    confirm = {
                        "date": date,
                        "reason": reason,
                        "lock": lock,
                        "moving_back": lock is not None and date < lock,
                        "reopened_from": date + datetime.timedelta(days=1),
                    }
                    return self.render_to_response(self.get_context_data(form=form, confirm=confirm))
                row = services.set_lock_date(date=date, actor=request.user, reason=reason)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                if row.moved_back:
                    messages.success(
                        request, f"Lock date moved back from {row.previous_date:%Y-%m-%d} to {row.date:%Y-%m-%d}."
                    )
                else:
                    messages.success(request, f"Books closed through {row.date:%Y-%m-%d}.")
                return redirect("inventory_lots:lock_date")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class AdjustmentReverseView(ReversePageView):
    model = InventoryAdjustment
    label = "adjustment"
    reversal_kind = "adjustment"
    explain = (
        "A reversing adjustment brings each lot it created back to zero (only while unused) and gives its usage "
        "back to the lots it came from."
    )

    def get_queryset(self):
        return InventoryAdjustment.objects.visible_to(scope_of(self.request))

    def reverse(self, document, date, reason, actor):
        return reversals.reverse_adjustment(adjustment=document, date=date, reason=reason, actor=actor)


class CountSheetView(ViewerRequiredMixin, TemplateView):
    """A physical count (DOMAIN.md 9, clerks): choose the office and date, then per LIC the book quantity at
    that date beside an input for the counted quantity (serials or a mfr lot where the LIC needs them).
    Blank LICs are not counted; posting writes one `count` adjustment for the differences (nothing when
    nothing differs). ``print=1`` is the same sheet for paper (templates/print_base.html)."""

    permission_required = roles.POST_STOCK
    template_name = "inventory_lots/count_sheet.html"

    def _sheet(self, data):
        form = CountSheetForm(data, scope=scope_of(self.request))
        rows = counts.count_sheet(**form.cleaned_data) if form.is_valid() else []
        return form, rows

    @staticmethod
    def _entered(rows, data) -> list[dict]:
        """Each row with what was typed in it (a refused sheet keeps the clerk's figures)."""
        return [
            {
                "lic": row.lic,
                "book_quantity": row.book_quantity,
                "counted": data.get(f"counted_{row.lic.pk}", ""),
                "serials": data.get(f"serials_{row.lic.pk}", ""),
                "mfr": data.get(f"mfr_{row.lic.pk}", ""),
            }
            for row in rows
        ]

    def get(self, request, *args, **kwargs):
        if not request.GET:
            return render(
                request,
                self.template_name,
                {"form": CountSheetForm(scope=scope_of(request), initial={"date": datetime.date.today()})},
            )
        form, rows = self._sheet(request.GET)
        template = "inventory_lots/count_print.html" if request.GET.get("print") else self.template_name
        context = {"form": form, "rows": self._entered(rows, {})}
        return render(request, template, context, status=200 if form.is_valid() else 400)

    def post(self, request, *args, **kwargs):
        form, rows = self._sheet(request.POST)
        context = {"form": form, "rows": self._entered(rows, request.POST)}
        if not form.is_valid():
            return render(request, self.template_name, context, status=400)
        lines, errors = count_lines_from(request.POST, rows)
        if errors or not lines:
            context["errors"] = list(errors.values()) or ["Enter the counted quantity of at least one LIC."]
            return render(request, self.template_name, context, status=400)
        try:
            result = counts.post_count(
                office=form.cleaned_data["office"], date=form.cleaned_data["date"], lines=lines, actor=request.user
            )
        except DomainError as error:
            context["errors"] = [error.message]
            return render(request, self.template_name, context, status=error.status)
        if result.adjustment is None:
            messages.success(request, "Counted: nothing differs from the book, nothing was posted.")
            return redirect(
                f"{request.path}?office={form.cleaned_data['office'].code}&date={form.cleaned_data['date']}"
            )
        messages.success(request, f"Count posted as adjustment {result.adjustment.number}.")
        return redirect(result.adjustment)
