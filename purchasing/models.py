"""Vendors (master data). Purchase orders, receipts and invoices arrive with the purchasing issue."""

from __future__ import annotations

from django.db import models

from core.models import TimeStampedModel


class Vendor(TimeStampedModel):
    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code
