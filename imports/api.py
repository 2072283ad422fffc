"""The imports API: ``POST /api/v1/imports/`` (multipart: ``kind``, ``file``, ``dry_run``,
``control_total``; the API's one non-JSON body, a file being what it takes), ``GET /imports/`` and
``/imports/{id}/``, ``POST /imports/{id}/commit/`` and ``/imports/{id}/reverse/``, and
``GET /imports/templates/{kind}.csv|xlsx`` (the page's template downloads, same bytes). A file with
errors is a 400 ``import_invalid`` listing them ("Row N: ...") and writes nothing."""

from __future__ import annotations

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from core.drf.exports import CSV, XLSX, ExportView, file_schema
from core.drf.fields import MoneyField, QuantityField
from inventory_lots.scope import require_costs, scope_of

from . import selectors, services, templates
from .models import ImportBatch, ImportKind
from .views import download

RUN_IMPORT = "imports.run_import"


class UploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ImportKind.values)
    file = serializers.FileField(help_text="CSV (UTF-8) or xlsx with the template's header row.")
    dry_run = serializers.BooleanField(
        default=False, help_text="Check and preview only (the batch stays `previewed`; commit it later)."
    )
    control_total = serializers.DecimalField(
        max_digits=18,
        decimal_places=2,
        required=False,
        allow_null=True,
        default=None,
        help_text="Refuse (400 `control_total_mismatch`) unless the file's total value (opening stock) or "
        "record count (master data) is this.",
    )


class CommitSerializer(serializers.Serializer):
    control_total = serializers.DecimalField(max_digits=18, decimal_places=2, required=False, allow_null=True)


class ReverseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)
    date = serializers.DateField(required=False, help_text="The reversal's date (default today).")


class PreviewOfficeSerializer(serializers.Serializer):
    office = serializers.CharField()
    lots = serializers.IntegerField()
    value = serializers.CharField()


class PreviewLicSerializer(PreviewOfficeSerializer):
    lic = serializers.CharField()
    quantity = serializers.CharField()


class PreviewJournalSerializer(serializers.Serializer):
    date = serializers.CharField()
    office = serializers.CharField()
    account = serializers.CharField()
    debit = serializers.CharField()
    credit = serializers.CharField()


class PreviewRecordSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class PreviewSerializer(serializers.Serializer):
    """What the batch creates (imports/preview.py); the tables hold at most 500 rows (``*_count``:
    how many there are), the totals cover every row. Opening stock only: the figures by office and
    LIC and the opening journal (Inventory / Opening balance equity); master data: ``records``."""

    create_count = serializers.IntegerField(required=False)
    total_quantity = serializers.CharField(required=False)
    total_value = serializers.CharField(required=False)
    by_office = PreviewOfficeSerializer(many=True, required=False)
    by_office_lic = PreviewLicSerializer(many=True, required=False)
    by_office_lic_count = serializers.IntegerField(required=False)
    journal = PreviewJournalSerializer(many=True, required=False)
    journal_count = serializers.IntegerField(required=False)
    journal_total = serializers.CharField(required=False)
    records = PreviewRecordSerializer(many=True, required=False)


class BatchSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    created_by = serializers.CharField(source="created_by.username", default=None, read_only=True)
    committed_by = serializers.CharField(source="committed_by.username", default=None, read_only=True)
    reversed_by = serializers.CharField(source="reversed_by.username", default=None, read_only=True)
    total_quantity = QuantityField(read_only=True, allow_null=True)
    total_value = MoneyField(read_only=True, allow_null=True)
    control_total = MoneyField(read_only=True, allow_null=True)
    errors = serializers.SerializerMethodField()
    preview = PreviewSerializer(source="summary", read_only=True)

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "number",
            "kind",
            "status",
            "file_name",
            "file_format",
            "created_by",
            "created_at",
            "row_count",
            "created_count",
            "error_count",
            "total_quantity",
            "total_value",
            "control_total",
            "first_date",
            "last_date",
            "committed_at",
            "committed_by",
            "reversed_at",
            "reversed_by",
            "reversal_reason",
            "errors",
            "preview",
        ]

    def get_errors(self, batch) -> list[str]:
        return [f"Row {row}: {message}" for row, message in batch.errors[:1000]]


