"""Pages of transfers: the document page (its lines' usage in the source office and lot in the
destination, Go-To links both ways: the usage's and the lot's pages link back here)."""

from __future__ import annotations

from django.views.generic import DetailView

from core.mixins import ViewerRequiredMixin

from . import selectors


class TransferDetailView(ViewerRequiredMixin, DetailView):
    template_name = "transfers/transfer_detail.html"
    context_object_name = "transfer"

    def get_queryset(self):
        return selectors.transfer_list().select_related("created_by")
