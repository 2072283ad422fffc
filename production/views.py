"""Thin views of production: list, create, the production order page with its actions
(issue components, job costs, produce, release, close) and the job cost entry page."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views import View
from django.views.generic import DetailView, TemplateView

from core import roles
from core.errors import DomainError
from core.forms import add_domain_error, confirmed
from core.mixins import ViewerRequiredMixin
from inventory_lots.scope import scope_of
from inventory_lots.views import FilteredListView

from . import selectors, services
from .filters import ProductionOrderFilter
from .forms import ComponentLineFormSet, DateForm, JobCostForm, ProduceForm, ProductionOrderForm
from .models import JobCostEntry, ProductionOrder
from .tables import ProductionOrderTable

REVERSE_PERMISSIONS = (roles.POST_PRODUCTION, roles.POST_ACCOUNTING)


def can_reverse(user) -> bool:
    return any(user.has_perm(p) for p in REVERSE_PERMISSIONS)


class ProductionOrderListView(FilteredListView):
    template_name = "production/production_order_list.html"
    table_class = ProductionOrderTable
    filterset_class = ProductionOrderFilter

    def get_queryset(self):
        return selectors.production_order_list(scope_of(self.request))

    def get_context_data(self, **kwargs):
        return super().get_context_data(can_post=self.request.user.has_perm(roles.POST_PRODUCTION), **kwargs)


class ProductionOrderCreateView(ViewerRequiredMixin, TemplateView):
    permission_required = roles.POST_PRODUCTION
    template_name = "production/production_order_form.html"

    def get(self, request, *args, **kwargs):
        form = ProductionOrderForm(scope=scope_of(request), initial=request.GET.dict())
        return render(request, self.template_name, {"form": form})

    def post(self, request, *args, **kwargs):
        form = ProductionOrderForm(request.POST, scope=scope_of(request))
        if form.is_valid():
            try:
                mo = services.create_production_order(actor=request.user, **form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, f"Production order {mo.number} created.")
                return redirect(mo)
        return render(request, self.template_name, {"form": form}, status=400)


class ProductionOrderDetailView(ViewerRequiredMixin, DetailView):
    template_name = "production/production_order_detail.html"
    context_object_name = "mo"

    def get_object(self, queryset=None):
        try:
            return selectors.production_order_detail(self.kwargs["pk"], scope_of(self.request))
        except ProductionOrder.DoesNotExist as exc:
            raise Http404("No such production order.") from exc

    def get_context_data(self, **kwargs):
        mo = self.object
        user = self.request.user
        return super().get_context_data(
            components=selectors.component_usages(mo).select_related("lic", "lot", "returns_usage"),
            job_costs=selectors.job_costs(mo).select_related("reversed_by"),
            reports=mo.reports.order_by("date", "id"),
            inputs=selectors.cost_inputs(mo),
            can_post=user.has_perm(roles.POST_PRODUCTION),
            **kwargs,
        )


class OrderActionMixin(ViewerRequiredMixin):
    permission_required = roles.POST_PRODUCTION

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:  # else the mixin sends the visitor to log in
            try:
                self.mo = selectors.production_order_detail(kwargs["pk"], scope_of(request))
            except ProductionOrder.DoesNotExist as exc:
                raise Http404("No such production order.") from exc
        return super().dispatch(request, *args, **kwargs)


class IssueComponentsView(OrderActionMixin, TemplateView):
    template_name = "production/issue_form.html"

    def get(self, request, *args, **kwargs):
        context = {"mo": self.mo, "form": DateForm(), "formset": ComponentLineFormSet(prefix="lines")}
        return render(request, self.template_name, context)

    def post(self, request, *args, **kwargs):
        form = DateForm(request.POST)
        formset = ComponentLineFormSet(request.POST, prefix="lines")
        if form.is_valid() and formset.is_valid():
            lines = [f.to_input() for f in formset.forms if f.has_changed() and f.cleaned_data]
            try:
                usages = services.issue_components(
                    production_order=self.mo, date=form.cleaned_data["date"], lines=lines, actor=request.user
                )
            except DomainError as error:
                add_domain_error(form, error, formset)
            else:
                messages.success(request, f"{len(usages)} component usage record(s) posted.")
                return redirect(self.mo)
        return render(request, self.template_name, {"mo": self.mo, "form": form, "formset": formset}, status=400)


class JobCostCreateView(OrderActionMixin, TemplateView):
    template_name = "production/job_cost_form.html"

    def get(self, request, *args, **kwargs):
        return render(request, self.template_name, {"mo": self.mo, "form": JobCostForm()})

    def post(self, request, *args, **kwargs):
        form = JobCostForm(request.POST)
        if form.is_valid():
            try:
                entry = services.post_job_cost(production_order=self.mo, actor=request.user, **form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, f"Job cost entry {entry} posted.")
                return redirect(self.mo)
        return render(request, self.template_name, {"mo": self.mo, "form": form}, status=400)


class ProduceView(OrderActionMixin, TemplateView):
    template_name = "production/produce_form.html"

    def get(self, request, *args, **kwargs):
        return render(request, self.template_name, {"mo": self.mo, "form": ProduceForm()})

    def post(self, request, *args, **kwargs):
        form = ProduceForm(request.POST)
        if form.is_valid():
            try:
                lot = services.produce(
                    production_order=self.mo,
                    date=form.cleaned_data["date"],
                    quantity=form.cleaned_data["quantity"],
                    serial_numbers=form.serials(),
                    mfr_lot_number=form.cleaned_data["mfr_lot_number"],
                    actor=request.user,
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, f"Produced {form.cleaned_data['quantity']} into lot {lot.number}.")
                return redirect(self.mo)
        return render(request, self.template_name, {"mo": self.mo, "form": form}, status=400)


class StatusActionView(OrderActionMixin, View):
    """POST-only buttons (release, close): the first post shows what becomes impossible and asks
    again (``confirm=yes`` posts it); a refusal is shown as an error message on the page."""

    action = None
    done = ""
    confirm_title = ""
    confirm_text = ""
    confirm_button = ""

    def post(self, request, *args, **kwargs):
        if not confirmed(request):
            confirm = {
                "heading": self.confirm_title.format(number=self.mo.number),
                "title": self.confirm_title.format(number=self.mo.number),
                "text": self.confirm_text.format(number=self.mo.number),
                "button": self.confirm_button,
                "cancel_url": self.mo.get_absolute_url(),
            }
            return render(request, "confirm_page.html", {"confirm": confirm, "form": None})
        try:
            type(self).action(production_order=self.mo, actor=request.user)
        except DomainError as error:
            return render(
                request, "production/action_refused.html", {"mo": self.mo, "error": error}, status=error.status
            )
        messages.success(request, self.done.format(number=self.mo.number))
        return redirect(self.mo)


class ReleaseView(StatusActionView):
    action = services.release
    done = "Production order {number} released: its lot is in general inventory."
    confirm_title = "Release production order {number}?"
    confirm_text = (
        "Its lot goes into general inventory: anyone can ship or use it. The release cannot be "
        "undone (more can still be produced into the lot)."
    )
    confirm_button = "Yes, release it"


class CloseView(StatusActionView):
    action = services.close
    done = "Production order {number} closed."
    confirm_title = "Close production order {number}?"
    confirm_text = (
        "Afterwards nothing more can be produced on it, no components issued and no job costs "
        "posted (only reversals of its job costs). It cannot be reopened."
    )
    confirm_button = "Yes, close it"


class JobCostDetailView(ViewerRequiredMixin, DetailView):
    template_name = "production/job_cost_detail.html"
    context_object_name = "entry"

    def get_object(self, queryset=None):
        try:
            return selectors.job_cost_detail(self.kwargs["pk"], scope_of(self.request))
        except JobCostEntry.DoesNotExist as exc:
            raise Http404("No such job cost entry.") from exc

    def get_context_data(self, **kwargs):
        reversal = JobCostEntry.objects.filter(reverses=self.object).first()
        return super().get_context_data(
            reversal=reversal, can_reverse=can_reverse(self.request.user), form=DateForm(), **kwargs
        )


class JobCostReverseView(ViewerRequiredMixin, View):
    """Production or accounting users reverse a posted job cost entry (one reversing entry)."""

    def has_permission(self):
        return super().has_permission() and can_reverse(self.request.user)

    def post(self, request, pk):
        try:
            entry = selectors.job_cost_detail(pk, scope_of(request))
        except JobCostEntry.DoesNotExist as exc:
            raise Http404("No such job cost entry.") from exc
        form = DateForm(request.POST)
        if form.is_valid() and not confirmed(request):
            title = f"Reverse job cost entry {entry} on {form.cleaned_data['date']:%Y-%m-%d}?"
            confirm = {
                "heading": f"Reverse job cost entry {entry}",
                "title": title,
                "text": (
                    "A reversing entry takes its amount back out of the order's costs. It cannot be "
                    "undone: the entry cannot be reversed again and the reversal cannot be reversed."
                ),
                "button": "Yes, reverse it",
                "cancel_url": entry.get_absolute_url(),
            }
            return render(request, "confirm_page.html", {"confirm": confirm, "form": form})
        if form.is_valid():
            try:
                reversal = services.reverse_job_cost(entry=entry, date=form.cleaned_data["date"], actor=request.user)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, f"Job cost entry {entry} reversed by {reversal}.")
                return redirect(reversal)
        context = {
            "entry": entry,
            "reversal": JobCostEntry.objects.filter(reverses=entry).first(),
            "can_reverse": True,
            "form": form,
        }
        return render(request, "production/job_cost_detail.html", context, status=400)
