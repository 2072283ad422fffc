"""Inventory transactions: the page and its CSV (movements.selectors)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.views.generic import TemplateView

from core.errors import DomainError
from core.mixins import ViewerRequiredMixin
from core.templatetags.money import qty
from inventory_lots.scope import scope_of

from . import exports, selectors
from .forms import TransactionsFilterForm

PAGE_SIZE = 50


class InventoryTransactionsView(ViewerRequiredMixin, TemplateView):
    template_name = "movements/inventory_transactions.html"

    def get(self, request, *args, **kwargs):
        form = TransactionsFilterForm(request.GET or None, scope=scope_of(request))
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
            rows_html=rows_html(page.rows),
            figures=selectors.figures(lic=data["lic"], office=data["office"], on_hand=page.on_hand_now),
            base_query=query.urlencode(),
        )
        return render(request, self.template_name, context)


def _link(url: str, text: str) -> SafeString | str:
    return format_html('<a href="{}">{}</a>', url, text) if url else ""


def rows_html(rows: list[selectors.Movement]) -> SafeString:
    """The table's rows in one format_html_join: fifty rows of seven cells through the template engine's
    per-node machinery cost several milliseconds a page (bench/inventory_transactions.py)."""
    if not rows:
        return format_html('<tr><td colspan="7">{}</td></tr>', "No movement.")
    return format_html_join(
        "\n",
        '<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class="num">{}</td>'
        '<td class="num" data-balance>{}</td></tr>',
        (
            (
                m.date.isoformat(),
                m.kind,
                _link(m.goto_url, m.label),
                _link(m.lot_url, m.lot_number or ""),
                _link(m.usage_url, m.usage_label),
                qty(m.quantity),
                qty(m.balance),
            )
            for m in rows
        ),
    )


def inventory_transactions_csv(request):
    """Every movement of the filter, streamed (the page's filters; viewer permission)."""
    if not request.user.is_authenticated:
        return HttpResponse("Log in first.", status=401, content_type="text/plain")
    if not request.user.has_perm("inventory_lots.view_ledger"):
        return HttpResponse("Forbidden", status=403, content_type="text/plain")
    try:
        return exports.transactions_csv_response(request.GET, scope_of(request))
    except exports.BadFilter as bad:
        errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in bad.errors.items())
        return HttpResponse(errors, status=400, content_type="text/plain")
