"""COGS API (routed under /api/v1/ by api/urls.py): ``POST/GET /cogs-runs/``,
``GET /cogs-runs/{id}/`` and ``GET /cogs-runs/{id}/entries/``."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from core import roles

from . import selectors, services, tasks
from .serializers import CogsEntrySerializer, CogsRunInSerializer, CogsRunSerializer


class CogsRunListCreateView(generics.ListAPIView):
    serializer_class = CogsRunSerializer
    write_permission = roles.POST_ACCOUNTING

    def get_queryset(self):
        return selectors.run_list()

    @extend_schema(request=CogsRunInSerializer, responses={201: CogsRunSerializer, 202: CogsRunSerializer})
    def post(self, request):
        data = CogsRunInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        scope = {"office": d.get("office"), "lic": d.get("lic"), "date": d.get("date")}
        if d.get("wait"):
            run = services.run_cogs_now(actor=request.user, **scope)
            code = status.HTTP_201_CREATED
        else:
            run = services.start_cogs_run(actor=request.user, dispatch=tasks.dispatch_run, **scope)
            code = status.HTTP_202_ACCEPTED
        return Response(CogsRunSerializer(selectors.run_detail(run.pk)).data, status=code)


class CogsRunDetailView(generics.RetrieveAPIView):
    serializer_class = CogsRunSerializer

    def get_queryset(self):
        return selectors.run_list()


class CogsRunEntriesView(generics.ListAPIView):
    serializer_class = CogsEntrySerializer

    def get_queryset(self):
        return selectors.entry_list().filter(run_id=self.kwargs["pk"])


urlpatterns = [
    path("cogs-runs/", CogsRunListCreateView.as_view(), name="cogs-run-list"),
    path("cogs-runs/<int:pk>/", CogsRunDetailView.as_view(), name="cogs-run-detail"),
    path("cogs-runs/<int:pk>/entries/", CogsRunEntriesView.as_view(), name="cogs-run-entries"),
]
