"""Thin views of orders: the order list and page, shipment and return forms and pages."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.generic import DetailView, TemplateView

from core import roles
from core.errors import DomainError
from core.forms import add_domain_error
from core.mixins import ViewerRequiredMixin
from inventory_lots.views import FilteredListView

from . import selectors, services
from .filters import OrderFilter
from .forms import DocumentForm, OrderForm, ReturnLineFormSet, ShipmentLineFormSet
from .models import CustomerReturn, Order, Shipment
from .tables import OrderTable


class OrderListView(FilteredListView):
    template_name = "orders/order_list.html"
    table_class = OrderTable
    filterset_class = OrderFilter

    def get_queryset(self):
        return selectors.order_list()


class OrderDetailView(ViewerRequiredMixin, DetailView):
    template_name = "orders/order_detail.html"
    context_object_name = "order"

    def get_object(self, queryset=None):
        try:
            return selectors.order_detail(self.kwargs["pk"])
        except Order.DoesNotExist as exc:
            raise Http404("No such order.") from exc

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["shipment_lines"] = selectors.order_shipment_lines(self.object)
        context["return_lines"] = selectors.order_return_lines(self.object)
        context["production_orders"] = selectors.order_production_orders(self.object)
        context["can_post"] = self.request.user.has_perm(roles.POST_STOCK)
        return context


class LinesDocumentView(ViewerRequiredMixin, TemplateView):
    """GET shows the document form with its line formset; POST calls the service."""

    permission_required = roles.POST_STOCK
    formset_class = None
    title = ""
    service = None

    def dispatch(self, request, *args, **kwargs):
        try:
            self.order = selectors.order_detail(kwargs["pk"])
        except Order.DoesNotExist as exc:
            raise Http404("No such order.") from exc
        return super().dispatch(request, *args, **kwargs)

    def _render(self, form, formset, status=200):
        context = {"form": form, "formset": formset, "order": self.order, "title": self.title}
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, *args, **kwargs):
        return self._render(DocumentForm(initial={"date": request.GET.get("date")}), self.formset_class(prefix="lines"))

    def post(self, request, *args, **kwargs):
        form = DocumentForm(request.POST)
        formset = self.formset_class(request.POST, prefix="lines")
        if form.is_valid() and formset.is_valid():
            lines = [f.to_input() for f in formset.forms if f.has_changed() and f.cleaned_data]
            try:
                document = type(self).service(order=self.order, date=form.cleaned_data["date"], lines=lines,
                                              actor=request.user)
            except DomainError as error:
                add_domain_error(form, error, formset)
            else:
                messages.success(request, f"{self.title} {document.number} posted.")
                return redirect(document)
        return self._render(form, formset, status=400)


class ShipmentCreateView(LinesDocumentView):
    template_name = "orders/shipment_form.html"
    formset_class = ShipmentLineFormSet
    title = "Shipment"
    service = services.post_shipment


class ReturnCreateView(LinesDocumentView):
    template_name = "orders/return_form.html"
    formset_class = ReturnLineFormSet
    title = "Customer return"
    service = services.post_return


class ShipmentDetailView(ViewerRequiredMixin, DetailView):
    template_name = "orders/shipment_detail.html"
    context_object_name = "shipment"

    def get_object(self, queryset=None):
        try:
            return selectors.shipment_detail(self.kwargs["pk"])
        except Shipment.DoesNotExist as exc:
            raise Http404("No such shipment.") from exc

    def get_context_data(self, **kwargs):
        return super().get_context_data(lines=selectors.shipment_lines(self.object), **kwargs)


class ReturnDetailView(ViewerRequiredMixin, DetailView):
    template_name = "orders/return_detail.html"
    context_object_name = "document"

    def get_object(self, queryset=None):
        try:
            return selectors.return_detail(self.kwargs["pk"])
        except CustomerReturn.DoesNotExist as exc:
            raise Http404("No such return.") from exc

    def get_context_data(self, **kwargs):
        return super().get_context_data(lines=selectors.return_lines(self.object), **kwargs)


class OrderCreateView(ViewerRequiredMixin, TemplateView):
    """Clerks open a customer order; it gets its number from the SO sequence."""

    permission_required = roles.POST_STOCK
    template_name = "orders/order_form.html"

    def get(self, request, *args, **kwargs):
        return render(request, self.template_name, {"form": OrderForm()})

    def post(self, request, *args, **kwargs):
        form = OrderForm(request.POST)
        if form.is_valid():
            try:
                order = services.create_order(actor=request.user, **form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, f"Order {order.number} opened.")
                return redirect(order)
        return render(request, self.template_name, {"form": form}, status=400)
