"""The import page (administrators, or anyone granted ``imports.run_import``): upload a file, see its
errors or its preview, import it, reverse it; the templates and a failed file's errors sheet."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from core.errors import DomainError
from core.forms import add_domain_error
from inventory_lots.scope import scope_of

from . import formats, selectors, services, templates
from .forms import CommitForm, ReverseForm, UploadForm
from .models import BatchStatus, ImportBatch, ImportKind

RUN_IMPORT = "imports.run_import"


class ImportPermissionMixin(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = RUN_IMPORT
    raise_exception = True

    def has_permission(self):
        # imports carry values (an opening stock's preview, journal and errors sheet): closed
        # without "see costs" (DOMAIN.md section 11)
        return super().has_permission() and scope_of(self.request).see_costs


class ImportListView(ImportPermissionMixin, View):
    template_name = "imports/import_list.html"

    def context(self, form=None) -> dict:
        return {
            "form": form or UploadForm(),
            "batches": selectors.batch_list(scope_of(self.request))[:100],
            "kinds": ImportKind.choices,
        }

    def get(self, request):
        return render(request, self.template_name, self.context())

    def post(self, request):
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                batch, _ = services.stage_import(
                    kind=form.cleaned_data["kind"], file_name=upload.name, content=upload.read(), actor=request.user
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                if batch.status == BatchStatus.FAILED:
                    messages.error(request, services.MSG_INVALID.format(count=batch.error_count))
                return redirect(batch)
        return render(request, self.template_name, self.context(form), status=400)


class BatchDetailView(ImportPermissionMixin, View):
    template_name = "imports/batch_detail.html"

    def render_page(self, request, batch, *, commit_form=None, reverse_form=None, status=200):
        context = {
            "batch": batch,
            "summary": batch.summary,
            "errors": batch.errors[:500],
            "commit_form": commit_form or CommitForm(),
            "reverse_form": reverse_form or ReverseForm(),
            "lots": selectors.batch_lots(batch)[:100] if batch.kind == ImportKind.OPENING_STOCK else [],
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request, pk):
        return self.render_page(request, get_object_or_404(selectors.batch_list(scope_of(request)), pk=pk))


class CommitView(BatchDetailView):
    def post(self, request, pk):
        batch = get_object_or_404(selectors.batch_list(scope_of(request)), pk=pk)
        form = CommitForm(request.POST)
        if form.is_valid():
            try:
                batch = services.commit_import(
                    batch=batch, actor=request.user, control_total=form.cleaned_data["control_total"]
                )
            except DomainError as error:
                add_domain_error(form, error)
                for line in error.errors.get("file", [])[:20] if error.code == "import_invalid" else []:
                    form.add_error(None, line)
            else:
                messages.success(request, f"Imported {batch.number}: {batch.created_count:,} record(s).")
                return redirect(batch)
        batch = get_object_or_404(selectors.batch_list(scope_of(request)), pk=pk)
        return self.render_page(request, batch, commit_form=form, status=400)


class ReverseView(BatchDetailView):
    def post(self, request, pk):
        batch = get_object_or_404(selectors.batch_list(scope_of(request)), pk=pk)
        form = ReverseForm(request.POST)
        if form.is_valid():
            try:
                batch = services.reverse_import(batch=batch, actor=request.user, reason=form.cleaned_data["reason"])
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, f"Import {batch.number} reversed.")
                return redirect(batch)
        batch = get_object_or_404(selectors.batch_list(scope_of(request)), pk=pk)
        return self.render_page(request, batch, reverse_form=form, status=400)


def download(content: bytes, fmt: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=formats.content_type(fmt))
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class TemplateDownloadView(ImportPermissionMixin, View):
    def get(self, request, kind, fmt):
        if kind not in ImportKind.values or fmt not in ("csv", "xlsx"):
            raise Http404("No such template.")
        return download(templates.template_bytes(kind, fmt), fmt, f"{kind}-template.{fmt}")


class ErrorsDownloadView(ImportPermissionMixin, View):
    def get(self, request, pk):
        batch = get_object_or_404(ImportBatch.objects.visible_to(scope_of(request)), pk=pk, status=BatchStatus.FAILED)
        stem = batch.file_name.rsplit(".", 1)[0] or "import"
        content = formats.errors_sheet(bytes(batch.content), batch.file_format, batch.errors)
        return download(content, batch.file_format, f"{stem}.errors.{batch.file_format}")
