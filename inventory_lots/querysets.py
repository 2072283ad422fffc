from __future__ import annotations

from django.db import models


class LotQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status="open")


class UsageQuerySet(models.QuerySet):
    def unallocated(self):
        """unallocated_quantity <> 0, through the narrow UnallocatedUsage table (kept by triggers)."""
        return self.filter(unallocated_mark__isnull=False)

    def fully_allocated(self):
        return self.filter(unallocated_mark__isnull=True)
