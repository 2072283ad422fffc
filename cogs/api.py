"""COGS API (routed under /api/v1/ by lotledger/urls.py): ``POST/GET /cogs-runs/``,
``GET /cogs-runs/{id}/``, ``GET /cogs-runs/{id}/entries/`` and its CSV ``GET /cogs-runs/{id}/entries.csv``."""

from __future__ import annotations

from django.http import Http404
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from core import roles
from core.drf.exports import CSV, ExportView, file_schema
from inventory_lots.scope import require_costs, scope_of

from . import exports, selectors, services, tasks
from .models import CogsRun, EntryKind
from .serializers import CogsEntrySerializer, CogsRunInSerializer, CogsRunSerializer


class CostsRequired:
    """The COGS endpoints are about money: without "see costs" they answer 403 (DOMAIN.md 11)."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # type: ignore[misc]  # authenticates, checks roles
        require_costs(request)


class CogsRunListCreateView(CostsRequired, generics.ListAPIView):
    serializer_class = CogsRunSerializer
    write_permission = roles.POST_ACCOUNTING

    def get_queryset(self):
        return selectors.run_list(scope_of(self.request))

    @extend_schema(request=CogsRunInSerializer, responses={201: CogsRunSerializer, 202: CogsRunSerializer})
    def post(self, request):
        data = CogsRunInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        scope = {"office": d.get("office"), "lic": d.get("lic"), "date": d.get("date")}
        if d.get("wait"):
            run = services.run_cogs_now(actor=request.user, **scope)
            code: int = status.HTTP_201_CREATED
        else:
            run = services.start_cogs_run(actor=request.user, dispatch=tasks.dispatch_run, **scope)
            code = status.HTTP_202_ACCEPTED
        return Response(CogsRunSerializer(selectors.run_detail(run.pk, scope_of(request))).data, status=code)


class CogsRunDetailView(CostsRequired, generics.RetrieveAPIView):
    serializer_class = CogsRunSerializer

    def get_queryset(self):
        return selectors.run_list(scope_of(self.request))


ENTRY_FILTERS = [
    OpenApiParameter(
        "kind",
        OpenApiTypes.INT,
        OpenApiParameter.QUERY,
        required=False,
        enum=[k.value for k in EntryKind],
        description="1 allocation, 2-3 give-back, 4 revaluation, 5 accrual, 6 accrual reversal.",
    ),
    OpenApiParameter("lic", OpenApiTypes.STR, OpenApiParameter.QUERY, required=False, description="LIC code."),
    OpenApiParameter("office", OpenApiTypes.STR, OpenApiParameter.QUERY, required=False, description="Office code."),
    OpenApiParameter("lot", OpenApiTypes.INT, OpenApiParameter.QUERY, required=False, description="Lot id."),
    OpenApiParameter("usage", OpenApiTypes.INT, OpenApiParameter.QUERY, required=False, description="Usage id."),
]


class CogsRunEntriesCsvView(CostsRequired, ExportView):
    """The run's entries as CSV (the run page's filters ``kind, lic, office, lot, usage``): the same
    file as the page's ``/cogs/runs/{id}/entries.csv``. Accountants (the export permission)."""

    @file_schema(CSV, "The run's entries, UTF-8 CSV with a header row.", ENTRY_FILTERS)
    def get(self, request, pk: int):
        try:
            run = selectors.run_detail(pk, scope_of(request))
        except CogsRun.DoesNotExist as exc:
            raise Http404("No such COGS run.") from exc
        return exports.entries_csv_response(run=run, params=request.query_params, scope=scope_of(request))


class CogsRunEntriesView(CostsRequired, generics.ListAPIView):
    serializer_class = CogsEntrySerializer

    def get_queryset(self):
        scope = scope_of(self.request)
        if not selectors.run_list(scope).filter(pk=self.kwargs["pk"]).exists():
            raise Http404("No such COGS run.")
        return selectors.entry_list(scope).filter(run_id=self.kwargs["pk"])


urlpatterns = [
    path("cogs-runs/", CogsRunListCreateView.as_view(), name="cogs-run-list"),
    path("cogs-runs/<int:pk>/", CogsRunDetailView.as_view(), name="cogs-run-detail"),
    path("cogs-runs/<int:pk>/entries/", CogsRunEntriesView.as_view(), name="cogs-run-entries"),
    path("cogs-runs/<int:pk>/entries.csv", CogsRunEntriesCsvView.as_view(), name="cogs-run-entries-csv"),
]
