"""Reads of the imports app."""

from __future__ import annotations

from django.db.models import QuerySet

from inventory_lots.scope import EVERYTHING, Scope

from .models import ImportBatch, ImportedLot


def batch_list(scope: Scope = EVERYTHING) -> QuerySet[ImportBatch]:
    """Batches newest first, without their files (``content`` is read only to build an errors sheet);
    those of offices ``scope`` sees."""
    return (
        ImportBatch.objects.visible_to(scope)
        .select_related("created_by", "committed_by", "reversed_by")
        .defer("content")
        .order_by("-id")
    )


def batch_lots(batch: ImportBatch) -> QuerySet[ImportedLot]:
    return ImportedLot.objects.filter(batch=batch).select_related("lot__office", "lot__lic").order_by("row")
