"""Thin views of orders: the order list and page, shipment and return forms and pages."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.generic import DetailView, TemplateView

from core import roles
from core.errors import DomainError, NotPermitted
from core.forms import add_domain_error
from core.mixins import ViewerRequiredMixin
from core.reversal_pages import ReversePageView
from inventory_lots.scope import scope_of
from inventory_lots.views import FilteredListView

from . import reversals, selectors, services
from .filters import OrderFilter
from .forms import (
    DocumentForm,
    OrderForm,
    OrderStatusForm,
    ReopenOrderForm,
    ReturnForm,
    ReturnLineFormSet,
    ShipmentForm,
    ShipmentLineFormSet,
)
from .models import CustomerReturn, Order, Shipment
from .tables import OrderTable

# Closing and reopening a customer order: accountants (and administrators). Clerks ship on an
# order; deciding that it is finished, or that a finished one takes more, is the back office's.
CLOSE_PERMISSION = roles.POST_ACCOUNTING


class OrderListView(FilteredListView):
    template_name = "orders/order_list.html"
    table_class = OrderTable
    filterset_class = OrderFilter

    def get_queryset(self):
        return selectors.order_list(scope_of(self.request))


class OrderDetailView(ViewerRequiredMixin, DetailView):
    template_name = "orders/order_detail.html"
    context_object_name = "order"

    def get_object(self, queryset=None):
        try:
            return selectors.order_detail(self.kwargs["pk"], scope_of(self.request))
        except Order.DoesNotExist as exc:
            raise Http404("No such order.") from exc

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["shipment_lines"] = selectors.order_shipment_lines(self.object)
        context["return_lines"] = selectors.order_return_lines(self.object)
        # production_orders, of the offices seen (one may be made in another office)
        context.update(selectors.order_documents_of_other_apps(self.object, scope_of(self.request)))
        context["can_post"] = self.request.user.has_perm(roles.POST_STOCK)
        context["can_return"] = any(self.request.user.has_perm(p) for p in services.RETURN_PERMISSIONS)
        context["can_close"] = self.request.user.has_perm(CLOSE_PERMISSION)
        return context


class OrderFromUrlMixin:
    """``self.order``: the order of the URL's ``pk`` (404 when there is none)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:  # else the mixin sends the visitor to log in
            try:
                self.order = selectors.order_detail(kwargs["pk"], scope_of(request))
            except Order.DoesNotExist as exc:
                raise Http404("No such order.") from exc
        return super().dispatch(request, *args, **kwargs)


class LinesDocumentView(OrderFromUrlMixin, ViewerRequiredMixin, TemplateView):
    """GET shows the document form with its line formset; POST calls the service."""

    permission_required = roles.POST_STOCK
    form_class = DocumentForm
    formset_class = None
    title = ""
    service = None

    def _render(self, form, formset, status=200, **extra):
        context = {"form": form, "formset": formset, "order": self.order, "title": self.title, **extra}
        return render(self.request, self.template_name, context, status=status)

    def service_kwargs(self, form) -> dict:
        """What the document's own form fields add to the service call."""
        return {}

    def get(self, request, *args, **kwargs):
        form = self.form_class(initial={"date": request.GET["date"]} if request.GET.get("date") else None)
        return self._render(form, self.formset_class(prefix="lines"))

    def post(self, request, *args, **kwargs):
        form = self.form_class(request.POST)
        formset = self.formset_class(request.POST, prefix="lines")
        if form.is_valid() and formset.is_valid():
            lines = [f.to_input() for f in formset.forms if f.has_changed() and f.cleaned_data]
            try:
                document = type(self).service(
                    order=self.order,
                    date=form.cleaned_data["date"],
                    lines=lines,
                    actor=request.user,
                    **self.service_kwargs(form),
                )
            except services.ShortOfStock as warning:  # nothing written: the clerk confirms, or changes it
                return self._render(form, formset, warnings=warning.warnings)
            except NotPermitted as error:
                raise PermissionDenied(error.message) from error
            except DomainError as error:
                add_domain_error(form, error, formset)
            else:
                messages.success(request, f"{self.title} {document.number} posted.")
                for warning in getattr(document, "warnings", ()):
                    messages.warning(request, warning.message)
                return redirect(document)
        return self._render(form, formset, status=400)


class ShipmentCreateView(LinesDocumentView):
    """A shipment beyond stock on hand is shown back with the warnings and a confirm box; the
    second submit, ticked, posts it."""

    template_name = "orders/shipment_form.html"
    form_class = ShipmentForm
    formset_class = ShipmentLineFormSet
    title = "Shipment"
    service = services.post_shipment

    def service_kwargs(self, form) -> dict:
        return {"confirm_short": form.cleaned_data["confirm_short"]}


