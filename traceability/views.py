"""Trace, recall report (page and CSV) and the manual unit cost correction form."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from core import roles
from core.errors import DomainError
from core.forms import add_domain_error
from core.mixins import ViewerRequiredMixin
from inventory_lots import selectors as lot_selectors
from inventory_lots.models import Lot
from inventory_lots.scope import require_costs, require_post, scope_of
from inventory_lots.services import correct_lot_unit_cost

from . import exports, selectors, serials
from .forms import SerialSearchForm, TraceForm, UnitCostCorrectionForm


def _lot(pk: int, request) -> Lot:
    """The lot, or 404 when it does not exist or lies in an office the user does not see."""
    try:
        lot = lot_selectors.lot_detail(pk)
    except Lot.DoesNotExist as exc:
        raise Http404("No such lot.") from exc
    if not scope_of(request).sees(lot.office_id):
        raise Http404("No such lot.")
    return lot


class LotMixin:
    def dispatch(self, request, *args, **kwargs):
        self.lot = None
        return super().dispatch(request, *args, **kwargs)

    def get_lot(self) -> Lot:
        if self.lot is None:
            self.lot = _lot(self.kwargs["pk"], self.request)
        return self.lot


class TraceView(ViewerRequiredMixin, LotMixin, TemplateView):
    template_name = "traceability/trace.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        lot = self.get_lot()
        form = TraceForm(self.request.GET or None)
        data = form.cleaned_data if form.is_valid() else {}
        direction = data.get("direction") or "down"
        depth = data.get("depth") or selectors.DEFAULT_DEPTH
        result = selectors.trace(lot, direction=direction, depth=depth, scope=scope_of(self.request))
        context.update(
            lot=lot, form=form, result=result, rows=selectors.flatten(result.nodes), direction=direction, depth=depth
        )
        return context


def _url_maker(name: str):
    """``reverse`` once, then fill the id in (a recall report can have thousands of rows)."""
    template = reverse(name, args=[987654321])
    return lambda pk: template.replace("987654321", str(pk))


class RecallView(ViewerRequiredMixin, LotMixin, TemplateView):
    template_name = "traceability/recall.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        lot = self.get_lot()
        shipment_url = _url_maker("orders:shipment_detail")
        order_url = _url_maker("orders:order_detail")
        lot_url = _url_maker("inventory_lots:lot_detail")
        found, hidden = selectors.visible_recall(lot, scope_of(self.request))
        rows = [
            {
                "r": r,
                "shipment_url": shipment_url(r.shipment_id),
                "order_url": order_url(r.order_id),
                "lot_url": lot_url(r.lot_id),
            }
            for r in found
        ]
        context.update(lot=lot, rows=rows, hidden=hidden)
        return context


class RecallCsvView(ViewerRequiredMixin, View):
    """The recall report as CSV (accountants export, DOMAIN.md section 8): traceability.exports,
    the same file as the API's ``/api/v1/lots/{id}/recall.csv``."""

    permission_required = roles.EXPORT

    def get(self, request, pk: int):
        return exports.recall_csv_response(_lot(pk, request), scope_of(request))


class UnitCostCorrectionView(ViewerRequiredMixin, LotMixin, TemplateView):
    """Accountants correct a lot's unit cost (with a reason); the change lands in Cost History."""

    permission_required = roles.POST_ACCOUNTING
    template_name = "traceability/unit_cost_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            require_costs(request)  # a unit cost is money
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        lot = self.get_lot()
        context["lot"] = lot
        context.setdefault("form", UnitCostCorrectionForm(initial={"unit_cost": lot.unit_cost}))
        return context

    def post(self, request, *args, **kwargs):
        lot = self.get_lot()
        require_post(request, lot.office)
        form = UnitCostCorrectionForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                change = correct_lot_unit_cost(
                    lot=lot, new_unit_cost=d["unit_cost"], reason=d["reason"], date=d["date"], actor=request.user
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                if change is None:
                    messages.info(request, f"Lot {lot.number} already has that unit cost: nothing changed.")
                else:
                    messages.success(request, f"Lot {lot.number} unit cost corrected to {change.new_unit_cost}.")
                return redirect(lot.get_absolute_url() + "#section-cost_history")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class SerialSearchView(ViewerRequiredMixin, TemplateView):
    """Where is serial number X: its lot (per LIC that has it) and where it is now; below, marked as
    history, the lots transfers carried it out of (its path)."""

    template_name = "traceability/serial_search.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = SerialSearchForm(self.request.GET or None)
        data = form.cleaned_data if form.is_valid() else {}
        number, lic_code = (data.get("serial_number") or "").strip(), (data.get("lic") or "").strip()
        error, states, path, hidden = None, [], [], 0
        if form.errors:
            error = "; ".join(e for errors in form.errors.values() for e in errors)
        lic = serials.lic_by_code(lic_code) if lic_code else None
        if lic_code and lic is None:
            error = f"Unknown LIC “{lic_code}”."
        if number and error is None:
            scope = scope_of(self.request)
            found = serials.find_serials(number, lic, scope, history=True)
            states, path = [s for s in found if not s.moved], [s for s in found if s.moved]
            hidden = serials.hidden_serial_lots(number, lic, scope)
        hidden_text = selectors.hidden_label(hidden) if hidden else None
        context.update(
            serial_number=number, lic_code=lic_code, states=states, path=path, error=error, hidden=hidden_text
        )
        return context
