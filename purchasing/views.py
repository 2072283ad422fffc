"""Thin views of purchasing: form.is_valid() -> service -> redirect; DomainError -> form error."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.generic import DetailView, TemplateView
from django_tables2 import SingleTableMixin

from core import roles
from core.errors import DomainError
from core.forms import add_domain_error, confirmed
from core.mixins import ViewerRequiredMixin
from inventory_lots.scope import require_costs, scope_of
from inventory_lots.views import FilteredListView

from . import exports, selectors, services
from .filters import PurchaseOrderFilter
from .forms import (
    CloseForm,
    InvoiceForm,
    InvoiceLineForm,
    POForm,
    POLineFormSet,
    ReceiveForm,
    ReceiveLineForm,
    ReverseForm,
    line_formset,
)
from .models import PurchaseOrder, Receipt, VendorInvoice
from .tables import AccruedLineTable, PurchaseOrderTable

MSG_LINES_INCOMPLETE = "The lines of the form did not arrive complete: enter them again."
CONFIRM_CLOSE = (
    "Closing fixes the unit cost of every lot received on {po} at (amount invoiced + freight) ÷ quantity "
    "received. Afterwards nothing more can be received or invoiced on it, its receipts can no longer be "
    "reversed, and it cannot be reopened."
)
CONFIRM_REVERSE = (
    "Reversing brings each lot of {receipt} back to zero and gives the quantity back to {po}. It cannot be "
    "undone: the reversal cannot itself be reversed, and those lots can never be used again."
)


class POListView(FilteredListView):
    template_name = "purchasing/po_list.html"
    table_class = PurchaseOrderTable
    filterset_class = PurchaseOrderFilter

    def get_queryset(self):
        return selectors.po_list(scope_of(self.request))


class PODetailView(ViewerRequiredMixin, DetailView):
    template_name = "purchasing/po_detail.html"
    context_object_name = "po"

    def get_object(self, queryset=None):
        try:
            return selectors.po_detail(self.kwargs["pk"], scope_of(self.request))
        except PurchaseOrder.DoesNotExist as exc:
            raise Http404("No such purchase order.") from exc

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["lines"] = selectors.po_lines(self.object)
        context["receipts"] = selectors.po_receipts(self.object)
        context["invoices"] = selectors.po_invoices(self.object)
        return context


class POCreateView(ViewerRequiredMixin, TemplateView):
    permission_required = roles.POST_STOCK
    template_name = "purchasing/po_form.html"

    def get(self, request, *args, **kwargs):
        form = POForm(scope=scope_of(request), initial={"date": datetime.date.today()})
        return render(request, self.template_name, {"form": form, "formset": POLineFormSet(prefix="lines")})

    def post(self, request, *args, **kwargs):
        form = POForm(request.POST, scope=scope_of(request))
        formset = POLineFormSet(request.POST, prefix="lines")
        if form.is_valid() and formset.is_valid():
            try:
                po = services.create_purchase_order(
                    vendor=form.cleaned_data["vendor"],
                    office=form.cleaned_data["office"],
                    date=form.cleaned_data["date"],
                    actor=request.user,
                    lines=[f.to_input() for f in formset.forms if f.has_changed() and f.cleaned_data],
                )
            except DomainError as error:
                add_domain_error(form, error, formset)
            else:
                messages.success(request, f"Purchase order {po.number} created.")
                return redirect(po)
        return render(request, self.template_name, {"form": form, "formset": formset}, status=400)


class _POActionView(ViewerRequiredMixin, TemplateView):
    """A form posted against one PO (receive, invoice, close)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:  # else the mixin sends the visitor to log in
            queryset = PurchaseOrder.objects.visible_to(scope_of(request)).select_related("vendor", "office")
            self.po = get_object_or_404(queryset, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def po_lines(self, inventoried_only: bool = False):
        lines = self.po.lines.select_related("lic").order_by("line_no")
        return list(lines.filter(lic__inventoried=True) if inventoried_only else lines)

    def render_form(self, context: dict, status: int = 200):
        formset = context.get("formset")
        if formset is not None and len(formset.forms) != len(context["po_lines"]):
            # tampered or incomplete formset management data (it was a 500): show the PO's rows afresh
            context["form"].add_error(None, MSG_LINES_INCOMPLETE)
            context["formset"] = line_formset(formset.form, context["po_lines"])
        rows = list(zip(context["formset"].forms, context["po_lines"], strict=True)) if "formset" in context else []
        return render(self.request, self.template_name, {"po": self.po, "rows": rows, **context}, status=status)


class ReceiveView(_POActionView):
    permission_required = roles.POST_STOCK
    template_name = "purchasing/receipt_form.html"

    def get(self, request, *args, **kwargs):
        po_lines = self.po_lines(inventoried_only=True)
        return self.render_form(
            {"form": ReceiveForm(), "formset": line_formset(ReceiveLineForm, po_lines), "po_lines": po_lines}
        )

    def post(self, request, *args, **kwargs):
        po_lines = self.po_lines(inventoried_only=True)
        form = ReceiveForm(request.POST)
        formset = line_formset(ReceiveLineForm, po_lines, request.POST)
        if form.is_valid() and formset.is_valid():
            try:
                receipt = services.receive_purchase_order(
                    purchase_order=self.po,
                    date=form.cleaned_data["date"],
                    actor=request.user,
                    allow_over_receipt=form.cleaned_data["allow_over_receipt"],
                    reason=form.cleaned_data["reason"],
                    lines=[f.to_input() for f in formset.forms if f.has_changed()],
                )
            except DomainError as error:
                add_domain_error(form, error, formset)
            else:
                messages.success(request, f"Receipt {receipt.number} posted: {receipt.lines.count()} lot(s) created.")
                return redirect(receipt)
        return self.render_form({"form": form, "formset": formset, "po_lines": po_lines}, status=400)


class InvoiceCreateView(_POActionView):
    permission_required = roles.POST_ACCOUNTING
    template_name = "purchasing/invoice_form.html"

    def get(self, request, *args, **kwargs):
        po_lines = self.po_lines()
        return self.render_form(
            {"form": InvoiceForm(), "formset": line_formset(InvoiceLineForm, po_lines), "po_lines": po_lines}
        )

    def post(self, request, *args, **kwargs):
        po_lines = self.po_lines()
        form = InvoiceForm(request.POST)
        formset = line_formset(InvoiceLineForm, po_lines, request.POST)
        if form.is_valid() and formset.is_valid():
            try:
                invoice = services.post_vendor_invoice(
                    vendor=self.po.vendor,
                    purchase_order=self.po,
                    number=form.cleaned_data["number"],
                    date=form.cleaned_data["date"],
                    freight=form.cleaned_data["freight"],
                    actor=request.user,
                    lines=[f.to_input() for f in formset.forms if f.has_changed()],
                )
            except DomainError as error:
                add_domain_error(form, error, formset)
            else:
                messages.success(request, f"Vendor invoice {invoice.number} posted.")
                return redirect(invoice)
        return self.render_form({"form": form, "formset": formset, "po_lines": po_lines}, status=400)


class CloseView(_POActionView):
    permission_required = roles.POST_ACCOUNTING
    template_name = "purchasing/po_close.html"

    def get(self, request, *args, **kwargs):
        return self.render_form({"form": CloseForm(), "lines": selectors.po_lines(self.po)})

    def post(self, request, *args, **kwargs):
        form = CloseForm(request.POST)
        if form.is_valid() and not confirmed(request):
            confirm = {
                "title": f"Close purchase order {self.po.number} on {form.cleaned_data['date']:%Y-%m-%d}?",
                "text": CONFIRM_CLOSE.format(po=self.po.number),
                "button": "Yes, close it",
                "cancel_url": self.po.get_absolute_url(),
            }
            return self.render_form({"form": form, "lines": selectors.po_lines(self.po), "confirm": confirm})
        if form.is_valid():
            try:
                services.close_purchase_order(
                    purchase_order=self.po, date=form.cleaned_data["date"], actor=request.user
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, f"Purchase order {self.po.number} closed.")
                return redirect(self.po)
        return self.render_form({"form": form, "lines": selectors.po_lines(self.po)}, status=400)


class ReceiptDetailView(ViewerRequiredMixin, DetailView):
    template_name = "purchasing/receipt_detail.html"
    context_object_name = "receipt"

    def get_object(self, queryset=None):
        try:
            return selectors.receipt_detail(self.kwargs["pk"], scope_of(self.request))
        except Receipt.DoesNotExist as exc:
            raise Http404("No such receipt.") from exc

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["lines"] = self.object.lines.select_related("po_line__lic", "lot").order_by("line_no")
        context["reversal"] = selectors.receipt_reversal(self.object)
        return context


class ReverseReceiptView(ViewerRequiredMixin, TemplateView):
    permission_required = roles.POST_ACCOUNTING
    template_name = "purchasing/receipt_reverse.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:  # else the mixin sends the visitor to log in
            queryset = Receipt.objects.visible_to(scope_of(request)).select_related("purchase_order__office")
            self.receipt = get_object_or_404(queryset, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        return render(request, self.template_name, {"receipt": self.receipt, "form": ReverseForm()})

    def post(self, request, *args, **kwargs):
        form = ReverseForm(request.POST)
        if form.is_valid() and not confirmed(request):
            confirm = {
                "title": f"Reverse receipt {self.receipt.number} on {form.cleaned_data['date']:%Y-%m-%d}?",
                "text": CONFIRM_REVERSE.format(receipt=self.receipt.number, po=self.receipt.purchase_order.number),
                "button": "Yes, reverse it",
                "cancel_url": self.receipt.get_absolute_url(),
            }
            return render(request, self.template_name, {"receipt": self.receipt, "form": form, "confirm": confirm})
        if form.is_valid():
            try:
                reversal = services.reverse_receipt(
                    receipt=self.receipt,
                    date=form.cleaned_data["date"],
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, f"Receipt {self.receipt.number} reversed by {reversal.number}.")
                return redirect(reversal)
        return render(request, self.template_name, {"receipt": self.receipt, "form": form}, status=400)


class POPrintView(PODetailView):
    """The purchase order as a document for the vendor (templates/print_base.html, css/print.css)."""

    template_name = "purchasing/po_print.html"


class ReceiptPrintView(ReceiptDetailView):
    template_name = "purchasing/receipt_print.html"


class InvoiceDetailView(ViewerRequiredMixin, DetailView):
    template_name = "purchasing/invoice_detail.html"
    context_object_name = "invoice"

    def get_object(self, queryset=None):
        try:
            return selectors.invoice_detail(self.kwargs["pk"], scope_of(self.request))
        except VendorInvoice.DoesNotExist as exc:
            raise Http404("No such vendor invoice.") from exc

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["lines"] = self.object.lines.select_related("po_line__lic").order_by("line_no")
        return context


class AccruedReportView(ViewerRequiredMixin, SingleTableMixin, TemplateView):
    template_name = "purchasing/accrued_report.html"
    table_class = AccruedLineTable
    table_pagination = False

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            require_costs(request)  # a report of money: closed without "see costs"
        return super().dispatch(request, *args, **kwargs)

    def get_table_data(self):
        return selectors.accrued_lines(scope_of(self.request))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["by_vendor"] = selectors.accrued_by_vendor(selectors.accrued_lines(scope_of(self.request)))
        context["grand_total"] = sum((row["total"] for row in context["by_vendor"]), start=0)
        return context


@permission_required(roles.EXPORT, raise_exception=True)
def accrued_report_csv(request):
    """The report as CSV (purchasing.exports; the API's ``/api/v1/accrued-inventory.csv`` serves
    the same file)."""
    require_costs(request)
    return exports.accrued_csv_response(scope_of(request))
