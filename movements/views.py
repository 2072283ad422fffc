"""Inventory transactions: the page and its CSV (movements.selectors)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.generic import TemplateView

from core.errors import DomainError
from core.mixins import ViewerRequiredMixin

from . import exports, selectors
from .forms import TransactionsFilterForm

PAGE_SIZE = 50


class InventoryTransactionsView(ViewerRequiredMixin, TemplateView):
    template_name = "movements/inventory_transactions.html"

    def get(self, request, *args, **kwargs):
        form = TransactionsFilterForm(request.GET or None)
        context = {"form": form}
        if not form.is_bound:
            return render(request, self.template_name, context)
        if not form.is_valid():
            return render(request, self.template_name, context, status=400)
        data = form.cleaned_data
        try:
            page = selectors.transactions_page(
                lic=data["lic"],
                office=data["office"],
                date_from=data["date_from"],
                date_to=data["date_to"],
                page_size=PAGE_SIZE,
                cursor=request.GET.get("cursor"),
                last=request.GET.get("last") == "1",
            )
        except DomainError as error:
            context["error"] = error.message
            return render(request, self.template_name, context, status=400)
        query = request.GET.copy()
        for name in ("cursor", "last"):
            query.pop(name, None)
        context.update(
            page=page,
            figures=selectors.figures(lic=data["lic"], office=data["office"]),
            base_query=query.urlencode(),
        )
        return render(request, self.template_name, context)


def inventory_transactions_csv(request):
    """Every movement of the filter, streamed (the page's filters; viewer permission)."""
    if not request.user.is_authenticated:
        return HttpResponse("Log in first.", status=401, content_type="text/plain")
    if not request.user.has_perm("inventory_lots.view_ledger"):
        return HttpResponse("Forbidden", status=403, content_type="text/plain")
    try:
        return exports.transactions_csv_response(request.GET)
    except exports.BadFilter as bad:
        errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in bad.errors.items())
        return HttpResponse(errors, status=400, content_type="text/plain")
