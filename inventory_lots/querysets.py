from __future__ import annotations

from django.db import models


class LotQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status="open")

    def closed(self):
        return self.filter(status="closed")

    def for_lic(self, lic):
        return self.filter(lic=lic)

    def in_office(self, office):
        return self.filter(office=office)

    def released(self):
        return self.filter(released=True)

    def fifo(self):
        return self.order_by("date", "id")

    def lifo(self):
        return self.order_by("-date", "-id")


class UsageQuerySet(models.QuerySet):
    def unallocated(self):
        """unallocated_quantity <> 0, through the narrow UnallocatedUsage table (kept by triggers)."""
        return self.filter(unallocated_mark__isnull=False)

    def fully_allocated(self):
        return self.filter(unallocated_mark__isnull=True)

    def for_lic(self, lic):
        return self.filter(lic=lic)

    def in_office(self, office):
        return self.filter(office=office)
