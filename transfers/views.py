"""Pages of transfers: the entry form (clerks) and the document page (its lines' usage in the source
office and lot in the destination, Go-To links both ways: the usage's and the lot's pages link back)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.generic import DetailView, TemplateView

from core import roles
from core.errors import DomainError
from core.forms import add_domain_error
from core.mixins import ViewerRequiredMixin
from core.reversal_pages import ReversePageView
from inventory_lots.scope import scope_of

from . import reversals, selectors, services
from .forms import TransferForm, TransferLineFormSet
from .models import Transfer


class TransferDetailView(ViewerRequiredMixin, DetailView):
    template_name = "transfers/transfer_detail.html"
    context_object_name = "transfer"

    def get_queryset(self):
        scope = scope_of(self.request)
        return selectors.transfer_list(scope).select_related("created_by", "reverses", "reversed_by")


class TransferCreateView(ViewerRequiredMixin, TemplateView):
    """Clerks post a transfer between offices: a form with lines (the add-line control of
    static/js/forms.js); a refusal is shown on the form with nothing written."""

    permission_required = roles.POST_STOCK
    template_name = "transfers/transfer_form.html"

    def get(self, request, *args, **kwargs):
        form = TransferForm(scope=scope_of(request), initial={"from_office": request.GET.get("from_office")})
        return render(request, self.template_name, {"form": form, "formset": TransferLineFormSet(prefix="lines")})

    def post(self, request, *args, **kwargs):
        form = TransferForm(request.POST, scope=scope_of(request))
        formset = TransferLineFormSet(request.POST, prefix="lines")
        if form.is_valid() and formset.is_valid():
            lines = [f.to_input() for f in formset.forms if f.has_changed() and f.cleaned_data]
            try:
                transfer = services.post_transfer(
                    from_office=form.cleaned_data["from_office"],
                    to_office=form.cleaned_data["to_office"],
                    date=form.cleaned_data["date"],
                    lines=lines,
                    actor=request.user,
                )
            except DomainError as error:
                add_domain_error(form, error, formset)
            else:
                messages.success(request, f"Transfer {transfer.number} posted.")
                return redirect(transfer)
        return render(request, self.template_name, {"form": form, "formset": formset}, status=400)


class TransferReverseView(ReversePageView):
    """Accountants reverse a transfer (core/reversal_pages.py: date and reason, then a confirmation)."""

    model = Transfer
    label = "transfer"
    reversal_kind = "transfer"
    explain = (
        "A reversing transfer brings each lot it made in the destination back to zero (only while unused) and "
        "gives its usage back to the lots it came from in the source office (serials included)."
    )

    def get_queryset(self):
        return Transfer.objects.visible_to(scope_of(self.request)).select_related("from_office", "to_office")

    def reverse(self, document, date, reason, actor):
        return reversals.reverse_transfer(transfer=document, date=date, reason=reason, actor=actor)