class CostsRequired:
    """Imports carry values (an opening stock's preview, journal and errors sheet): closed without
    "see costs", as their pages are (DOMAIN.md section 11)."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        require_costs(request)


class ImportListCreateView(CostsRequired, generics.ListAPIView):
    """GET the import batches (newest first); POST a file (multipart) to check it and, unless
    `dry_run`, import it in one transaction (administrators, or `imports.run_import`)."""

    serializer_class = BatchSerializer
    read_permission = RUN_IMPORT
    write_permission = RUN_IMPORT

    def get_parsers(self):
        if getattr(self, "request", None) is not None and self.request.method == "POST":
            return [MultiPartParser()]
        return super().get_parsers()

    def get_queryset(self):
        return selectors.batch_list(scope_of(self.request))

    @extend_schema(request={"multipart/form-data": UploadSerializer}, responses={201: BatchSerializer})
    def post(self, request):
        serializer = UploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        upload = data["file"]
        with transaction.atomic():  # a refused commit leaves no batch behind either
            batch, checked = services.stage_import(
                kind=data["kind"],
                file_name=upload.name,
                content=upload.read(),
                actor=request.user,
                record_failure=False,
            )
            if not data["dry_run"]:
                batch = services.commit_import(
                    batch=batch, actor=request.user, control_total=data["control_total"], checked=checked
                )
        batch = selectors.batch_list(scope_of(self.request)).get(pk=batch.pk)
        return Response(BatchSerializer(batch).data, status=status.HTTP_201_CREATED)


class ImportDetailView(CostsRequired, generics.RetrieveAPIView):
    serializer_class = BatchSerializer
    read_permission = RUN_IMPORT

    def get_queryset(self):
        return selectors.batch_list(scope_of(self.request))


class ImportCommitView(CostsRequired, generics.GenericAPIView):
    """Import a batch checked with `dry_run` (checked again now; all or nothing)."""

    serializer_class = CommitSerializer
    write_permission = RUN_IMPORT
    queryset = ImportBatch.objects.none()

    @extend_schema(request=CommitSerializer, responses={200: BatchSerializer})
    def post(self, request, pk):
        batch = get_object_or_404(selectors.batch_list(scope_of(self.request)), pk=pk)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.commit_import(
            batch=batch, actor=request.user, control_total=serializer.validated_data.get("control_total")
        )
        return Response(BatchSerializer(selectors.batch_list(scope_of(self.request)).get(pk=pk)).data)


class ImportReverseView(CostsRequired, generics.GenericAPIView):
    """Reverse an imported batch as a whole (409 once something in it is used, or it is in closed books)."""

    serializer_class = ReverseSerializer
    write_permission = RUN_IMPORT
    queryset = ImportBatch.objects.none()

    @extend_schema(request=ReverseSerializer, responses={200: BatchSerializer})
    def post(self, request, pk):
        batch = get_object_or_404(selectors.batch_list(scope_of(self.request)), pk=pk)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.reverse_import(batch=batch, actor=request.user, reason=data["reason"], date=data.get("date"))
        return Response(BatchSerializer(selectors.batch_list(scope_of(self.request)).get(pk=pk)).data)


KIND = OpenApiParameter(
    "kind", OpenApiTypes.STR, OpenApiParameter.PATH, enum=ImportKind.values, description="The import kind."
)


class ImportTemplateView(ExportView):
    """The empty template of one import kind (administrators, or `imports.run_import`): the same
    file as the import page's download; 404 ``not_found`` for an unknown kind."""

    read_permission = RUN_IMPORT
    fmt = "csv"

    def get(self, request, kind):
        if kind not in ImportKind.values:
            raise NotFound("No such import kind.")
        return download(templates.template_bytes(kind, self.fmt), self.fmt, f"{kind}-template.{self.fmt}")


class ImportTemplateCsvView(ImportTemplateView):
    """The empty template of one import kind as CSV: its header row (the import page's download)."""

    fmt = "csv"

    @file_schema(CSV, "The header row, UTF-8 CSV.", [KIND])
    def get(self, request, kind):
        return super().get(request, kind)


class ImportTemplateXlsxView(ImportTemplateView):
    """The same template as a workbook: the header row, and a Help sheet describing each column."""

    fmt = "xlsx"

    @file_schema(XLSX, "The header row, and a Help sheet describing every column.", [KIND])
    def get(self, request, kind):
        return super().get(request, kind)


urlpatterns = [
    path("imports/templates/<str:kind>.csv", ImportTemplateCsvView.as_view(), name="import-template-csv"),
    path("imports/templates/<str:kind>.xlsx", ImportTemplateXlsxView.as_view(), name="import-template-xlsx"),
    path("imports/", ImportListCreateView.as_view(), name="import-list"),
    path("imports/<int:pk>/", ImportDetailView.as_view(), name="import-detail"),
    path("imports/<int:pk>/commit/", ImportCommitView.as_view(), name="import-commit"),
    path("imports/<int:pk>/reverse/", ImportReverseView.as_view(), name="import-reverse"),
]