class ReturnCreateView(LinesDocumentView):
    """Clerks and accountants post customer returns; accountants alone are offered the override of
    the "at most what the order shipped" limit (the service refuses anyone else: 403)."""

    template_name = "orders/return_form.html"
    form_class = ReturnForm
    formset_class = ReturnLineFormSet
    title = "Customer return"
    service = services.post_return
    permission_required = roles.VIEW

    def has_permission(self):
        user = self.request.user
        return super().has_permission() and any(user.has_perm(p) for p in services.RETURN_PERMISSIONS)

    def _render(self, form, formset, status=200, **extra):
        can_override = self.request.user.has_perm(services.OVERRIDE_PERMISSION)
        return super()._render(form, formset, status, can_override=can_override, **extra)

    def service_kwargs(self, form) -> dict:
        return {"override_reason": form.cleaned_data["override_reason"]}


class ShipmentDetailView(ViewerRequiredMixin, DetailView):
    template_name = "orders/shipment_detail.html"
    context_object_name = "shipment"

    def get_object(self, queryset=None):
        try:
            return selectors.shipment_detail(self.kwargs["pk"], scope_of(self.request))
        except Shipment.DoesNotExist as exc:
            raise Http404("No such shipment.") from exc

    def get_context_data(self, **kwargs):
        return super().get_context_data(lines=selectors.shipment_lines(self.object), **kwargs)


class ShipmentPrintView(ShipmentDetailView):
    """The packing slip: the shipment as a document for the customer (no costs)."""

    template_name = "orders/shipment_print.html"


class ReturnDetailView(ViewerRequiredMixin, DetailView):
    template_name = "orders/return_detail.html"
    context_object_name = "document"

    def get_object(self, queryset=None):
        try:
            return selectors.return_detail(self.kwargs["pk"], scope_of(self.request))
        except CustomerReturn.DoesNotExist as exc:
            raise Http404("No such return.") from exc

    def get_context_data(self, **kwargs):
        return super().get_context_data(lines=selectors.return_lines(self.object), **kwargs)


class OrderCreateView(ViewerRequiredMixin, TemplateView):
    """Clerks open a customer order; it gets its number from the SO sequence."""

    permission_required = roles.POST_STOCK
    template_name = "orders/order_form.html"

    def get(self, request, *args, **kwargs):
        return render(request, self.template_name, {"form": OrderForm(scope=scope_of(request))})

    def post(self, request, *args, **kwargs):
        form = OrderForm(request.POST, scope=scope_of(request))
        if form.is_valid():
            try:
                order = services.create_order(actor=request.user, **form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, f"Order {order.number} opened.")
                return redirect(order)
        return render(request, self.template_name, {"form": form}, status=400)


class OrderStatusView(OrderFromUrlMixin, ViewerRequiredMixin, TemplateView):
    """GET: the confirmation page (what the change means); POST: the service. A refusal is shown
    on the page with the service's status (409 for a state conflict) and writes nothing."""

    permission_required = CLOSE_PERMISSION
    template_name = "orders/order_status_confirm.html"
    form_class = OrderStatusForm
    title = ""
    button = ""
    done = ""

    def _render(self, form, status=200):
        context = {"form": form, "order": self.order, "view": self}
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, *args, **kwargs):
        return self._render(self.form_class())

    def call(self, form):
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        form = self.form_class(request.POST)
        if form.is_valid():
            try:
                self.call(form)
            except DomainError as error:
                add_domain_error(form, error)
                return self._render(form, status=error.status)
            messages.success(request, self.done.format(number=self.order.number))
            return redirect(self.order)
        return self._render(form, status=400)


class OrderCloseView(OrderStatusView):
    title = "Close order"
    button = "Close order"
    done = "Order {number} closed."

    def call(self, form):
        services.close_order(order=self.order, actor=self.request.user)


class OrderReopenView(OrderStatusView):
    form_class = ReopenOrderForm
    title = "Reopen order"
    button = "Reopen order"
    done = "Order {number} reopened."

    def call(self, form):
        services.reopen_order(order=self.order, reason=form.cleaned_data["reason"], actor=self.request.user)


class ShipmentReverseView(ReversePageView):
    model = Shipment
    label = "shipment"
    reversal_kind = "customer return"
    explain = (
        "A customer return naming each line's usage brings back what the shipment still holds net of earlier "
        "returns; COGS gives it back to the lots it came from."
    )

    def get_queryset(self):
        return Shipment.objects.visible_to(scope_of(self.request))

    def reverse(self, document, date, reason, actor):
        return reversals.reverse_shipment(shipment=document, date=date, reason=reason, actor=actor)


class ReturnReverseView(ReversePageView):
    model = CustomerReturn
    label = "customer return"
    reversal_kind = "shipment"
    explain = (
        "A shipment naming each line's return usage puts back exactly what the return took: COGS allocates it "
        "first to the lots the return gave back to."
    )

    def get_queryset(self):
        return CustomerReturn.objects.visible_to(scope_of(self.request))

    def reverse(self, document, date, reason, actor):
        return reversals.reverse_return(customer_return=document, date=date, reason=reason, actor=actor)
